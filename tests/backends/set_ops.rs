//! Set operations: UNION [ALL], INTERSECT [ALL], EXCEPT [ALL] between queries returning the
//! same rows, ordered and limited as a whole; `ALL` variants refused before sending where
//! the dialect lacks them.

use weft::{Backend, Db, Error};
use weft_tests::backends;

use crate::tables::*;

#[backends]
async fn union_and_union_all(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let names = weft::select::<User>()
        .columns(User::name)
        .union(weft::select::<Post>().columns(Post::title))
        .order_by(User::name)
        .all(&db)
        .await?;
    assert_eq!(names, ["again", "ann", "bob", "bob's", "cat", "hello"]);
    // Duplicates go with UNION, stay with UNION ALL.
    let ids = || weft::select::<Post>().columns(Post::user_id);
    let distinct = ids()
        .union(ids())
        .order_by(Post::user_id.desc())
        .all(&db)
        .await?;
    assert_eq!(distinct, [2, 1]);
    let all = ids()
        .union_all(ids())
        .order_by(Post::user_id)
        .all(&db)
        .await?;
    assert_eq!(all, [1, 1, 1, 1, 2, 2]);
    // Limit, offset and count of the whole result.
    let page = ids()
        .union_all(ids())
        .order_by(Post::user_id)
        .limit(2)
        .offset(3)
        .all(&db)
        .await?;
    assert_eq!(page, [1, 2]);
    assert_eq!(ids().union_all(ids()).count(&db).await?, 6);
    assert_eq!(ids().union(ids()).count(&db).await?, 2);
    // Whole rows and tuples combine as well.
    let rows = weft::select::<User>()
        .filter(User::age.lt(30))
        .union(weft::select::<User>().filter(User::email.is_null()))
        .order_by(User::id)
        .all(&db)
        .await?;
    let got: Vec<&str> = rows.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(got, ["bob", "cat"]);
    Ok(())
}

#[backends]
async fn intersect_and_except(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let users = || weft::select::<User>().columns(User::id);
    let authors = || weft::select::<Post>().columns(Post::user_id);
    let both = users()
        .intersect(authors())
        .order_by(User::id)
        .all(&db)
        .await?;
    assert_eq!(both, [1, 2]);
    let silent = users().except(authors()).all(&db).await?;
    assert_eq!(silent, [3]);
    let all_ok = db.capabilities().intersect_except_all;
    let kept = authors()
        .intersect_all(authors())
        .order_by(Post::user_id)
        .all(&db)
        .await;
    let less = authors()
        .except_all(users())
        .order_by(Post::user_id)
        .all(&db)
        .await;
    if all_ok {
        assert_eq!(kept?, [1, 1, 2]);
        assert_eq!(less?, [1]);
    } else {
        for out in [kept, less] {
            match out {
                Err(Error::Unsupported { .. }) => {}
                other => panic!("expected Error::Unsupported, got {other:?}"),
            }
        }
    }
    Ok(())
}

#[backends]
async fn arms_with_their_own_order_and_limit(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // The oldest user and the youngest, each picked by its own ORDER BY … LIMIT 1.
    let oldest = weft::select::<User>()
        .order_by(User::age.desc())
        .limit(1)
        .columns(User::name);
    let youngest = weft::select::<User>()
        .order_by(User::age)
        .limit(1)
        .columns(User::name);
    let both = oldest.union(youngest).order_by(User::name).all(&db).await?;
    assert_eq!(both, ["bob", "cat"]);
    // Chained: three arms.
    let one = |n: &str| {
        weft::select::<User>()
            .filter(User::name.eq(n))
            .columns(User::id)
    };
    let ids = one("ann")
        .union(one("bob"))
        .union_all(one("ann"))
        .order_by(User::id.desc())
        .all(&db)
        .await?;
    assert_eq!(ids, [2, 1, 1]);
    // Nested: a set operation as the other arm, and an arm with a CTE of its own.
    let nested = one("cat")
        .union_all(one("bob").union(one("bob")))
        .order_by(User::id)
        .all(&db)
        .await?;
    assert_eq!(nested, [2, 3]);
    let titled = weft::select::<Post>()
        .columns((Post::user_id, Post::title))
        .alias::<crate::ctes::Titled>();
    let from_cte = weft::select::<crate::ctes::Titled>()
        .with(titled)
        .filter(crate::ctes::Titled::title.eq("hello"))
        .columns(crate::ctes::Titled::user_id);
    let both = one("bob")
        .union(from_cte)
        .order_by(User::id)
        .all(&db)
        .await?;
    assert_eq!(both, [1, 2]);
    // Ordering by something not selected is refused before sending.
    let refused = weft::select::<User>()
        .columns(User::name)
        .union(weft::select::<User>().columns(User::name))
        .order_by(User::age)
        .all(&db)
        .await;
    assert!(
        matches!(refused, Err(Error::Unsupported { .. })),
        "{refused:?}"
    );
    Ok(())
}

