//! Updates whose columns are chosen at run time (a PATCH handler): `set_some`, `set_if`, and
//! an update left with nothing to set, which refuses to run.

use weft::{Db, Error, Executor};
use weft_tests::backends;

use crate::tables::*;

/// The body of `PATCH /users/:id`: a field left out is `None`; `email: Some(None)` clears it.
#[derive(Default)]
struct UserPatch {
    name: Option<String>,
    email: Option<Option<String>>,
    age: Option<i32>,
    deactivate: bool,
}

async fn patch_user(executor: impl Executor, id: i64, patch: UserPatch) -> weft::Result<u64> {
    weft::update::<User>()
        .set_some(User::name, patch.name)
        .set_some(User::email, patch.email)
        .set_some(User::age, patch.age)
        .set_if(patch.deactivate, User::active, false)
        .filter(User::id.eq(id))
        .execute(executor)
        .await
}

async fn user(db: &Db, name: &str) -> weft::Result<User> {
    weft::select::<User>()
        .filter(User::name.eq(name))
        .one(db)
        .await
}

#[backends]
async fn patch_sets_only_the_given_columns(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let before = user(&db, "ann").await?;
    let changed = patch_user(
        &db,
        before.id,
        UserPatch {
            age: Some(31),
            email: Some(None),
            ..UserPatch::default()
        },
    )
    .await?;
    assert_eq!(changed, 1);
    let after = user(&db, "ann").await?;
    assert_eq!(
        after,
        User {
            age: 31,
            email: None,
            ..before.clone()
        }
    );

    // In a transaction, through the same function; a rename and a flag.
    let mut tx = db.begin().await?;
    let patch = UserPatch {
        name: Some("anne".into()),
        deactivate: true,
        ..UserPatch::default()
    };
    assert_eq!(patch_user(&mut tx, before.id, patch).await?, 1);
    tx.commit().await?;
    let renamed = user(&db, "anne").await?;
    assert_eq!(
        (renamed.id, renamed.active, renamed.age),
        (before.id, false, 31)
    );

    // A patch that only sets a nullable column to a value.
    let patch = UserPatch {
        email: Some(Some("a@example.com".into())),
        ..UserPatch::default()
    };
    patch_user(&db, before.id, patch).await?;
    assert_eq!(
        user(&db, "anne").await?.email.as_deref(),
        Some("a@example.com")
    );
    Ok(())
}

#[backends]
async fn patch_with_nothing_to_set_sends_nothing(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let sent = db.statements_executed();
    let empty = weft::update::<User>()
        .set_some(User::name, None::<String>)
        .set_if(false, User::age, 1)
        .filter(User::id.eq(1));
    assert!(empty.is_empty());
    let err = empty.execute(&db).await.unwrap_err();
    assert!(
        matches!(err, Error::EmptyUpdate { table: "users" }),
        "{err}"
    );
    let err = patch_user(&db, 1, UserPatch::default()).await.unwrap_err();
    assert!(matches!(err, Error::EmptyUpdate { .. }), "{err}");
    // In a transaction: refused before sending, so the transaction is not aborted.
    let mut tx = db.begin().await?;
    let err = patch_user(&mut tx, 1, UserPatch::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::EmptyUpdate { .. }), "{err}");
    let patch = UserPatch {
        age: Some(99),
        ..UserPatch::default()
    };
    assert_eq!(patch_user(&mut tx, 1, patch).await?, 1);
    tx.commit().await?;
    assert_eq!(db.statements_executed(), sent + 1);
    assert_eq!(user(&db, "ann").await?.age, 99);
    Ok(())
}

#[backends]
async fn patch_setting_a_column_twice_keeps_the_last(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // A default, then the request's value: one assignment of `age` (PostgreSQL refuses a
    // column assigned twice; the others would apply both in turn).
    let requested = Some(User::age + 2);
    let q = weft::update::<User>()
        .set_if(true, User::age, 0)
        .set_some(User::email, None::<Option<String>>)
        .set_some(User::age, requested)
        .set_if(true, User::active, false)
        .filter(User::name.eq("ann"));
    assert_eq!(
        q.to_sql(weft::Backend::Postgres).text,
        r#"UPDATE "users" SET "age" = ("users"."age" + $1), "active" = $2 WHERE "users"."name" = $3"#
    );
    assert_eq!(q.execute(&db).await?, 1);
    let ann = user(&db, "ann").await?;
    assert_eq!((ann.age, ann.active), (32, false));
    Ok(())
}
