//! Row locks: `FOR UPDATE` / `FOR SHARE` with `SKIP LOCKED` / `NOWAIT`, refused before
//! sending where the dialect has none (SQLite).

use std::time::Duration;

use weft::{AsDialect, Backend, Db, Dialect, Error, Sql, Value};
use weft_tests::backends;

use crate::tables::*;

/// Longer than any statement here needs: a lock wait that should not happen fails the test
/// instead of hanging it.
const NO_HANG: Duration = Duration::from_secs(20);

fn no_lock_error<T: std::fmt::Debug>(out: weft::Result<T>) {
    match out {
        Err(Error::Unsupported { what, hint, .. }) => {
            assert_eq!(what, "row locks (FOR UPDATE / FOR SHARE)");
            assert!(hint.contains("transaction"), "{hint}");
        }
        other => panic!("expected Error::Unsupported, got {other:?}"),
    }
}

#[backends]
async fn for_update_in_a_transaction(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let locks = db.capabilities().row_locks;
    let mut tx = db.begin().await?;
    let locked = weft::select::<User>()
        .columns(User::name)
        .filter(User::age.ge(30))
        .order_by(User::id)
        .for_update()
        .all(&mut tx)
        .await;
    let shared = weft::select::<User>()
        .columns(User::name)
        .filter(User::id.eq(2))
        .for_share()
        .one(&mut tx)
        .await;
    if locks.for_update {
        assert_eq!(locked?, ["ann", "cat"]);
        assert_eq!(shared?, "bob");
    } else {
        // Refused before sending: the transaction is as it was and still commits.
        no_lock_error(locked);
        no_lock_error(shared);
    }
    weft::update::<User>()
        .set(User::age, 31)
        .filter(User::name.eq("ann"))
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    let age = weft::select::<User>()
        .columns(User::age)
        .filter(User::name.eq("ann"))
        .one(&db)
        .await?;
    assert_eq!(age, 31);
    Ok(())
}

#[backends]
async fn skip_locked_leaves_out_rows_another_transaction_holds(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let locks = db.capabilities().row_locks;
    let mut a = db.begin().await?;
    let held = weft::select::<User>()
        .columns(User::id)
        .filter(User::id.eq(1))
        .for_update()
        .all(&mut a)
        .await;
    if !(locks.for_update && locks.skip_locked) {
        no_lock_error(held);
        return Ok(());
    }
    assert_eq!(held?, [1]);

    let mut b = db.begin().await?;
    let free = tokio::time::timeout(
        NO_HANG,
        weft::select::<User>()
            .columns(User::id)
            .filter(User::id.between(1, 3))
            .order_by(User::id)
            .for_update()
            .skip_locked()
            .all(&mut b),
    )
    .await
    .expect("SKIP LOCKED waited for a lock")?;
    assert_eq!(free, [2, 3]);

    // Once A ends, row 1 is free again.
    a.rollback().await?;
    b.rollback().await?;
    let mut c = db.begin().await?;
    let all = weft::select::<User>()
        .columns(User::id)
        .filter(User::id.between(1, 3))
        .order_by(User::id)
        .for_update()
        .skip_locked()
        .all(&mut c)
        .await?;
    assert_eq!(all, [1, 2, 3]);
    Ok(())
}

#[backends]
async fn nowait_fails_at_once_on_a_locked_row(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let locks = db.capabilities().row_locks;
    let mut a = db.begin().await?;
    let held = weft::select::<User>()
        .filter(User::id.eq(1))
        .for_update()
        .one(&mut a)
        .await;
    if !(locks.for_update && locks.nowait) {
        no_lock_error(held);
        return Ok(());
    }
    assert_eq!(held?.name, "ann");

    let mut b = db.begin().await?;
    let out = tokio::time::timeout(
        NO_HANG,
        weft::select::<User>()
            .filter(User::id.eq(1))
            .for_update()
            .nowait()
            .first(&mut b),
    )
    .await
    .expect("NOWAIT waited for a lock");
    match out {
        Err(Error::Query { sql, .. }) => assert!(sql.ends_with(" NOWAIT"), "{sql}"),
        other => panic!("expected the server's lock error, got {other:?}"),
    }
    drop(b);

    // A shared lock conflicts with A's exclusive one too; a row A does not hold is free.
    let mut c = db.begin().await?;
    let shared = tokio::time::timeout(
        NO_HANG,
        weft::select::<User>()
            .columns(User::id)
            .filter(User::id.eq(1))
            .for_share()
            .nowait()
            .all(&mut c),
    )
    .await
    .expect("NOWAIT waited for a lock");
    assert!(matches!(shared, Err(Error::Query { .. })), "{shared:?}");
    drop(c);
    let mut d = db.begin().await?;
    let other = weft::select::<User>()
        .columns(User::name)
        .filter(User::id.eq(2))
        .for_update()
        .nowait()
        .one(&mut d)
        .await?;
    assert_eq!(other, "bob");
    Ok(())
}

