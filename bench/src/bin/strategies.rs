//! Which relation-loading strategy is faster on each backend: users with their groups
//! (many-to-many), all users and a 50-user page, loaded in one statement and batched.
//!
//!     cargo run --release -p weft-bench --bin strategies [-- sqlite|postgres|mysql …]

use weft::{Backend, Db, Strategy, find_many};
use weft_bench::compare::env::server_url;
use weft_bench::{Group, User, median, seed_many_to_many};

#[tokio::main]
async fn main() -> weft::Result<()> {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let targets = [
        ("sqlite", Backend::Sqlite),
        ("postgres", Backend::Postgres),
        ("mysql", Backend::MySql),
    ]
    .map(|(name, backend)| (name, server_url(backend)));
    println!("| backend | query | single statement | batched | batched / single |");
    println!("|---|---|---|---|---|");
    for (name, url) in targets {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == name) {
            continue;
        }
        // `STRATEGIES_POOL=1`: one pooled connection (as the summary runs), not Db::connect's.
        let db = if std::env::var("STRATEGIES_POOL").as_deref() == Ok("1") && name == "mysql" {
            let pool = sqlx::mysql::MySqlPoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect(&url)
                .await
                .expect("connect");
            Db::from_mysql_pool(pool).await?
        } else {
            Db::connect(&url).await?
        };
        seed_many_to_many(&db, 2000, 100, 10).await?;
        for (label, limit) in [
            ("2,000 users × 10 groups", None),
            ("50-user page", Some(50)),
        ] {
            let run = |strategy: Strategy| {
                let db = db.clone();
                async move {
                    let mut q = find_many::<User>()
                        .with(User::groups.order_by(Group::id))
                        .order_by(User::id)
                        .strategy(strategy);
                    if let Some(n) = limit {
                        q = q.limit(n);
                    }
                    let rows = q.all(&db).await.expect("query");
                    rows.len()
                }
            };
            let runs = if limit.is_some() { 200 } else { 30 };
            let single = median(runs, || run(Strategy::SingleStatement)).await;
            let batched = median(runs, || run(Strategy::Batched)).await;
            println!(
                "| {} | {label} | {:.2} ms | {:.2} ms | {:.2} |",
                db.backend(),
                single.as_secs_f64() * 1e3,
                batched.as_secs_f64() * 1e3,
                batched.as_secs_f64() / single.as_secs_f64()
            );
        }
        db.drop_tables::<(weft_bench::UsersToGroups, User, Group)>()
            .await?;
    }
    Ok(())
}
