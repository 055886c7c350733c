//! Statement timeouts through the API: per query (`Db::with_statement_timeout`, a handle any
//! query runs on) and per handle (`Db::set_statement_timeout`). A slow statement is stopped
//! (by the server where the dialect can: PostgreSQL `statement_timeout`, MariaDB
//! `max_statement_time`; on SQLite weft interrupts it), fails with `Error::Timeout`, and the
//! connection it ran on is usable afterwards, without the timeout left set.

use std::time::{Duration, Instant};

use weft::{Backend, Db, Error, Strategy, find_many};
use weft_tests::backends;

use crate::tables::*;

/// The timeout the tests give: long enough for any quick statement on a loaded machine, and
/// well short of the slow statements' 5 s.
const TIMEOUT: Duration = Duration::from_secs(1);

/// A read that takes about 5 s (SQLite: counting to 10^9 takes minutes), as one BIGINT row.
fn slow_read(db: &Db) -> &'static str {
    match db.backend() {
        Backend::Postgres => "SELECT CAST(1 AS BIGINT) FROM pg_sleep(5)",
        Backend::MySql => "SELECT CAST(SLEEP(5) AS SIGNED)",
        Backend::Sqlite => {
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000000) \
             SELECT COUNT(*) FROM c"
        }
    }
}

/// A quick read of `n` as one BIGINT row.
fn number(db: &Db, n: i64) -> String {
    match db.backend() {
        Backend::MySql => format!("SELECT CAST({n} AS SIGNED)"),
        _ => format!("SELECT CAST({n} AS BIGINT)"),
    }
}

/// A write as slow, inserting one user.
fn slow_write(db: &Db) -> String {
    let users = weft_tests::quote_ident(db, "users");
    let name = weft_tests::quote_ident(db, "name");
    let from = match db.backend() {
        Backend::Postgres => "SELECT 'slow' FROM pg_sleep(5)".to_owned(),
        Backend::MySql => "SELECT CONCAT('slow', SLEEP(5))".to_owned(),
        Backend::Sqlite => format!("SELECT 'slow' || ({})", slow_read(db)),
    };
    format!("INSERT INTO {users} ({name}) {from}")
}

/// Checks `err` is the timeout of a statement stopped well before it would have ended.
fn assert_stopped(db: &Db, err: &Error, started: Instant) {
    assert!(err.is_timeout(), "a timeout, not: {err}");
    let Error::Timeout { after, source, .. } = err else {
        panic!("Error::Timeout, not: {err:?}");
    };
    assert_eq!(*after, TIMEOUT);
    // The server stopped it where the dialect can (and said so); on SQLite weft did.
    assert_eq!(
        source.is_some(),
        db.capabilities().server_statement_timeouts,
        "{err}"
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "stopped after {took:?}");
}

/// The statement timeout of `db`'s connection as the server holds it: none is left behind.
async fn session_timeout_is_unset(db: &Db) -> weft::Result<()> {
    match db.backend() {
        Backend::Postgres => {
            let t: String = weft::raw("SELECT current_setting('statement_timeout')")
                .fetch_one(db)
                .await?;
            assert_eq!(t, "0");
        }
        Backend::MySql => {
            let t: f64 = weft::raw("SELECT CAST(@@max_statement_time AS DOUBLE)")
                .fetch_one(db)
                .await?;
            assert_eq!(t, 0.0);
        }
        Backend::Sqlite => {}
    }
    Ok(())
}

#[backends]
async fn a_slow_read_is_stopped_and_the_pool_goes_on(db: Db) -> weft::Result<()> {
    let quick = db.with_statement_timeout(TIMEOUT);
    assert_eq!(quick.statement_timeout(), Some(TIMEOUT));
    assert_eq!(db.statement_timeout(), None);
    let before = db.statements_executed();
    let started = Instant::now();
    let err = weft::raw(slow_read(&db))
        .fetch_one::<i64, _>(&quick)
        .await
        .unwrap_err();
    assert_stopped(&db, &err, started);
    // One statement, whatever keeps the timeout (a setting and its reset are not counted).
    assert_eq!(db.statements_executed() - before, 1);
    // The next statements work, with the timeout and without.
    let one: i64 = weft::raw(number(&db, 1)).fetch_one(&quick).await?;
    let two: i64 = weft::raw(number(&db, 2)).fetch_one(&db).await?;
    assert_eq!((one, two), (1, 2));
    Ok(())
}

#[backends]
async fn a_slow_write_is_stopped_and_writes_nothing(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    let quick = db.with_statement_timeout(TIMEOUT);
    let started = Instant::now();
    let err = weft::raw(slow_write(&db))
        .execute(&quick)
        .await
        .unwrap_err();
    assert_stopped(&db, &err, started);
    // Nothing was written; typed writes and reads on the timed handle work.
    weft::insert(new_user("ann", None, 30))
        .execute(&quick)
        .await?;
    let users: Vec<User> = weft::select::<User>().all(&quick).await?;
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].name, "ann");
    Ok(())
}

