//! Subqueries: `IN (SELECT …)`, `EXISTS`, scalar subqueries (in the select list and in
//! conditions), correlated subqueries, and updates / deletes with a subquery condition.

use weft::{Backend, Db};
use weft_tests::backends;

use crate::tables::*;

fn names(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[backends]
async fn in_and_not_in_subquery(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let authors = || weft::select::<Post>().columns(Post::user_id);
    let with_posts = weft::select::<User>()
        .filter(User::id.in_subquery(authors()))
        .columns(User::name)
        .all(&db)
        .await?;
    assert_eq!(names(with_posts), ["ann", "bob"]);
    let without = weft::select::<User>()
        .filter(User::id.not_in_subquery(authors()))
        .columns(User::name)
        .all(&db)
        .await?;
    assert_eq!(without, ["cat"]);
    // The subquery filters on its own table, with bound values.
    let scored = weft::select::<Post>()
        .filter(Post::score.gt(0.0))
        .columns(Post::user_id);
    let q = weft::select::<User>()
        .filter(User::id.in_subquery(scored))
        .columns(User::name);
    assert_eq!(q.all(&db).await?, ["ann"]);
    Ok(())
}

#[backends]
async fn exists_correlated(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let posts_of_user = || {
        weft::select::<Post>()
            .outer::<User>()
            .filter(Post::user_id.eq(User::id))
    };
    let with_posts = weft::select::<User>()
        .filter(weft::exists(posts_of_user()))
        .columns(User::name)
        .order_by(User::name)
        .all(&db)
        .await?;
    assert_eq!(with_posts, ["ann", "bob"]);
    let without = weft::select::<User>()
        .filter(weft::not_exists(posts_of_user()))
        .columns(User::name)
        .all(&db)
        .await?;
    assert_eq!(without, ["cat"]);
    // EXISTS of an uncorrelated query: all rows or none.
    let any_hello = weft::exists(weft::select::<Post>().filter(Post::title.eq("hello")));
    let everyone = weft::select::<User>().filter(any_hello).count(&db).await?;
    assert_eq!(everyone, 3);
    Ok(())
}

#[backends]
async fn scalar_subquery_in_columns_and_conditions(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let latest = || {
        weft::select::<Post>()
            .outer::<User>()
            .filter(Post::user_id.eq(User::id))
            .order_by(Post::id.desc())
            .limit(1)
    };
    let rows = weft::select::<User>()
        .columns((User::name, latest().columns(Post::title).scalar()))
        .order_by(User::id)
        .all(&db)
        .await?;
    assert_eq!(
        rows,
        [
            ("ann".to_owned(), Some("again".to_owned())),
            ("bob".to_owned(), Some("bob's".to_owned())),
            ("cat".to_owned(), None),
        ]
    );
    // In a condition: users whose latest post has an id above 2.
    let recent = weft::select::<User>()
        .filter(latest().columns(Post::id).scalar().gt(2))
        .columns(User::name)
        .all(&db)
        .await?;
    assert_eq!(recent, ["bob"]);
    // NULL when the subquery returns no row.
    let none = weft::select::<User>()
        .filter(latest().columns(Post::id).scalar().is_null())
        .columns(User::name)
        .all(&db)
        .await?;
    assert_eq!(none, ["cat"]);
    // Over a nullable column: `Option<Option<_>>`, flattened.
    let email = weft::select::<User>()
        .outer::<Post>()
        .filter(User::id.eq(Post::user_id))
        .columns(User::email)
        .scalar()
        .flatten();
    let emails = weft::select::<Post>()
        .columns((Post::title, email))
        .order_by(Post::id)
        .all(&db)
        .await?;
    assert_eq!(
        emails[0],
        ("hello".to_owned(), Some("ann@example.com".to_owned()))
    );
    assert_eq!(emails.len(), 3);
    Ok(())
}

#[backends]
async fn delete_and_update_with_subquery(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let bob = weft::select::<User>()
        .filter(User::name.eq("bob"))
        .columns(User::id);
    let changed = weft::update::<Post>()
        .set(Post::title, "renamed")
        .filter(Post::user_id.in_subquery(bob))
        .execute(&db)
        .await?;
    assert_eq!(changed, 1);
    let older = weft::select::<User>()
        .filter(User::age.ge(30))
        .columns(User::id);
    let deleted = weft::delete::<Post>()
        .filter(Post::user_id.in_subquery(older))
        .execute(&db)
        .await?;
    assert_eq!(deleted, 2);
    let left = weft::select::<Post>().columns(Post::title).all(&db).await?;
    assert_eq!(left, ["renamed"]);
    // A correlated EXISTS in a delete: users without posts.
    let posts = weft::select::<Post>()
        .outer::<User>()
        .filter(Post::user_id.eq(User::id));
    let gone = weft::delete::<User>()
        .filter(weft::not_exists(posts))
        .execute(&db)
        .await?;
    assert_eq!(gone, 2);
    Ok(())
}

#[backends]
async fn update_and_delete_reading_their_own_table(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // The subquery reads the table being changed (MySQL proper refuses this, error 1093;
    // SQLite, PostgreSQL and MariaDB 10.3.2+ take it).
    let again = || {
        weft::select::<Post>()
            .filter(Post::title.eq("again"))
            .columns(Post::user_id)
    };
    let changed = weft::update::<Post>()
        .set(Post::title, "same author")
        .filter(
            Post::user_id
                .in_subquery(again())
                .and(Post::title.ne("again")),
        )
        .execute(&db)
        .await?;
    assert_eq!(changed, 1);
    let deleted = weft::delete::<Post>()
        .filter(Post::user_id.not_in_subquery(again()))
        .execute(&db)
        .await?;
    assert_eq!(deleted, 1);
    let mut left = weft::select::<Post>().columns(Post::title).all(&db).await?;
    left.sort();
    assert_eq!(left, ["again", "same author"]);
    Ok(())
}

#[test]
fn subquery_sql() {
    let posts = || {
        weft::select::<Post>()
            .outer::<User>()
            .filter(Post::user_id.eq(User::id))
            .columns(Post::id)
    };
    let q = weft::select::<User>()
        .filter(User::id.in_subquery(weft::select::<Post>().columns(Post::user_id)))
        .filter(weft::exists(posts()))
        .columns((
            User::name,
            posts().order_by(Post::id.desc()).limit(1).scalar(),
        ));
    assert_eq!(
        q.to_sql(Backend::Postgres).text,
        r#"SELECT "users"."name", (SELECT "posts"."id" FROM "posts" WHERE "posts"."user_id" = "users"."id" ORDER BY "posts"."id" DESC LIMIT 1) FROM "users" WHERE ("users"."id" IN (SELECT "posts"."user_id" FROM "posts") AND EXISTS (SELECT "posts"."id" FROM "posts" WHERE "posts"."user_id" = "users"."id"))"#
    );
    assert_eq!(
        q.to_sql(&weft::dialect::MariaDb).text,
        "SELECT `users`.`name`, (SELECT `posts`.`id` FROM `posts` WHERE `posts`.`user_id` = `users`.`id` ORDER BY `posts`.`id` DESC LIMIT ?) FROM `users` WHERE (`users`.`id` IN (SELECT `posts`.`user_id` FROM `posts`) AND EXISTS (SELECT `posts`.`id` FROM `posts` WHERE `posts`.`user_id` = `users`.`id`))"
    );
    assert_eq!(
        q.to_sql(Backend::MySql).text,
        q.to_sql(&weft::dialect::MariaDb).text
    );
    let d = weft::delete::<Post>().filter(
        Post::user_id.not_in_subquery(
            weft::select::<User>()
                .filter(User::active.eq(true))
                .columns(User::id),
        ),
    );
    assert_eq!(
        d.to_sql(Backend::Postgres).text,
        r#"DELETE FROM "posts" WHERE "posts"."user_id" NOT IN (SELECT "users"."id" FROM "users" WHERE "users"."active" = $1)"#
    );
}

/// `IN` a limited subquery: the MySQL family refuses `LIMIT` there, so weft reads the limited
/// rows from a derived table; every backend returns the same rows.
#[backends]
async fn in_a_limited_subquery(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let first_author = weft::select::<Post>()
        .columns(Post::user_id)
        .order_by(Post::id)
        .limit(1);
    let names = weft::select::<User>()
        .columns(User::name)
        .filter(User::id.in_subquery(first_author))
        .all(&db)
        .await?;
    assert_eq!(names, ["ann"]);
    Ok(())
}
