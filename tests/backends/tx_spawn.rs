//! Transactions inside spawned tasks (`tokio::spawn`, web handlers): `Db::transaction_send`
//! and `Tx::transaction_send` have `Send` futures, and commit and roll back as
//! `Db::transaction` does. These tests must compile: that is half of what they check.

use std::future::Future;
use std::time::Duration;

use weft::{Db, Error};
use weft_tests::backends;

use crate::tables::*;

async fn names(db: &Db) -> weft::Result<Vec<String>> {
    weft::select::<User>()
        .columns(User::name)
        .order_by(User::id)
        .all(db)
        .await
}

/// What an axum handler's future must be.
fn handler_future<F: Future + Send + 'static>(f: F) -> F {
    f
}

#[derive(Debug)]
enum AppError {
    Weft(#[allow(dead_code)] Error),
    Refused,
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::Weft(e)
    }
}

#[backends]
async fn transaction_send_commits_in_a_spawned_task(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    let task_db = db.clone();
    let id = tokio::spawn(async move {
        task_db
            .transaction_send(|tx| {
                Box::pin(async move {
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
            })
            .await
    })
    .await
    .expect("the task finished")?;
    assert_eq!(id, 1);
    assert_eq!(names(&db).await?, ["kept"]);
    Ok(())
}

#[backends]
async fn transaction_send_rolls_back_on_err_panic_and_drop(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;

    // Err: rolled back, the error handed back.
    let task_db = db.clone();
    let refused = tokio::spawn(async move {
        task_db
            .transaction_send(|tx| {
                Box::pin(async move {
                    weft::insert(new_user("refused", None, 1))
                        .execute(&mut *tx)
                        .await?;
                    Err::<(), _>(AppError::Refused)
                })
            })
            .await
    })
    .await
    .expect("the task finished");
    assert!(matches!(refused, Err(AppError::Refused)), "{refused:?}");

    // Panic: the task ends in a panic, the transaction is rolled back.
    let task_db = db.clone();
    let panicked = tokio::spawn(async move {
        task_db
            .transaction_send(|tx| {
                Box::pin(async move {
                    weft::insert(new_user("panicked", None, 1))
                        .execute(&mut *tx)
                        .await?;
                    if std::hint::black_box(true) {
                        panic!("boom in a task");
                    }
                    Ok::<_, Error>(())
                })
            })
            .await
    })
    .await;
    assert!(panicked.expect_err("the task panicked").is_panic());

    // Dropped (a request cancelled by a timeout): rolled back.
    let task_db = db.clone();
    let cancelled = tokio::spawn(async move {
        tokio::time::timeout(
            Duration::from_millis(100),
            task_db.transaction_send(|tx| {
                Box::pin(async move {
                    weft::insert(new_user("cancelled", None, 1))
                        .execute(&mut *tx)
                        .await?;
                    std::future::pending::<()>().await;
                    Ok::<_, Error>(())
                })
            }),
        )
        .await
    })
    .await
    .expect("the task finished");
    assert!(cancelled.is_err(), "timed out");

    assert_eq!(names(&db).await?, Vec::<String>::new());
    Ok(())
}

#[backends]
async fn savepoints_and_begin_in_a_handler(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    let handler_db = db.clone();
    // A savepoint inside `transaction_send`, and `begin`/`commit`, in a future that must be
    // `Send + 'static` (as axum requires of a handler's).
    let handler = handler_future(async move {
        handler_db
            .transaction_send(|tx| {
                Box::pin(async move {
                    weft::insert(new_user("outer", None, 1))
                        .execute(&mut *tx)
                        .await?;
                    let refused = tx
                        .transaction_send(|inner| {
                            Box::pin(async move {
                                weft::insert(new_user("inner undone", None, 1))
                                    .execute(&mut *inner)
                                    .await?;
                                Err::<(), _>(AppError::Refused)
                            })
                        })
                        .await;
                    assert!(matches!(refused, Err(AppError::Refused)));
                    tx.transaction_send(|inner| {
                        Box::pin(async move {
                            weft::insert(new_user("inner kept", None, 1))
                                .execute(&mut *inner)
                                .await?;
                            Ok::<_, Error>(())
                        })
                    })
                    .await
                })
            })
            .await?;
        let mut tx = handler_db.begin().await?;
        weft::insert(new_user("begun", None, 1))
            .execute(&mut tx)
            .await?;
        tx.commit().await
    });
    tokio::spawn(handler).await.expect("the task finished")?;
    assert_eq!(names(&db).await?, ["outer", "inner kept", "begun"]);
    Ok(())
}