/// A chain of set operations reads left to right, as the method calls say, on every backend:
/// PostgreSQL and MariaDB bind a bare INTERSECT tighter than UNION and EXCEPT, SQLite does not.
#[backends]
async fn intersect_after_union_or_except_reads_left_to_right(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let one = |id: i64| {
        weft::select::<User>()
            .columns(User::id)
            .filter(User::id.eq(id))
    };
    let authors = || weft::select::<Post>().columns(Post::user_id); // {1, 2}
    // (a ∪ b) ∩ c = ({3} ∪ {1}) ∩ {1, 2} = {1}; a ∪ (b ∩ c) would be {1, 3}.
    let q = one(3).union(one(1)).intersect(authors()).order_by(User::id);
    assert_eq!(q.all(&db).await?, [1]);
    assert_eq!(q.count(&db).await?, 1);
    // (a − b) ∩ c = ({3} − {1}) ∩ {1, 2} = {}; a − (b ∩ c) would be {3}.
    let q = one(3)
        .except(one(1))
        .intersect(authors())
        .order_by(User::id);
    assert_eq!(q.all(&db).await?, Vec::<i64>::new());
    // Longer chains: ((({3} ∪ {1}) ∩ c) ∪ {2}) ∩ {2, 3} = {2}, ordered through both wrappers;
    // an INTERSECT first needs no wrapper: ({1, 2} ∩ {1}) ∪ {3} = {1, 3}.
    let q = one(3)
        .union(one(1))
        .intersect(authors())
        .union(one(2))
        .intersect(one(2).union(one(3)))
        .order_by(User::id.desc());
    assert_eq!(q.all(&db).await?, [2]);
    let q = authors()
        .intersect(one(1))
        .union(one(3))
        .order_by(Post::user_id);
    assert_eq!(q.all(&db).await?, [1, 3]);
    Ok(())
}

#[test]
fn intersect_after_union_wraps_the_left_side() {
    let one = |id: i64| {
        weft::select::<User>()
            .columns(User::id)
            .filter(User::id.eq(id))
    };
    let q = one(3)
        .union(one(1))
        .intersect(weft::select::<Post>().columns(Post::user_id))
        .order_by(User::id);
    assert_eq!(
        q.to_sql(Backend::Postgres).text,
        r#"SELECT "weft_arm"."c1" FROM (SELECT "users"."id" AS "c1" FROM "users" WHERE "users"."id" = $1 UNION SELECT "users"."id" FROM "users" WHERE "users"."id" = $2) AS "weft_arm" INTERSECT SELECT "posts"."user_id" FROM "posts" ORDER BY 1"#
    );
    // An INTERSECT first, or only UNION and EXCEPT, stays flat.
    let q = one(1).intersect(one(2)).union(one(3)).except(one(4));
    assert_eq!(
        q.to_sql(&weft::dialect::MariaDb).text,
        "SELECT `users`.`id` FROM `users` WHERE `users`.`id` = ? INTERSECT SELECT `users`.`id` FROM `users` WHERE `users`.`id` = ? UNION SELECT `users`.`id` FROM `users` WHERE `users`.`id` = ? EXCEPT SELECT `users`.`id` FROM `users` WHERE `users`.`id` = ?"
    );
}

#[test]
fn set_ops_sql() {
    let q = weft::select::<User>()
        .columns((User::id, User::name))
        .union_all(
            weft::select::<User>()
                .order_by(User::age)
                .limit(1)
                .columns((User::id, User::name)),
        )
        .order_by(User::name.desc())
        .limit(5);
    assert_eq!(
        q.to_sql(Backend::Postgres).text,
        r#"SELECT "users"."id", "users"."name" FROM "users" UNION ALL SELECT "weft_arm"."c1", "weft_arm"."c2" FROM (SELECT "users"."id" AS "c1", "users"."name" AS "c2" FROM "users" ORDER BY "users"."age" LIMIT 1) AS "weft_arm" ORDER BY 2 DESC LIMIT 5"#
    );
    assert_eq!(
        q.to_sql(&weft::dialect::MariaDb).text,
        "SELECT `users`.`id`, `users`.`name` FROM `users` UNION ALL SELECT `weft_arm`.`c1`, `weft_arm`.`c2` FROM (SELECT `users`.`id` AS `c1`, `users`.`name` AS `c2` FROM `users` ORDER BY `users`.`age` LIMIT ?) AS `weft_arm` ORDER BY 2 DESC LIMIT ?"
    );
    assert_eq!(
        q.to_sql(Backend::MySql).text,
        q.to_sql(&weft::dialect::MariaDb).text
    );
    let x = weft::select::<Post>()
        .columns(Post::user_id)
        .except_all(weft::select::<User>().columns(User::id));
    assert_eq!(
        x.to_sql(Backend::Postgres).text,
        r#"SELECT "posts"."user_id" FROM "posts" EXCEPT ALL SELECT "users"."id" FROM "users""#
    );
}
