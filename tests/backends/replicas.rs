//! Read replicas on a PostgreSQL primary with a streaming replica
//! (`tests/cluster/pg-replica.sh up`, which `tests/run` calls): plain reads go to the replica,
//! writes, transactions and row locks to the primary, `on_primary()` forces the primary, and
//! a replica's lag is met by the documented rule (read your own writes on the primary).
//!
//! The pair is found through `WEFT_TEST_PG_PRIMARY_URL` and `WEFT_TEST_PG_REPLICA_URL`.
//! Without them the test says it skipped; in CI (`CI=true`) it fails instead.

use std::time::{Duration, Instant};

use weft::Db;

use crate::tables::*;

fn pair() -> Option<(String, String)> {
    let get = |var| std::env::var(var).ok().filter(|v: &String| !v.is_empty());
    match (
        get("WEFT_TEST_PG_PRIMARY_URL"),
        get("WEFT_TEST_PG_REPLICA_URL"),
    ) {
        (Some(p), Some(r)) => Some((p, r)),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "WEFT_TEST_PG_PRIMARY_URL / WEFT_TEST_PG_REPLICA_URL name no PostgreSQL replica \
             pair, and CI must run the replica tests: `bash tests/run` starts one \
             with tests/cluster/pg-replica.sh up"
        ),
        _ => {
            eprintln!(
                "SKIPPED replica tests: WEFT_TEST_PG_PRIMARY_URL / WEFT_TEST_PG_REPLICA_URL are \
                 not set (`bash tests/run` runs every test with \
                 the clusters; or start a pair with `tests/cluster/pg-replica.sh up` and source \
                 /tmp/weft-cluster/pg-replica.env)"
            );
            None
        }
    }
}

/// Whether `executor`'s server is a replica (in recovery).
async fn on_replica(executor: impl weft::Executor) -> weft::Result<bool> {
    let rows: Vec<bool> = weft::raw("SELECT pg_is_in_recovery()")
        .fetch_all(executor)
        .await?;
    Ok(rows[0])
}

#[tokio::test]
async fn reads_go_to_the_replica_and_the_rest_to_the_primary() -> weft::Result<()> {
    let Some((primary, replica)) = pair() else {
        return Ok(());
    };
    let db = Db::connect_with_replicas(&primary, [&replica]).await?;
    // Each run on fresh tables (the pair is scratch, made for the CI run).
    db.drop_tables::<(Post, User)>().await?;
    let before = (db.statements_executed(), db.replica_statements());

    // A plain read runs on the replica; on_primary() and a transaction's reads do not.
    assert!(on_replica(&db).await?);
    assert!(!on_replica(&db.on_primary()).await?);
    let mut tx = db.begin().await?;
    assert!(!on_replica(&mut tx).await?);
    tx.rollback().await?;

    // Writes go to the primary (the replica refuses them: it is read-only).
    seed(&db).await?;
    let made = weft::insert(new_user("dan", None, 40))
        .returning()
        .one(&db)
        .await?;

    // Read your own write on the primary, at once.
    let fresh = weft::select::<User>()
        .filter(User::id.eq(made.id))
        .first(&db.on_primary())
        .await?;
    assert_eq!(fresh.map(|u| u.name), Some("dan".to_owned()));

    // The replica catches up (streaming lag, on loopback, is milliseconds). Until it has
    // replayed the `CREATE TABLE` too, reading the table there fails with 42P01.
    let started = Instant::now();
    let lag = loop {
        let seen = weft::select::<User>()
            .filter(User::id.eq(made.id))
            .first(&db)
            .await;
        let not_yet_created = |e: &weft::Error| {
            e.as_database_error()
                .and_then(|d| d.code())
                .is_some_and(|code| code == "42P01")
        };
        match seen {
            Ok(Some(_)) => break started.elapsed(),
            Ok(None) => {}
            Err(e) if not_yet_created(&e) => {}
            Err(e) => return Err(e),
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the replica never caught up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    // Row locks go to the primary (a replica cannot lock rows: it would refuse).
    let mut tx = db.begin().await?;
    let locked = weft::select::<User>()
        .columns(User::id)
        .filter(User::id.eq(made.id))
        .for_update()
        .all(&mut tx)
        .await?;
    assert_eq!(locked, [made.id]);
    tx.commit().await?;

    let total = db.statements_executed() - before.0;
    let replica = db.replica_statements() - before.1;
    println!(
        "replica routing: {total} statements, {replica} on the replica, {} on the primary; \
         the replica caught up with a write after {lag:?}",
        total - replica
    );
    db.on_primary().drop_tables::<(Post, User)>().await?;
    Ok(())
}
