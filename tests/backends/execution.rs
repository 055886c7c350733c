//! Running statements never lies, hangs or crashes: a failed statement aborts its transaction
//! on every backend, deep expressions are refused (never a stack overflow), stale
//! PostgreSQL statements are retried, and SQLite's in-memory pools neither split nor hang.

use std::time::{Duration, Instant};

use futures_util::FutureExt;
use weft::{Backend, Db, Error, NotLoaded, Table, not};
use weft_tests::backends;

use crate::tables::*;

async fn names(db: &weft::Db) -> weft::Result<Vec<String>> {
    weft::select::<User>()
        .columns(User::name)
        .order_by(User::id)
        .all(db)
        .await
}

fn is_aborted(result: &weft::Result<impl std::fmt::Debug>, action: &str, failed: &str) -> bool {
    matches!(
        result,
        Err(Error::TransactionAborted { action: a, failed_sql, .. })
            if *a == action && failed_sql.contains(failed)
    )
}

// ---------------------------------------------------------------------------------------
// Item 2: a failed statement aborts the transaction, on every backend.

#[backends]
async fn an_ignored_failure_aborts_the_transaction(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    let mut tx = db.begin().await?;
    weft::insert(new_user("kept?", None, 1))
        .execute(&mut tx)
        .await?;
    // A unique violation, ignored by the caller.
    let failed = weft::insert(new_user("kept?", None, 2))
        .execute(&mut tx)
        .await;
    assert!(matches!(failed, Err(Error::Query { .. })), "{failed:?}");

    // Every later statement is refused without being sent, naming the failure…
    let before = db.statements_executed();
    let later = weft::select::<User>().all(&mut tx).await;
    assert!(is_aborted(&later, "statement", "INSERT"), "{later:?}");
    let message = later.unwrap_err().to_string();
    assert!(
        message.contains("aborted by an earlier failure"),
        "{message}"
    );
    assert!(message.contains("not run: SELECT"), "{message}");
    assert_eq!(db.statements_executed(), before);
    // …so is a savepoint…
    assert!(matches!(
        tx.begin().await,
        Err(Error::TransactionAborted {
            action: "begin",
            ..
        })
    ));
    // …and the commit, which rolls back: nothing is stored, on every backend.
    let commit = tx.commit().await;
    assert!(is_aborted(&commit, "commit", "INSERT"), "{commit:?}");
    assert_eq!(names(&db).await?, Vec::<String>::new());
    Ok(())
}

#[backends]
async fn a_transaction_closure_ignoring_an_error_fails(db: Db) -> weft::Result<()> {
    db.create_tables::<(Post, User)>().await?;
    let out = db
        .transaction(async |tx| {
            weft::insert(new_user("a", None, 1))
                .execute(&mut *tx)
                .await?;
            let _ignored = weft::insert(new_user("a", None, 1)).execute(&mut *tx).await;
            Ok::<_, Error>(7)
        })
        .await;
    assert!(is_aborted(&out, "commit", "INSERT"), "{out:?}");
    assert_eq!(names(&db).await?, Vec::<String>::new());

    // Errors weft raises before sending, or about a statement that succeeded, leave the
    // transaction as it is on every backend: they do not abort it.
    let stores_nan = db.capabilities().stores_nan;
    db.transaction(async |tx| {
        let b = weft::insert(new_user("b", None, 1))
            .returning()
            .one(&mut *tx)
            .await?;
        let missing = weft::select::<User>()
            .filter(User::id.eq(99))
            .one(&mut *tx)
            .await;
        assert!(matches!(missing, Err(Error::NotFound { .. })));
        let nan = NewPost {
            id: None,
            user_id: b.id,
            title: "t".into(),
            score: Some(f64::NAN),
        };
        let nan = weft::insert(nan).execute(&mut *tx).await;
        // PostgreSQL stores NaN; SQLite and MySQL refuse it before sending.
        assert_eq!(nan.is_ok(), stores_nan, "{nan:?}");
        Ok::<_, Error>(())
    })
    .await?;
    assert_eq!(names(&db).await?, ["b"]);
    Ok(())
}

