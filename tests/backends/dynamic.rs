//! Conditions built at run time: `Filter`, `any`, `all`, optional parts.

use weft::{Db, Filter};
use weft_tests::backends;

use crate::tables::*;

/// A search form: each field optional, names matched as any of a list chosen at run time.
#[backends]
async fn filters_built_at_run_time(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    weft::insert_many([
        new_user("ann", None, 20),
        new_user("bob", Some("bob@example.com"), 30),
        new_user("cid", None, 40),
        new_user("dee", Some("dee@example.com"), 50),
    ])
    .execute(&db)
    .await?;
    let search = |names: &[&str], min_age: Option<i32>, has_email: Option<bool>| {
        let mut filter = Filter::<(User,)>::new().and_some(min_age.map(|a| User::age.ge(a)));
        if !names.is_empty() {
            filter = filter.and(weft::any(names.iter().map(|n| User::name.eq(*n))));
        }
        filter = filter.and_some(has_email.map(|has| {
            if has {
                User::email.ne(None::<String>)
            } else {
                User::email.eq(None::<String>)
            }
        }));
        weft::select::<User>()
            .filter(filter)
            .order_by(User::id)
            .columns(User::name)
    };
    assert_eq!(
        search(&[], None, None).all(&db).await?,
        ["ann", "bob", "cid", "dee"]
    );
    assert_eq!(
        search(&["bob", "cid", "zed"], None, None).all(&db).await?,
        ["bob", "cid"]
    );
    assert_eq!(
        search(&["bob", "cid"], Some(35), None).all(&db).await?,
        ["cid"]
    );
    assert_eq!(
        search(&[], Some(25), Some(true)).all(&db).await?,
        ["bob", "dee"]
    );
    assert_eq!(
        search(&[], None, Some(false)).all(&db).await?,
        ["ann", "cid"]
    );

    // `any` of nothing matches nothing; `all` of nothing matches everything.
    let none = || std::iter::empty().map(|n: &str| User::name.eq(n));
    let nothing = weft::select::<User>().filter(weft::any(none()));
    assert_eq!(nothing.count(&db).await?, 0);
    let everything = weft::select::<User>().filter(weft::all(none()));
    assert_eq!(everything.count(&db).await?, 4);

    // `or` widens a filter; an empty filter already matches everything.
    let young_or_dee = Filter::<(User,)>::new()
        .and(User::age.lt(25))
        .or(User::name.eq("dee"));
    let names = weft::select::<User>()
        .filter(young_or_dee.clone())
        .order_by(User::id)
        .columns(User::name)
        .all(&db)
        .await?;
    assert_eq!(names, ["ann", "dee"]);
    // The same filter deletes what it selects.
    let deleted = weft::delete::<User>()
        .filter(young_or_dee)
        .execute(&db)
        .await?;
    assert_eq!(deleted, 2);
    Ok(())
}

/// A sort chosen by a request parameter: only the allowed columns, in either direction.
#[backends]
async fn sorting_chosen_at_run_time(db: Db) -> weft::Result<()> {
    use weft::{Direction, Sort};
    db.create_tables::<User>().await?;
    weft::insert_many([
        new_user("bob", None, 20),
        new_user("ann", None, 40),
        new_user("cid", None, 30),
    ])
    .execute(&db)
    .await?;
    let sort = |param: &str, dir: &str| -> Option<Sort<(User,)>> {
        let sort = match param {
            "name" => Sort::by(User::name),
            "age" => Sort::by(User::age),
            _ => return None,
        };
        let direction = match dir {
            "desc" => Direction::Desc,
            _ => Direction::Asc,
        };
        Some(sort.direction(direction))
    };
    let names = |sort: Sort<(User,)>| async {
        weft::select::<User>()
            .order_by(sort)
            .columns(User::name)
            .all(&db)
            .await
    };
    assert_eq!(
        names(sort("name", "asc").unwrap()).await?,
        ["ann", "bob", "cid"]
    );
    assert_eq!(
        names(sort("age", "desc").unwrap()).await?,
        ["ann", "cid", "bob"]
    );
    assert!(sort("email; DROP TABLE users", "asc").is_none());
    Ok(())
}
