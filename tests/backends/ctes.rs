//! Derived tables and CTEs, typed by a shape struct (`#[derive(Table)]`, never created):
//! `weft::from(query.alias::<T>())`, `.with(query.alias::<T>())`, several CTEs, and
//! `with_recursive` over a comment tree.

use weft::{Backend, Db, Table};
use weft_tests::backends;

use crate::tables::*;

/// A post's author and title: the shape of a derived table / CTE.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "titled")]
pub struct Titled {
    pub user_id: i64,
    pub title: String,
}

/// One user id (a one-column CTE).
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "authors")]
pub struct Author {
    pub user_id: i64,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "comments")]
pub struct Comment {
    #[column(primary_key)]
    pub id: i64,
    pub parent_id: Option<i64>,
    pub body: String,
}

/// A comment found under the root, and how deep.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "thread")]
pub struct Thread {
    pub id: i64,
    pub depth: i64,
}

#[backends]
async fn derived_table(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let titled = weft::select::<Post>()
        .filter(Post::title.ne("again"))
        .columns((Post::user_id, Post::title))
        .alias::<Titled>();
    let rows = weft::from(titled)
        .filter(Titled::user_id.le(2))
        .order_by(Titled::title.desc())
        .all(&db)
        .await?;
    assert_eq!(
        rows,
        [
            Titled {
                user_id: 1,
                title: "hello".into()
            },
            Titled {
                user_id: 2,
                title: "bob's".into()
            },
        ]
    );
    // A derived table of a set operation, its columns chosen and counted.
    let ids = weft::select::<Post>()
        .columns((Post::user_id,))
        .union(
            weft::select::<User>()
                .filter(User::age.gt(30))
                .columns((User::id,)),
        )
        .alias::<Author>();
    let q = weft::from(ids)
        .columns(Author::user_id)
        .order_by(Author::user_id);
    assert_eq!(q.all(&db).await?, [1, 2, 3]);
    assert_eq!(q.count(&db).await?, 3);
    // Joined into a query, inner and left.
    let hello = || {
        weft::select::<Post>()
            .filter(Post::title.eq("hello"))
            .columns((Post::user_id, Post::title))
            .alias::<Titled>()
    };
    let inner = weft::select::<User>()
        .inner_join_derived(hello())
        .on(Titled::user_id.eq(User::id))
        .columns((User::name, Titled::title))
        .all(&db)
        .await?;
    assert_eq!(inner, [("ann".to_owned(), "hello".to_owned())]);
    let left = weft::select::<User>()
        .left_join_derived(hello())
        .on(Titled::user_id.eq(User::id))
        .order_by(User::id)
        .all(&db)
        .await?;
    let got: Vec<(&str, Option<&str>)> = left
        .iter()
        .map(|(u, t)| (u.name.as_str(), t.as_ref().map(|t| t.title.as_str())))
        .collect();
    assert_eq!(got, [("ann", Some("hello")), ("bob", None), ("cat", None)]);
    Ok(())
}

#[backends]
async fn ctes_joined_and_chained(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let titled = weft::select::<Post>()
        .columns((Post::user_id, Post::title))
        .alias::<Titled>();
    let rows = weft::select::<User>()
        .with(titled)
        .inner_join::<Titled>()
        .on(Titled::user_id.eq(User::id))
        .columns((User::name, Titled::title))
        .order_by(Titled::title)
        .all(&db)
        .await?;
    assert_eq!(
        rows,
        [
            ("ann".to_owned(), "again".to_owned()),
            ("bob".to_owned(), "bob's".to_owned()),
            ("ann".to_owned(), "hello".to_owned()),
        ]
    );
    // Two CTEs, the second reading the first.
    let titled = weft::select::<Post>()
        .filter(Post::title.like("%o%"))
        .columns((Post::user_id, Post::title))
        .alias::<Titled>();
    let authors = weft::select::<Titled>()
        .columns((Titled::user_id,))
        .alias::<Author>();
    let names = weft::select::<User>()
        .with(titled)
        .with(authors)
        .filter(User::id.in_subquery(weft::select::<Author>().columns(Author::user_id)))
        .columns(User::name)
        .order_by(User::name)
        .all(&db)
        .await?;
    assert_eq!(names, ["ann", "bob"]);
    Ok(())
}