#[backends]
async fn a_failure_inside_a_rolled_back_savepoint_leaves_the_transaction_usable(
    db: Db,
) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    let mut tx = db.begin().await?;
    weft::insert(new_user("a", None, 1))
        .execute(&mut tx)
        .await?;

    // Dropped savepoint.
    {
        let mut sp = tx.begin().await?;
        weft::insert(new_user("dropped", None, 1))
            .execute(&mut sp)
            .await?;
        assert!(
            weft::insert(new_user("a", None, 1))
                .execute(&mut sp)
                .await
                .is_err()
        );
        let refused = weft::select::<User>().all(&mut sp).await;
        assert!(is_aborted(&refused, "statement", "INSERT"), "{refused:?}");
    }
    // Explicit rollback.
    let mut sp = tx.begin().await?;
    assert!(
        weft::insert(new_user("a", None, 1))
            .execute(&mut sp)
            .await
            .is_err()
    );
    sp.rollback().await?;
    // A savepoint body that returns the error.
    let body = tx
        .transaction(async |sp| {
            weft::insert(new_user("undone", None, 1))
                .execute(&mut *sp)
                .await?;
            weft::insert(new_user("a", None, 1))
                .execute(&mut *sp)
                .await?;
            Ok::<_, Error>(())
        })
        .await;
    assert!(matches!(body, Err(Error::Query { .. })), "{body:?}");
    // Committing an aborted savepoint is refused (and rolls it back); the outer goes on.
    let mut sp = tx.begin().await?;
    weft::insert(new_user("released?", None, 1))
        .execute(&mut sp)
        .await?;
    assert!(
        weft::insert(new_user("a", None, 1))
            .execute(&mut sp)
            .await
            .is_err()
    );
    let release = sp.commit().await;
    assert!(is_aborted(&release, "commit", "INSERT"), "{release:?}");
    // A savepoint body that ignores the error.
    let ignored = tx
        .transaction(async |sp| {
            let _ = weft::insert(new_user("a", None, 1)).execute(&mut *sp).await;
            Ok::<_, Error>(())
        })
        .await;
    assert!(is_aborted(&ignored, "commit", "INSERT"), "{ignored:?}");

    weft::insert(new_user("b", None, 1))
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    assert_eq!(names(&db).await?, ["a", "b"]);
    Ok(())
}