/// `to_sql` of `query`'s statement on PostgreSQL, MariaDB and MySQL proper.
fn texts(to_sql: impl Fn(&'static dyn Dialect) -> Sql) -> [String; 3] {
    [
        Backend::Postgres.as_dialect(),
        (&weft::dialect::MariaDb).as_dialect(),
        Backend::MySql.as_dialect(),
    ]
    .map(|d| to_sql(d).text)
}

#[test]
fn lock_sql_per_dialect() {
    let q = || {
        weft::select::<User>()
            .columns(User::id)
            .filter(User::active.eq(true))
            .order_by(User::id)
            .limit(5)
    };
    let pg = r#"SELECT "users"."id" FROM "users" WHERE "users"."active" = $1 ORDER BY "users"."id" LIMIT 5"#;
    let my =
        "SELECT `users`.`id` FROM `users` WHERE `users`.`active` = ? ORDER BY `users`.`id` LIMIT ?";
    let expect = |pg_lock: &str, maria_lock: &str, mysql_lock: &str| {
        [
            format!("{pg}{pg_lock}"),
            format!("{my}{maria_lock}"),
            format!("{my}{mysql_lock}"),
        ]
    };

    let update = q().for_update();
    assert_eq!(
        texts(|d| update.to_sql(d)),
        expect(" FOR UPDATE", " FOR UPDATE", " FOR UPDATE")
    );
    let share = q().for_share();
    assert_eq!(
        texts(|d| share.to_sql(d)),
        expect(" FOR SHARE", " LOCK IN SHARE MODE", " FOR SHARE")
    );
    let skip = q().for_update().skip_locked();
    assert_eq!(
        texts(|d| skip.to_sql(d)),
        expect(
            " FOR UPDATE SKIP LOCKED",
            " FOR UPDATE SKIP LOCKED",
            " FOR UPDATE SKIP LOCKED"
        )
    );
    let nowait = q().for_update().nowait();
    assert_eq!(
        texts(|d| nowait.to_sql(d)),
        expect(
            " FOR UPDATE NOWAIT",
            " FOR UPDATE NOWAIT",
            " FOR UPDATE NOWAIT"
        )
    );
    let share_skip = q().for_share().skip_locked();
    assert_eq!(
        texts(|d| share_skip.to_sql(d)),
        expect(
            " FOR SHARE SKIP LOCKED",
            " LOCK IN SHARE MODE SKIP LOCKED",
            " FOR SHARE SKIP LOCKED"
        )
    );
    // The last wait option wins, as the last `limit` does.
    let share_nowait = q().for_share().skip_locked().nowait();
    assert_eq!(
        texts(|d| share_nowait.to_sql(d)),
        expect(
            " FOR SHARE NOWAIT",
            " LOCK IN SHARE MODE NOWAIT",
            " FOR SHARE NOWAIT"
        )
    );
    // The lock adds no bind where the dialect has it (PostgreSQL writes the limit into the
    // text, MariaDB binds it).
    assert_eq!(
        share_nowait.to_sql(Backend::Postgres).binds,
        [Value::Bool(true)]
    );
    assert_eq!(
        share_nowait.to_sql(&weft::dialect::MariaDb).binds,
        [Value::Bool(true), Value::I64(5)]
    );
}
