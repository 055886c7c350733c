//! On a MariaDB Galera cluster of three nodes (`tests/cluster/galera.sh up`, which `tests/run`
//! calls): many transactions spread over all three nodes increment the same counters. Galera
//! certifies each commit against the writes other nodes committed first; the loser fails with
//! error 1213 (`Conflict::Deadlock`). Inside `transaction_with_retry` every increment is
//! eventually acknowledged and the counts are exact; without it, the same load shows the
//! failures, and the counts still equal the increments acknowledged.
//!
//! The cluster is found through `WEFT_TEST_GALERA_URLS` (the three nodes' URLs). Without it,
//! the test says it skipped; in CI (`CI=true`) it fails instead.

use std::str::FromStr;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use weft::{Conflict, Db, Error, RetryPolicy};

use crate::retry::Counter;

/// The cluster's node URLs, or `None` (after saying why) when there is no cluster outside CI.
fn cluster() -> Option<Vec<String>> {
    let urls = std::env::var("WEFT_TEST_GALERA_URLS").unwrap_or_default();
    let urls: Vec<String> = urls
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    if urls.len() >= 2 {
        return Some(urls);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "WEFT_TEST_GALERA_URLS names no Galera cluster, and CI must run the cluster tests: \
             `bash tests/run` starts one with tests/cluster/galera.sh up"
        );
    }
    eprintln!(
        "SKIPPED galera tests: WEFT_TEST_GALERA_URLS is not set (`bash tests/run` runs every \
         test with the clusters; or start one with `tests/cluster/galera.sh up` and source \
         /tmp/weft-cluster/galera.env)"
    );
    None
}

/// A fresh database on the cluster, and a handle on it through each node.
async fn on_every_node(urls: &[String], test: &str) -> (Vec<Db>, String) {
    let name = format!("weft_{test}_{}", std::process::id());
    let admin = Db::connect(&urls[0]).await.expect("reach Galera node 1");
    admin
        .execute_sql(&format!("DROP DATABASE IF EXISTS `{name}`"), vec![])
        .await
        .expect("drop an old test database");
    admin
        .execute_sql(
            &format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"),
            vec![],
        )
        .await
        .expect("create the test database");
    let mut nodes = Vec::new();
    for url in urls {
        let options = sqlx::mysql::MySqlConnectOptions::from_str(url)
            .expect("a MySQL URL")
            .database(&name);
        // The other nodes apply the CREATE DATABASE a moment later (a new connection does
        // not wait for it as a causal read does): until then they answer 1049.
        let started = std::time::Instant::now();
        let pool = loop {
            let pool = sqlx::mysql::MySqlPoolOptions::new()
                .max_connections(8)
                .connect_with(options.clone())
                .await;
            match pool {
                Ok(pool) => break pool,
                Err(sqlx::Error::Database(e))
                    if e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                        .is_some_and(|e| e.number() == 1049)
                        && started.elapsed() < std::time::Duration::from_secs(10) =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                Err(e) => panic!("reach a Galera node: {e}"),
            }
        };
        nodes.push(Db::from_mysql_pool(pool).await.expect("ask the version"));
    }
    (nodes, name)
}

const COUNTERS: i64 = 2;
const TASKS: usize = 12;
const INCREMENTS: usize = 10;

#[derive(Debug, Default)]
struct Figures {
    transactions: u64,
    acknowledged: Vec<i64>,
    retries: u64,
    failures: u64,
}

/// TASKS tasks, task `t` on node `t % 3`, each incrementing counter `(t + i) % COUNTERS`
/// INCREMENTS times; with `policy`, in the retry loop, else in plain transactions (whose
/// conflicts are counted as failures, anything else failing the test).
async fn contend(nodes: &[Db], policy: Option<RetryPolicy>) -> weft::Result<Figures> {
    let tasks = (0..TASKS).map(|t| {
        let db = &nodes[t % nodes.len()];
        async move {
            let mut figures = Figures {
                acknowledged: vec![0; COUNTERS as usize],
                ..Figures::default()
            };
            for i in 0..INCREMENTS {
                let id = ((t + i) as i64) % COUNTERS;
                let mut attempts = 0u64;
                let body = async |tx: &mut weft::Tx<'static>| {
                    attempts += 1;
                    weft::update::<Counter>()
                        .set(Counter::n, Counter::n + 1)
                        .filter(Counter::id.eq(id))
                        .execute(&mut *tx)
                        .await?;
                    Ok::<_, Error>(())
                };
                let out = match policy {
                    Some(policy) => db.transaction_with_retry(policy, body).await,
                    None => db.transaction(body).await,
                };
                figures.transactions += attempts;
                figures.retries += attempts - 1;
                match out {
                    Ok(()) => figures.acknowledged[id as usize] += 1,
                    Err(e) if e.conflict() == Some(Conflict::Deadlock) => figures.failures += 1,
                    Err(e) => return Err(e),
                }
            }
            Ok(figures)
        }
    });
    let mut total = Figures {
        acknowledged: vec![0; COUNTERS as usize],
        ..Figures::default()
    };
    for figures in join_all(tasks).await {
        let figures = figures?;
        total.transactions += figures.transactions;
        total.retries += figures.retries;
        total.failures += figures.failures;
        for (sum, n) in total.acknowledged.iter_mut().zip(figures.acknowledged) {
            *sum += n;
        }
    }
    Ok(total)
}

async fn counts(db: &Db) -> weft::Result<Vec<i64>> {
    weft::select::<Counter>()
        .columns(Counter::n)
        .order_by(Counter::id)
        .all(db)
        .await
}

async fn reset(db: &Db) -> weft::Result<()> {
    db.drop_tables::<Counter>().await?;
    db.create_tables::<Counter>().await?;
    weft::insert_many((0..COUNTERS).map(|id| Counter { id, n: 0 }))
        .execute(db)
        .await?;
    Ok(())
}

#[tokio::test]
async fn contention_across_nodes_is_exact_with_retries() -> weft::Result<()> {
    let Some(urls) = cluster() else {
        return Ok(());
    };
    let (nodes, name) = on_every_node(&urls, "contention").await;

    reset(&nodes[0]).await?;
    let started = Instant::now();
    let policy = RetryPolicy::new(100).backoff(Duration::from_millis(1), Duration::from_millis(50));
    let with = contend(&nodes, Some(policy)).await?;
    let took = started.elapsed();
    // Read through another node: what was acknowledged is on every node.
    let seen = counts(&nodes[1]).await?;
    println!(
        "galera with retries: {} increments, {} transactions run, {} retries, {} failures, \
         final counts {seen:?} (acknowledged {:?}) in {took:?}",
        TASKS * INCREMENTS,
        with.transactions,
        with.retries,
        with.failures,
        with.acknowledged
    );
    assert_eq!(with.failures, 0);
    assert_eq!(seen, with.acknowledged);
    assert_eq!(seen.iter().sum::<i64>(), (TASKS * INCREMENTS) as i64);

    reset(&nodes[0]).await?;
    let without = contend(&nodes, None).await?;
    let seen = counts(&nodes[2]).await?;
    println!(
        "galera without retries: {} increments tried, {} failed with a conflict, final counts \
         {seen:?} (acknowledged {:?})",
        TASKS * INCREMENTS,
        without.failures,
        without.acknowledged
    );
    assert_eq!(seen, without.acknowledged, "a failed commit left nothing");
    assert!(
        without.failures > 0,
        "the same load without the retry loop shows certification failures"
    );

    nodes[0]
        .execute_sql(&format!("DROP DATABASE `{name}`"), vec![])
        .await?;
    Ok(())
}