#[backends]
async fn a_cancelled_statement_aborts_the_transaction(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    let mut tx = db.begin().await?;
    weft::insert(new_user("a", None, 1))
        .execute(&mut tx)
        .await?;
    // Polled once (sent), then dropped: whether it ran is unknown. (Retried with other
    // rows in the rare case the server answered within the one poll.)
    for attempt in 0.. {
        assert!(attempt < 20, "every insert finished in one poll");
        let many = (0..2000).map(|i| new_user(&format!("u{attempt}_{i}"), None, i));
        if weft::insert_many(many)
            .execute(&mut tx)
            .now_or_never()
            .is_none()
        {
            break;
        }
    }
    let later = weft::select::<User>().count(&mut tx).await;
    assert!(is_aborted(&later, "statement", "INSERT"), "{later:?}");
    assert!(later.unwrap_err().to_string().contains("cancelled"));
    let commit = tx.commit().await;
    assert!(is_aborted(&commit, "commit", "INSERT"), "{commit:?}");
    assert_eq!(names(&db).await?, Vec::<String>::new());

    // Cancelled outside a transaction: the connection it ran on does not hold up (or
    // confuse) the next statements.
    for _ in 0..3 {
        for attempt in 0.. {
            assert!(attempt < 20, "every insert finished in one poll");
            let many = (0..2000).map(|i| new_user(&format!("v{attempt}_{i}"), None, i));
            if weft::insert_many(many)
                .execute(&db)
                .now_or_never()
                .is_none()
            {
                break;
            }
        }
        // (Whether the cancelled insert ran is unknown: it may still finish on its own.)
        let count = weft::select::<User>();
        let next = tokio::time::timeout(Duration::from_secs(20), count.count(&db)).await;
        next.expect("the next statement was blocked")?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Item 10: deep expressions render or are refused, never overflow the stack.

#[backends]
async fn ten_thousand_chained_filters_just_work(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let mut q = weft::select::<User>()
        .columns(User::name)
        .order_by(User::id);
    for i in 0..10_000 {
        q = q.filter(User::age.gt(i % 20));
    }
    assert_eq!(q.all(&db).await?, ["ann", "bob", "cat"]);

    // `and` / `or` chains stay flat, grouped in a balanced tree (SQLite limits expression
    // depth to 1000, and a flat chain of n terms is n deep).
    let chain = User::age
        .ge(0)
        .and(User::age.ne(1))
        .and(User::age.ne(2))
        .and(User::age.ne(3));
    let sql = weft::select::<User>()
        .filter(chain)
        .to_sql(Backend::Sqlite)
        .text;
    assert!(
        sql.ends_with(r#"WHERE (("users"."age" >= ? AND "users"."age" <> ?) AND ("users"."age" <> ? AND "users"."age" <> ?))"#),
        "{sql}"
    );
    let n = weft::update::<User>()
        .set(User::age, 1)
        .filter(User::age.ge(0).or(User::age.lt(0)))
        .execute(&db)
        .await?;
    assert_eq!(n, 3);
    Ok(())
}

/// `NOT` nested `depth` times around `age >= 0`.
fn nots(depth: usize) -> weft::Expr<bool, (weft::Dep<User>, ())> {
    let mut e = User::age.ge(0);
    for _ in 0..depth {
        e = not(e);
    }
    e
}

#[backends]
async fn deep_expressions_are_refused_before_sending(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let q = || {
        weft::select::<User>()
            .columns(User::name)
            .order_by(User::id)
    };
    // At the documented limit (the comparison and its column are two levels), every
    // backend runs it.
    let limit = weft::MAX_EXPRESSION_DEPTH;
    assert_eq!(
        q().filter(nots(limit - 2)).all(&db).await?,
        ["ann", "bob", "cat"]
    );
    // One deeper is refused before anything is sent.
    let refused = q().filter(nots(limit - 1)).all(&db).await;
    assert!(
        matches!(refused, Err(Error::TooDeep { limit: l, .. }) if l == limit),
        "{refused:?}"
    );

    // A 100,000-deep chain: built, cloned, compared, shown, rendered and dropped on the
    // test thread's 2 MiB stack.
    let deep = nots(100_000);
    let copy = deep.clone();
    assert!(format!("{copy:?}").contains('…'));
    let refused = q().filter(copy).all(&db).await;
    assert!(matches!(refused, Err(Error::TooDeep { .. })), "{refused:?}");
    let shown = weft::delete::<User>()
        .filter(deep.clone())
        .to_sql(db.dialect())
        .to_string();
    assert!(shown.starts_with("DELETE"));
    let deleted = weft::delete::<User>().filter(deep).execute(&db).await;
    assert!(matches!(deleted, Err(Error::TooDeep { .. })), "{deleted:?}");
    assert_eq!(names(&db).await?, ["ann", "bob", "cat"]);
    Ok(())
}

#[test]
fn deep_expressions_drop_on_a_small_stack() {
    // 256 KiB: dropping and cloning recurse no deeper than a few levels.
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let deep = nots(100_000);
            let copy = deep.clone();
            drop(deep);
            drop(copy);
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow");
}

#[derive(Table, Debug)]
#[table(name = "tree_nodes")]
#[allow(dead_code)] // the relation is only filtered on, never loaded
pub struct TreeNode<Children = NotLoaded> {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(references = TreeNode::id)]
    pub parent_id: Option<i64>,
    #[relation(many = TreeNode, from = TreeNode::id, to = TreeNode::parent_id)]
    pub children: Children,
}

#[backends]
async fn deeply_nested_relation_filters_are_refused(db: Db) -> weft::Result<()> {
    db.create_tables::<TreeNode>().await?;
    weft::insert(NewTreeNode {
        id: None,
        parent_id: None,
    })
    .execute(&db)
    .await?;
    weft::insert(NewTreeNode {
        id: None,
        parent_id: Some(1),
    })
    .execute(&db)
    .await?;
    let q = || weft::select::<TreeNode>().columns(TreeNode::id);
    // Nested a few levels: runs.
    let two = TreeNode::children
        .filter(TreeNode::children.not_exists())
        .exists();
    assert_eq!(q().filter(two).all(&db).await?, [1]);
    // Nested 10,000 levels: refused, on the test thread's stack.
    let mut deep = TreeNode::children.exists();
    for _ in 0..10_000 {
        deep = TreeNode::children.filter(deep).exists();
    }
    let refused = q().filter(deep).all(&db).await;
    assert!(matches!(refused, Err(Error::TooDeep { .. })), "{refused:?}");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Item 12: PostgreSQL statements cached before `ALTER … TYPE` are retried.

#[backends]
async fn statements_survive_a_column_type_change(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let backend = db.backend();
    let emails = || {
        weft::select::<User>()
            .columns(User::email)
            .order_by(User::id)
    };
    let expected = [
        Some("ann@example.com".to_string()),
        Some("bob@example.com".into()),
        None,
    ];
    // Each `Db` of the tests used one at a time holds one connection: the statement is
    // cached on the connection the next ones use.
    for _ in 0..3 {
        assert_eq!(emails().all(&db).await?, expected);
    }
    let alter = |ty: &str| match backend {
        Backend::Postgres => format!(r#"ALTER TABLE "users" ALTER COLUMN "email" TYPE {ty}"#),
        Backend::MySql => format!("ALTER TABLE `users` MODIFY `email` {ty}"),
        // SQLite cannot change a column's type; it re-prepares after any schema change.
        Backend::Sqlite => format!(
            r#"ALTER TABLE "users" ADD COLUMN "extra_{}" INTEGER"#,
            ty.len()
        ),
    };
    db.execute_sql(&alter("VARCHAR(200)"), vec![]).await?;
    for _ in 0..3 {
        assert_eq!(emails().all(&db).await?, expected);
    }
    assert_eq!(emails().first(&db).await?, Some(expected[0].clone()));

    // Inside a transaction the server has aborted it by the time it says so: the error says
    // to run the transaction again, which then works.
    db.execute_sql(&alter("TEXT"), vec![]).await?;
    // (The pool may hold more than one connection with the statement cached: each aborted
    // transaction clears the cache of the connection it ran on.)
    for attempt in 0.. {
        let mut tx = db.begin().await?;
        match emails().all(&mut tx).await {
            Ok(rows) => {
                assert_eq!(rows, expected);
                tx.commit().await?;
                break;
            }
            Err(e) => {
                assert!(backend == Backend::Postgres && attempt < 4, "{e}");
                assert!(matches!(e, Error::StaleStatement { .. }), "{e:?}");
                assert!(e.to_string().contains("run it again"));
                let commit = tx.commit().await;
                assert!(
                    matches!(commit, Err(Error::TransactionAborted { .. })),
                    "{commit:?}"
                );
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Item 13: SQLite connection set-up traps. SQLite only: the other backends' pools are
// servers' connections and have none of these traps.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_urls_without_a_path_are_one_shared_memory_database() -> weft::Result<()> {
    for url in [
        "sqlite:",
        "sqlite://",
        "sqlite::memory:",
        "sqlite:?mode=memory",
    ] {
        let db = weft::Db::connect(url).await?;
        db.create_tables::<User>().await?;
        weft::insert(new_user("shared", None, 1))
            .execute(&db)
            .await?;
        // Concurrent statements (which would take several pooled connections) all see it.
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { names(&db).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.expect("task")?, ["shared"], "{url}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn sqlite_memory_statement_on_the_db_inside_its_transaction_fails_fast() -> weft::Result<()> {
    let db = weft::Db::connect("sqlite::memory:").await?;
    db.create_tables::<User>().await?;
    let started = Instant::now();
    db.transaction(async |tx| {
        weft::insert(new_user("in tx", None, 1))
            .execute(&mut *tx)
            .await?;
        // The transaction holds the only connection: this could never get one.
        let on_db = names(&db).await;
        assert!(matches!(on_db, Err(Error::Busy { .. })), "{on_db:?}");
        assert!(on_db.unwrap_err().to_string().contains("`&mut tx`"));
        let begin = db.begin().await;
        assert!(matches!(begin, Err(Error::Busy { .. })));
        // A failure weft raised before sending leaves the transaction usable.
        assert_eq!(weft::select::<User>().count(&mut *tx).await?, 1);
        Ok::<_, Error>(())
    })
    .await?;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(names(&db).await?, ["in tx"]);

    // Another task's statement waits for the transaction instead.
    let mut tx = db.begin().await?;
    weft::insert(new_user("second", None, 1))
        .execute(&mut tx)
        .await?;
    let other = tokio::spawn({
        let db = db.clone();
        async move { names(&db).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    tx.commit().await?;
    assert_eq!(other.await.expect("task")?, ["in tx", "second"]);
    Ok(())
}

/// Counts forever (until interrupted).
const ENDLESS: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                       SELECT count(*) FROM c";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_memory_timed_out_statement_does_not_block_the_next() -> weft::Result<()> {
    let db = weft::Db::connect("sqlite::memory:").await?;
    db.create_tables::<User>().await?;
    weft::insert(new_user("after", None, 1))
        .execute(&db)
        .await?;
    for _ in 0..3 {
        let timed_out =
            tokio::time::timeout(Duration::from_millis(100), db.execute_sql(ENDLESS, vec![])).await;
        assert!(
            timed_out.is_err(),
            "an endless statement finished: {timed_out:?}"
        );
        // Without the interrupt this waits for ever (and the pool gives up after 30 s).
        let next = tokio::time::timeout(Duration::from_secs(10), names(&db)).await;
        assert_eq!(next.expect("the next statement was blocked")?, ["after"]);
    }
    Ok(())
}

/// SQLite-only (file databases): a pooled statement whose future is dropped (it had moved to
/// a blocking thread, being long) is interrupted, and the next statement does not wait behind
/// it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_timed_out_statement_does_not_block_the_next() -> weft::Result<()> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let path = std::env::temp_dir().join(format!("weft_cancel_{}_{nanos}.db", std::process::id()));
    let db = weft::Db::connect(&format!("sqlite://{}?mode=rwc", path.display())).await?;
    db.create_tables::<User>().await?;
    weft::insert(new_user("after", None, 1))
        .execute(&db)
        .await?;
    // Long but bounded (it must not spin for ever if it were not interrupted).
    const SLOW: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
                        WHERE x < 5000000) SELECT count(*) FROM c";
    let started = std::time::Instant::now();
    db.execute_sql(SLOW, vec![]).await?;
    let slow = started.elapsed();
    for _ in 0..2 {
        let timed_out =
            tokio::time::timeout(Duration::from_millis(50), db.execute_sql(SLOW, vec![])).await;
        assert!(
            timed_out.is_err(),
            "the slow statement finished: {timed_out:?}"
        );
        let started = std::time::Instant::now();
        assert_eq!(names(&db).await?, ["after"]);
        // Not behind the cancelled statement, which runs on for most of `slow`.
        assert!(
            started.elapsed() < slow / 2,
            "{:?} waited, the statement takes {slow:?}",
            started.elapsed()
        );
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}
