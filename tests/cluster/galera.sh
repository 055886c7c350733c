#!/usr/bin/env bash
# A MariaDB Galera cluster of three nodes on loopback, for weft's cluster tests.
#
#   tests/cluster/galera.sh up     # start it (about 30 s); prints the variables the tests read
#   tests/cluster/galera.sh down   # stop it and remove its files
#
# The nodes run as the `mysql` user (as root, the rsync state transfer drops to `nobody` and
# cannot read ibdata1) from a scratch folder ($WEFT_CLUSTER_DIR, default /tmp/weft-cluster),
# on spare ports: clients 13306-13308, group communication 24567-24569, incremental state
# transfer 24577-24579, state transfer 24587-24589. The machine's own MariaDB (3306) is not
# touched. `up` writes the URLs to $WEFT_CLUSTER_DIR/galera.env (sourced by tests/run):
#   WEFT_TEST_GALERA_URLS   the three nodes' URLs, comma-separated (user `weft`, database `test`)
# A failed `up` tears down what it started.
set -euo pipefail

DIR="${WEFT_CLUSTER_DIR:-/tmp/weft-cluster}/galera"
ENV_FILE="$(dirname "$DIR")/galera.env"
PROVIDER=/usr/lib/galera/libgalera_smm.so
NODES=(1 2 3)

client_port() { echo $((13305 + $1)); }
node_dir() { echo "$DIR/n$1"; }
sql() { # node, statement: run as root over the node's socket
  mariadb --no-defaults -uroot -S "$(node_dir "$1")/mysqld.sock" -N -B -e "$2"
}

down() {
  for i in "${NODES[@]}"; do
    local pidfile
    pidfile="$(node_dir "$i")/mysqld.pid"
    if [ -s "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
    fi
  done
  # Wait for every node to exit (a clean shutdown takes a few seconds).
  for _ in $(seq 1 60); do
    local alive=0
    for i in "${NODES[@]}"; do
      local pidfile
      pidfile="$(node_dir "$i")/mysqld.pid"
      if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then alive=1; fi
    done
    [ "$alive" = 0 ] && break
    sleep 1
  done
  for i in "${NODES[@]}"; do
    local pidfile
    pidfile="$(node_dir "$i")/mysqld.pid"
    if [ -s "$pidfile" ]; then kill -9 "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  rm -rf "$DIR" "$ENV_FILE"
}

config() {
  local i=$1 d
  d="$(node_dir "$i")"
  cat > "$d/my.cnf" <<CNF
[mysqld]
user=mysql
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
log-error=$d/error.log
port=$(client_port "$i")
bind-address=127.0.0.1
skip-name-resolve
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_buffer_pool_size=32M
innodb_log_file_size=16M
innodb_flush_log_at_trx_commit=0
character-set-server=utf8mb4
collation-server=utf8mb4_bin
max_connections=200
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=weft_test
wsrep_node_name=n$i
wsrep_node_address=127.0.0.1
wsrep_cluster_address=gcomm://127.0.0.1:24567,127.0.0.1:24568,127.0.0.1:24569
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$((24566 + i));ist.recv_addr=127.0.0.1:$((24576 + i));gcache.size=32M"
wsrep_sst_receive_address=127.0.0.1:$((24586 + i))
wsrep_sst_method=rsync
# Galera interleaves auto-increment keys across nodes (step = cluster size); weft's CRUD and
# relational suites, run against one node, expect consecutive keys, so the test cluster hands
# them out as one server does. (In production keep it on: weft reads keys back, never guesses.)
wsrep_auto_increment_control=OFF
auto_increment_increment=1
auto_increment_offset=1
# Causal reads: a read waits until its node has applied every transaction committed anywhere
# in the cluster before it began. Without it, a commit acknowledged on one node may not yet be
# visible on another (Galera applies writesets asynchronously after certification), and a
# test reading through another node would see a stale count.
wsrep_sync_wait=1
CNF
}

start() { # node, extra flags
  local i=$1 d
  shift
  d="$(node_dir "$i")"
  # Detached: the node outlives this script, and `down` stops it by its pid file.
  setsid /usr/sbin/mariadbd --defaults-file="$d/my.cnf" "$@" </dev/null >>"$d/stdout.log" 2>&1 &
}

wait_synced() { # node, seconds
  local i=$1
  for _ in $(seq 1 "$2"); do
    if [ "$(sql "$i" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_LOCAL_STATE_COMMENT'" 2>/dev/null)" = Synced ]; then
      return 0
    fi
    sleep 1
  done
  echo "galera: node $i did not sync; its log:" >&2
  tail -n 40 "$(node_dir "$i")/error.log" >&2 || true
  return 1
}

up() {
  [ -x /usr/sbin/mariadbd ] && [ -f "$PROVIDER" ] || {
    echo "galera: needs mariadb-server and galera-4 installed" >&2
    return 1
  }
  down
  local started=$SECONDS
  mkdir -p "$DIR"
  chown mysql:mysql "$DIR" "$(dirname "$DIR")"
  for i in "${NODES[@]}"; do
    local d
    d="$(node_dir "$i")"
    mkdir -p "$d/data"
    config "$i"
    chown -R mysql:mysql "$d"
  done
  # Only the first node needs system tables: the others receive its state.
  mariadb-install-db --no-defaults --user=mysql --datadir="$(node_dir 1)/data" \
    --auth-root-authentication-method=socket --skip-test-db >"$(node_dir 1)/install.log" 2>&1
  start 1 --wsrep-new-cluster
  wait_synced 1 60
  sql 1 "CREATE USER 'weft'@'127.0.0.1'; GRANT ALL ON *.* TO 'weft'@'127.0.0.1' WITH GRANT OPTION; CREATE DATABASE test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
  for i in 2 3; do
    start "$i"
    wait_synced "$i" 90
  done
  local size
  size="$(sql 1 "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_CLUSTER_SIZE'")"
  [ "$size" = 3 ] || { echo "galera: cluster size is $size, not 3" >&2; return 1; }
  local urls=()
  for i in "${NODES[@]}"; do urls+=("mysql://weft@127.0.0.1:$(client_port "$i")/test"); done
  local joined
  joined="$(IFS=,; echo "${urls[*]}")"
  echo "export WEFT_TEST_GALERA_URLS=$joined" > "$ENV_FILE"
  echo "galera: 3 nodes synced in $((SECONDS - started)) s" >&2
  cat "$ENV_FILE"
}

case "${1:-}" in
  up) trap 'status=$?; if [ $status -ne 0 ]; then down; fi' EXIT; up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
