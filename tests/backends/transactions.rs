//! Transactions commit on Ok, roll back on Err, drop and panic, and nest as savepoints.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use weft::{Db, Error};
use weft_tests::backends;

use crate::tables::*;

async fn names(db: &weft::Db) -> weft::Result<Vec<String>> {
    weft::select::<User>()
        .columns(User::name)
        .order_by(User::id)
        .all(db)
        .await
}

#[derive(Debug)]
#[allow(dead_code)] // the wrapped error is read through Debug
enum AppError {
    Weft(Error),
    Refused,
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::Weft(e)
    }
}

#[backends]
async fn commit_on_ok_rollback_on_err(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    let id = db
        .transaction(async |tx| {
            let u = weft::insert(new_user("kept", None, 1))
                .returning()
                .one(&mut *tx)
                .await?;
            weft::update::<User>()
                .set(User::age, 2)
                .filter(User::id.eq(u.id))
                .execute(&mut *tx)
                .await?;
            Ok::<_, Error>(u.id)
        })
        .await?;
    assert_eq!(id, 1);

    let refused = db
        .transaction(async |tx| {
            weft::insert(new_user("discarded", None, 1))
                .execute(&mut *tx)
                .await?;
            Err::<(), _>(AppError::Refused)
        })
        .await;
    assert!(matches!(refused, Err(AppError::Refused)));
    assert_eq!(names(&db).await?, ["kept"]);
    Ok(())
}

#[backends]
async fn rollback_on_drop_and_on_panic(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    {
        let mut tx = db.begin().await?;
        weft::insert(new_user("dropped", None, 1))
            .execute(&mut tx)
            .await?;
        // Seen inside the transaction…
        assert_eq!(weft::select::<User>().count(&mut tx).await?, 1);
    } // …and gone when it is dropped.
    assert_eq!(names(&db).await?, Vec::<String>::new());

    let panicked = AssertUnwindSafe(db.transaction(async |tx| {
        weft::insert(new_user("panicked", None, 1))
            .execute(&mut *tx)
            .await?;
        panic!("boom");
        #[allow(unreachable_code)]
        Ok::<(), Error>(())
    }))
    .catch_unwind()
    .await;
    assert!(panicked.is_err());

    // A panic in a spawned task with an open transaction.
    let db2 = db.clone();
    let joined = tokio::spawn(async move {
        let mut tx = db2.begin().await.unwrap();
        weft::insert(new_user("spawned", None, 1))
            .execute(&mut tx)
            .await
            .unwrap();
        panic!("boom in a task");
    })
    .await;
    assert!(joined.unwrap_err().is_panic());

    assert_eq!(names(&db).await?, Vec::<String>::new());
    weft::insert(new_user("after", None, 1))
        .execute(&db)
        .await?;
    assert_eq!(names(&db).await?, ["after"]);
    Ok(())
}

#[backends]
async fn nested_transactions_are_savepoints(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    let mut outer = db.begin().await?;
    weft::insert(new_user("outer", None, 1))
        .execute(&mut outer)
        .await?;
    outer
        .transaction(async |inner| {
            weft::insert(new_user("inner kept", None, 1))
                .execute(&mut *inner)
                .await?;
            Ok::<_, Error>(())
        })
        .await?;
    let refused = outer
        .transaction(async |inner| {
            weft::insert(new_user("inner undone", None, 1))
                .execute(&mut *inner)
                .await?;
            Err::<(), _>(AppError::Refused)
        })
        .await;
    assert!(matches!(refused, Err(AppError::Refused)));
    {
        let mut manual = outer.begin().await?;
        weft::insert(new_user("savepoint dropped", None, 1))
            .execute(&mut manual)
            .await?;
    }
    let mut manual = outer.begin().await?;
    weft::insert(new_user("savepoint committed", None, 1))
        .execute(&mut manual)
        .await?;
    manual.commit().await?;
    outer.commit().await?;
    assert_eq!(
        names(&db).await?,
        ["outer", "inner kept", "savepoint committed"]
    );
    Ok(())
}

#[backends]
async fn statement_counter_counts_statements_not_transaction_control(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    let start = db.statements_executed();
    let mut tx = db.begin().await?;
    weft::insert(new_user("a", None, 1))
        .execute(&mut tx)
        .await?;
    weft::select::<User>().all(&mut tx).await?;
    tx.commit().await?;
    assert_eq!(db.statements_executed() - start, 2);
    Ok(())
}