/// One CTE name given two different queries is refused by the server, never read as one of
/// them; the same query twice is one CTE.
#[backends]
async fn one_cte_name_two_definitions_is_an_error(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let titled = |pattern: &str| {
        weft::select::<Post>()
            .filter(Post::title.like(pattern))
            .columns((Post::user_id, Post::title))
            .alias::<Titled>()
    };
    let twice = weft::select::<Titled>()
        .with(titled("%o%"))
        .with(titled("%o%"))
        .columns(Titled::title)
        .order_by(Titled::title)
        .all(&db)
        .await?;
    assert_eq!(twice, ["bob's", "hello"]);
    let clash = weft::select::<Titled>()
        .with(titled("%o%"))
        .with(titled("%a%"))
        .columns(Titled::title)
        .all(&db)
        .await;
    assert!(clash.is_err(), "{clash:?}");
    Ok(())
}

/// 1 ─┬─ 2 ── 4 ── 5
///    └─ 3
/// 6 ── 7
async fn comment_tree(db: &Db) -> weft::Result<()> {
    db.create_tables::<Comment>().await?;
    let c = |id: i64, parent_id: Option<i64>| Comment {
        id,
        parent_id,
        body: format!("comment {id}"),
    };
    weft::insert_many([
        c(1, None),
        c(2, Some(1)),
        c(3, Some(1)),
        c(4, Some(2)),
        c(5, Some(4)),
        c(6, None),
        c(7, Some(6)),
    ])
    .execute(db)
    .await?;
    Ok(())
}

fn descendants(root: i64) -> weft::Select<(Thread,), weft::All<Thread>> {
    let base = weft::select::<Comment>()
        .filter(Comment::parent_id.eq(root))
        .columns((Comment::id, weft::value(1i64)))
        .alias::<Thread>();
    let step = weft::select::<Comment>()
        .inner_join::<Thread>()
        .on(Comment::parent_id.eq(Thread::id))
        .columns((Comment::id, Thread::depth + 1));
    weft::select::<Thread>().with_recursive(base, step)
}

#[backends]
async fn recursive_comment_tree(db: Db) -> weft::Result<()> {
    comment_tree(&db).await?;
    let found = descendants(1).order_by(Thread::id).all(&db).await?;
    let pairs: Vec<(i64, i64)> = found.iter().map(|t| (t.id, t.depth)).collect();
    assert_eq!(pairs, [(2, 1), (3, 1), (4, 2), (5, 3)]);
    // The CTE joined back to the comments it found.
    let bodies = descendants(6)
        .inner_join::<Comment>()
        .on(Comment::id.eq(Thread::id))
        .columns((Comment::body, Thread::depth))
        .all(&db)
        .await?;
    assert_eq!(bodies, [("comment 7".to_owned(), 1)]);
    assert_eq!(descendants(5).count(&db).await?, 0);
    Ok(())
}

#[test]
fn cte_sql() {
    let q = descendants(1).filter(Thread::depth.le(2));
    assert_eq!(
        q.to_sql(Backend::Postgres).text,
        r#"WITH RECURSIVE "thread" AS (SELECT "comments"."id" AS "id", $1 AS "depth" FROM "comments" WHERE "comments"."parent_id" = $2 UNION ALL SELECT "comments"."id" AS "id", ("thread"."depth" + $3) AS "depth" FROM "comments" INNER JOIN "thread" ON "comments"."parent_id" = "thread"."id") SELECT "thread"."id", "thread"."depth" FROM "thread" WHERE "thread"."depth" <= $4"#
    );
    assert_eq!(
        q.to_sql(&weft::dialect::MariaDb).text,
        "WITH RECURSIVE `thread` AS (SELECT `comments`.`id` AS `id`, ? AS `depth` FROM `comments` WHERE `comments`.`parent_id` = ? UNION ALL SELECT `comments`.`id` AS `id`, (`thread`.`depth` + ?) AS `depth` FROM `comments` INNER JOIN `thread` ON `comments`.`parent_id` = `thread`.`id`) SELECT `thread`.`id`, `thread`.`depth` FROM `thread` WHERE `thread`.`depth` <= ?"
    );
    assert_eq!(
        q.to_sql(Backend::MySql).text,
        q.to_sql(&weft::dialect::MariaDb).text
    );
    let titled = weft::select::<Post>()
        .columns((Post::user_id, Post::title))
        .alias::<Titled>();
    let d = weft::from(titled).columns(Titled::title);
    assert_eq!(
        d.to_sql(Backend::Postgres).text,
        r#"SELECT "titled"."title" FROM (SELECT "posts"."user_id" AS "user_id", "posts"."title" AS "title" FROM "posts") AS "titled""#
    );
    assert_eq!(
        d.to_sql(&weft::dialect::MariaDb).text,
        "SELECT `titled`.`title` FROM (SELECT `posts`.`user_id` AS `user_id`, `posts`.`title` AS `title` FROM `posts`) AS `titled`"
    );
}
