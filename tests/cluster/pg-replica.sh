#!/usr/bin/env bash
# A PostgreSQL primary with one streaming replica on loopback, for weft's replica tests.
#
#   tests/cluster/pg-replica.sh up     # start both; prints the variables the tests read
#   tests/cluster/pg-replica.sh down   # stop both and remove their files
#
# Both run as the `postgres` user from a scratch folder ($WEFT_CLUSTER_DIR, default
# /tmp/weft-cluster), the primary on port 15432 and the replica (`pg_basebackup -R -X stream`,
# read-only, hot standby) on 15433. The machine's own server (5432) is not touched. `up` writes
# $WEFT_CLUSTER_DIR/pg-replica.env (sourced by tests/run):
#   WEFT_TEST_PG_PRIMARY_URL   the primary's URL (user `postgres`, database `test`)
#   WEFT_TEST_PG_REPLICA_URL   the replica's
# A failed `up` tears down what it started.
set -euo pipefail

DIR="${WEFT_CLUSTER_DIR:-/tmp/weft-cluster}/pg"
ENV_FILE="$(dirname "$DIR")/pg-replica.env"
BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}"
PRIMARY_PORT=15432
REPLICA_PORT=15433

as_pg() { runuser -u postgres -- "$@"; }

down() {
  for node in replica primary; do
    if [ -f "$DIR/$node/postmaster.pid" ]; then
      as_pg "$BIN/pg_ctl" -D "$DIR/$node" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$DIR" "$ENV_FILE"
}

up() {
  down
  local started=$SECONDS
  mkdir -p "$DIR"
  chown postgres:postgres "$DIR"
  chmod 755 "$(dirname "$DIR")"
  as_pg "$BIN/initdb" -D "$DIR/primary" -U postgres --auth=trust >"$DIR/initdb.log" 2>&1
  cat >>"$DIR/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$DIR'
wal_level = replica
max_wal_senders = 4
shared_buffers = 32MB
fsync = off
CONF
  echo "host replication all 127.0.0.1/32 trust" >>"$DIR/primary/pg_hba.conf"
  as_pg "$BIN/pg_ctl" -D "$DIR/primary" -l "$DIR/primary.log" -w start >/dev/null
  as_pg "$BIN/psql" -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -q -c "CREATE DATABASE test" postgres
  # `--checkpoint=fast`: the default spread checkpoint took 92 s of an idle primary.
  as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -D "$DIR/replica" -R -X stream --checkpoint=fast
  echo "port = $REPLICA_PORT" >>"$DIR/replica/postgresql.conf"
  as_pg "$BIN/pg_ctl" -D "$DIR/replica" -l "$DIR/replica.log" -w start >/dev/null
  # The replica is streaming once the primary lists it.
  for _ in $(seq 1 30); do
    if [ "$(as_pg "$BIN/psql" -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -tAc \
      "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" postgres)" = 1 ]; then
      {
        echo "export WEFT_TEST_PG_PRIMARY_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/test"
        echo "export WEFT_TEST_PG_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/test"
      } >"$ENV_FILE"
      echo "pg-replica: primary and streaming replica up in $((SECONDS - started)) s" >&2
      cat "$ENV_FILE"
      return 0
    fi
    sleep 1
  done
  echo "pg-replica: the replica is not streaming; its log:" >&2
  tail -n 40 "$DIR/replica.log" >&2 || true
  return 1
}

case "${1:-}" in
  up) trap 'status=$?; if [ $status -ne 0 ]; then down; fi' EXIT; up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