/// A handle on `db`'s isolated schema or database whose pool holds one connection, so that
/// every statement on it (and its clones) runs on the same connection.
async fn one_connection(db: &Db) -> weft::Result<Db> {
    use std::str::FromStr;
    let env = |var: &str, default: &str| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    Ok(match db.backend() {
        Backend::Sqlite => db.clone(), // in memory: one connection already
        Backend::Postgres => {
            let schema: String = weft::raw("SELECT current_schema()::text")
                .fetch_one(db)
                .await?;
            let url = env("WEFT_TEST_POSTGRES_URL", weft_tests::DEFAULT_POSTGRES_URL);
            let options = sqlx::postgres::PgConnectOptions::from_str(&url)
                .expect("a PostgreSQL URL")
                .options([("search_path", schema.as_str())]);
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .expect("connect");
            Db::from_postgres_pool(pool)
        }
        Backend::MySql => {
            let name: String = weft::raw("SELECT DATABASE()").fetch_one(db).await?;
            let url = env("WEFT_TEST_MYSQL_URL", weft_tests::DEFAULT_MYSQL_URL);
            let options = sqlx::mysql::MySqlConnectOptions::from_str(&url)
                .expect("a MySQL URL")
                .database(&name);
            let pool = sqlx::mysql::MySqlPoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .expect("connect");
            Db::from_mysql_pool(pool).await?
        }
    })
}

#[backends]
async fn the_connection_keeps_no_timeout(db: Db) -> weft::Result<()> {
    // One connection, so that the statements after the timeout run where it ran.
    let one = one_connection(&db).await?;
    let quick = one.with_statement_timeout(TIMEOUT);
    let started = Instant::now();
    let err = weft::raw(slow_read(&db))
        .fetch_one::<i64, _>(&quick)
        .await
        .unwrap_err();
    assert_stopped(&db, &err, started);
    session_timeout_is_unset(&one).await?;
    // A statement that ends in time leaves none set either.
    let one_row: i64 = weft::raw(number(&db, 1)).fetch_one(&quick).await?;
    assert_eq!(one_row, 1);
    session_timeout_is_unset(&one).await?;
    // Nor one in a session begun on the timed handle.
    let mut s = quick.session().await?;
    let started = Instant::now();
    let err = weft::raw(slow_read(&db))
        .fetch_one::<i64, _>(&mut s)
        .await
        .unwrap_err();
    assert_stopped(&db, &err, started);
    drop(s);
    session_timeout_is_unset(&one).await?;
    Ok(())
}

#[backends]
async fn the_handle_default_applies_to_every_clone(db: Db) -> weft::Result<()> {
    let clone = db.clone();
    db.set_statement_timeout(Some(TIMEOUT));
    assert_eq!(clone.statement_timeout(), Some(TIMEOUT));
    let started = Instant::now();
    let err = clone.execute_sql(slow_read(&db), vec![]).await.unwrap_err();
    assert_stopped(&db, &err, started);
    // A handle's own timeout, or none, wins over the default.
    assert_eq!(db.without_statement_timeout().statement_timeout(), None);
    let two: i64 = weft::raw(number(&db, 2))
        .fetch_one(&db.without_statement_timeout())
        .await?;
    assert_eq!(two, 2);
    let patient = db.with_statement_timeout(Duration::from_secs(60));
    let one: i64 = weft::raw(number(&db, 1)).fetch_one(&patient).await?;
    assert_eq!(one, 1);
    db.set_statement_timeout(None);
    assert_eq!(clone.statement_timeout(), None);
    Ok(())
}

#[backends]
async fn a_timeout_aborts_the_transaction(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    let quick = db.with_statement_timeout(TIMEOUT);
    let mut tx = quick.begin().await?;
    weft::insert(new_user("ann", None, 30))
        .execute(&mut tx)
        .await?;
    let started = Instant::now();
    let err = weft::raw(slow_read(&db))
        .fetch_one::<i64, _>(&mut tx)
        .await
        .unwrap_err();
    assert_stopped(&db, &err, started);
    // The transaction can run nothing more, nor commit; nothing of it is stored.
    let refused = weft::raw(number(&db, 1))
        .fetch_one::<i64, _>(&mut tx)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, Error::TransactionAborted { .. }),
        "{refused}"
    );
    assert!(tx.commit().await.is_err());
    let users: Vec<User> = weft::select::<User>().all(&db).await?;
    assert!(users.is_empty());
    // The pool goes on, in a transaction too.
    let mut tx = quick.begin().await?;
    weft::insert(new_user("bob", None, 25))
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    assert_eq!(weft::select::<User>().all(&quick).await?.len(), 1);
    Ok(())
}

#[backends(strategies)]
async fn relational_queries_run_with_a_timeout(db: Db, strategy: Strategy) -> weft::Result<()> {
    use crate::relations::{Group, User};
    crate::relations::seed(&db).await?;
    let quick = db.with_statement_timeout(Duration::from_secs(60));
    let before = db.statements_executed();
    let users = find_many::<User>()
        .with(User::groups.order_by(Group::name))
        .order_by(User::id)
        .strategy(strategy)
        .all(&quick)
        .await?;
    // Each statement carries the timeout; their number is the same.
    assert_eq!(
        db.statements_executed() - before,
        weft_tests::statements(strategy, 1)
    );
    assert_eq!(users.len(), 3);
    assert!(users.iter().any(|u| !u.groups.is_empty()));
    Ok(())
}
