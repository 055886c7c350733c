//! Writes from queries: `insert_select` (`INSERT … SELECT`), with RETURNING and as an upsert,
//! on every backend, and the SQL each dialect is sent.

use weft::dialect::{MariaDb, MySql};
use weft::{Backend, Db, Table, case_when, excluded, upper};
use weft_tests::backends;

use crate::tables::*;

/// Posts copied away: the key is the post's, the title may be missing.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "writes_archive")]
pub struct Archive {
    #[column(primary_key)]
    pub id: i64,
    pub title: Option<String>,
    pub author: String,
    #[column(default = 0)]
    pub copies: i32,
}

async fn archive(db: &Db) -> weft::Result<Vec<(i64, Option<String>, String, i32)>> {
    Ok(weft::select::<Archive>()
        .order_by(Archive::id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.title, a.author, a.copies))
        .collect())
}

/// The posts of users older than 26, with their author's name upper-cased.
fn copy_posts() -> weft::InsertSelect<Archive> {
    weft::insert_select(
        (Archive::id, Archive::title, Archive::author),
        weft::select::<Post>()
            .inner_join::<User>()
            .on(User::id.eq(Post::user_id))
            .filter(User::age.gt(26))
            .columns((Post::id, Post::title, upper(User::name))),
    )
}

#[backends]
async fn insert_select_copies_the_rows_of_a_query(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    db.create_tables::<Archive>().await?;
    let n = copy_posts().execute(&db).await?;
    assert_eq!(n, 2);
    // The column left out takes its default.
    assert_eq!(
        archive(&db).await?,
        [
            (1, Some("hello".into()), "ANN".into(), 0),
            (2, Some("again".into()), "ANN".into(), 0)
        ]
    );
    // A query that returns no row inserts none.
    let none = weft::insert_select(
        (Archive::id, Archive::author),
        weft::select::<User>()
            .filter(User::age.gt(100))
            .columns((User::id, User::name)),
    );
    assert_eq!(none.execute(&db).await?, 0);
    Ok(())
}

#[backends(requires(returning_on_insert))]
async fn insert_select_returning(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    db.create_tables::<Archive>().await?;
    let mut rows = copy_posts()
        .returning_columns((Archive::id, Archive::author))
        .all(&db)
        .await?;
    rows.sort();
    assert_eq!(rows, [(1, "ANN".to_string()), (2, "ANN".to_string())]);
    Ok(())
}

#[backends]
async fn insert_select_as_an_upsert(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    db.create_tables::<Archive>().await?;
    copy_posts().execute(&db).await?;
    weft::update::<Post>()
        .set(Post::title, "renamed")
        .filter(Post::id.eq(1))
        .execute(&db)
        .await?;

    // Every post again: 1 and 2 exist (1 with a new title), 3 is new. "Do nothing" inserts 3.
    let every_post = || {
        weft::insert_select(
            (Archive::id, Archive::title, Archive::author),
            weft::select::<Post>().columns((Post::id, Post::title, Post::title)),
        )
    };
    every_post()
        .on_conflict(Archive::id)
        .do_nothing()
        .execute(&db)
        .await?;
    let rows = archive(&db).await?;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].1.as_deref(), Some("hello"));
    assert_eq!(rows[2], (3, Some("bob's".into()), "bob's".into(), 0));

    // Update the existing copies: the proposed title, one more copy, but only where the
    // title changed.
    every_post()
        .on_conflict(Archive::id)
        .do_update(|set| {
            set.set(Archive::copies, Archive::copies + 1)
                .set(Archive::title, excluded(Archive::title))
                .filter(Archive::title.ne(excluded(Archive::title)))
        })
        .execute(&db)
        .await?;
    assert_eq!(
        archive(&db).await?,
        [
            (1, Some("renamed".into()), "ANN".into(), 1),
            (2, Some("again".into()), "ANN".into(), 0),
            (3, Some("bob's".into()), "bob's".into(), 0),
        ]
    );
    Ok(())
}

#[test]
fn insert_select_per_dialect() {
    let pg = copy_posts().to_sql(Backend::Postgres);
    assert_eq!(
        pg.text,
        r#"INSERT INTO "writes_archive" ("id", "title", "author") SELECT "posts"."id", "posts"."title", UPPER("users"."name") FROM "posts" INNER JOIN "users" ON "users"."id" = "posts"."user_id" WHERE "users"."age" > $1"#
    );
    assert_eq!(pg.binds, [weft::Value::I32(26)]);
    let mariadb = copy_posts().to_sql(&MariaDb);
    assert_eq!(
        mariadb.text,
        "INSERT INTO `writes_archive` (`id`, `title`, `author`) SELECT `posts`.`id`, `posts`.`title`, UPPER(`users`.`name`) FROM `posts` INNER JOIN `users` ON `users`.`id` = `posts`.`user_id` WHERE `users`.`age` > ?"
    );
    assert_eq!(copy_posts().to_sql(&MySql).text, mariadb.text);

    // As an upsert, the MySQL family reads the query's rows from a derived table: its
    // ON DUPLICATE KEY UPDATE sees the query's tables too, and a query reading the target
    // table would make the target's columns ambiguous there.
    let wrapped = "INSERT INTO `writes_archive` (`id`, `title`, `author`) SELECT * FROM (SELECT `posts`.`id` AS `c1`, `posts`.`title` AS `c2`, UPPER(`users`.`name`) AS `c3` FROM `posts` INNER JOIN `users` ON `users`.`id` = `posts`.`user_id` WHERE `users`.`age` > ?) AS `weft_src`";
    let upsert = || {
        copy_posts()
            .on_conflict(Archive::id)
            .do_update(|set| set.set(Archive::copies, Archive::copies + 1))
    };
    assert_eq!(
        upsert().to_sql(Backend::Postgres).text,
        format!(
            "{} ON CONFLICT (\"id\") DO UPDATE SET \"copies\" = (\"writes_archive\".\"copies\" + $2)",
            pg.text
        )
    );
    assert_eq!(
        upsert().to_sql(&MariaDb).text,
        format!(
            "{wrapped} ON DUPLICATE KEY UPDATE `writes_archive`.`copies` = (`writes_archive`.`copies` + ?)"
        )
    );
    // The table's own columns are written qualified.
    assert_eq!(
        copy_posts()
            .on_conflict(Archive::id)
            .do_nothing()
            .to_sql(&MariaDb)
            .text,
        format!("{wrapped} ON DUPLICATE KEY UPDATE `writes_archive`.`id` = `writes_archive`.`id`")
    );
    // RETURNING: MariaDB has it; MySQL proper refuses it before sending.
    let returning = copy_posts().returning_columns((Archive::id,));
    assert_eq!(
        returning.to_sql(&MariaDb)[0].text,
        format!("{} RETURNING `id`", mariadb.text)
    );
}

/// ann's and bob's posts take their author's upper-cased name in the title, for active users
/// older than 26 only (ann).
fn retitle() -> weft::UpdateFrom<Post, User> {
    weft::update::<Post>()
        .from::<User, _, _>(User::id.eq(Post::user_id))
        .set(Post::title, upper(User::name))
        .filter(User::age.gt(26))
}

#[backends]
async fn update_reading_another_table(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let n = retitle().execute(&db).await?;
    assert_eq!(n, 2);
    let titles: Vec<String> = weft::select::<Post>()
        .order_by(Post::id)
        .all(&db)
        .await?
        .into_iter()
        .map(|p| p.title)
        .collect();
    assert_eq!(titles, ["ANN", "ANN", "bob's"]);
    Ok(())
}

#[backends(requires(returning_on_update))]
async fn update_from_returning(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let mut rows = retitle()
        .returning_columns((Post::id, Post::title))
        .all(&db)
        .await?;
    rows.sort();
    assert_eq!(rows, [(1, "ANN".to_string()), (2, "ANN".to_string())]);
    Ok(())
}

#[test]
fn update_from_per_dialect() {
    let pg = retitle().to_sql(Backend::Postgres);
    assert_eq!(
        pg.text,
        r#"UPDATE "posts" SET "title" = UPPER("users"."name") FROM "users" WHERE ("users"."id" = "posts"."user_id" AND "users"."age" > $1)"#
    );
    assert_eq!(
        retitle().to_sql(Backend::Sqlite).text,
        pg.text.replace("$1", "?")
    );
    let mariadb = retitle().to_sql(&MariaDb);
    assert_eq!(
        mariadb.text,
        "UPDATE `posts` INNER JOIN `users` ON `users`.`id` = `posts`.`user_id` SET `posts`.`title` = UPPER(`users`.`name`) WHERE `users`.`age` > ?"
    );
    assert_eq!(retitle().to_sql(&MySql).text, mariadb.text);
}

/// `insert … select` of a UNION that reads the target table, as an upsert: SQLite needs the
/// combined rows in a derived table before `ON CONFLICT`, and the MySQL family's
/// `ON DUPLICATE KEY UPDATE` would find the target's columns ambiguous without one.
#[backends]
async fn insert_select_of_a_union_reading_the_target_as_an_upsert(db: Db) -> weft::Result<()> {
    seed(&db).await?; // ann, bob, cat
    let names = weft::select::<User>()
        .columns(User::name)
        .filter(User::id.eq(1))
        .union(weft::select::<Post>().columns(Post::title));
    let n = weft::insert_select(User::name, names)
        .on_conflict(User::name)
        .do_nothing()
        .execute(&db)
        .await?;
    // "ann" exists; the three titles are new. The MySQL family also counts the row it kept
    // (its "do nothing" sets the key to itself, and weft's connections count found rows).
    let kept = match db.capabilities().upsert {
        weft::dialect::Upsert::OnConflict => 0,
        weft::dialect::Upsert::OnDuplicateKey => 1,
    };
    assert_eq!(n, 3 + kept);
    let mut all = weft::select::<User>().columns(User::name).all(&db).await?;
    all.sort();
    assert_eq!(all, ["again", "ann", "bob", "bob's", "cat", "hello"]);
    Ok(())
}

/// ann's age and `active` flag, and her name and email.
async fn ann(db: &Db) -> weft::Result<User> {
    weft::select::<User>().filter(User::id.eq(1)).one(db).await
}

/// `active` reads `age`, which an earlier assignment sets.
fn age_then_active() -> weft::Update<User> {
    weft::update::<User>()
        .set(User::age, 99)
        .set(User::active, User::age.gt(50))
        .filter(User::name.eq("ann"))
}

#[backends]
async fn update_values_read_the_old_row(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // Every value reads the row as it was (ann was 30): on the MySQL family, which applies
    // the assignments in turn, weft writes `active`'s first.
    assert_eq!(age_then_active().execute(&db).await?, 1);
    let a = ann(&db).await?;
    assert_eq!((a.age, a.active), (99, false));

    // Values reading each other's columns: no order works on the MySQL family, refused
    // there before anything is sent; a swap elsewhere.
    let swap = weft::update::<User>()
        .set(User::name, weft::coalesce(User::email, "?"))
        .set(User::email, User::name)
        .filter(User::id.eq(1));
    let result = swap.execute(&db).await;
    if db.capabilities().sequential_assignments {
        assert!(
            matches!(result, Err(weft::Error::Unsupported { .. })),
            "{result:?}"
        );
        let a = ann(&db).await?;
        assert_eq!(
            (a.name.as_str(), a.email.as_deref()),
            ("ann", Some("ann@example.com"))
        );
    } else {
        assert_eq!(result?, 1);
        let a = ann(&db).await?;
        assert_eq!(
            (a.name.as_str(), a.email.as_deref()),
            ("ann@example.com", Some("ann"))
        );
    }
    Ok(())
}

#[backends]
async fn update_from_values_read_the_old_row(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // `score` reads `title`, which the other assignment sets: the MySQL family applies a
    // multi-table update's assignments in an unspecified order, so it is refused there.
    let q = retitle().set(Post::score, case_when(Post::title.eq("hello"), 9.0).end());
    let result = q.execute(&db).await;
    let posts: Vec<(String, Option<f64>)> = weft::select::<Post>()
        .columns((Post::title, Post::score))
        .order_by(Post::id)
        .all(&db)
        .await?;
    if db.capabilities().sequential_assignments {
        assert!(
            matches!(result, Err(weft::Error::Unsupported { .. })),
            "{result:?}"
        );
        assert_eq!(posts[0], ("hello".to_string(), Some(1.5)));
    } else {
        assert_eq!(result?, 2);
        assert_eq!(
            posts,
            [
                ("ANN".to_string(), Some(9.0)),
                ("ANN".to_string(), None),
                ("bob's".to_string(), Some(-2.0)),
            ]
        );
    }
    Ok(())
}

#[test]
fn assignments_in_an_order_that_reads_the_old_row() {
    assert_eq!(
        age_then_active().to_sql(Backend::Postgres).text,
        r#"UPDATE "users" SET "age" = $1, "active" = "users"."age" > $2 WHERE "users"."name" = $3"#
    );
    let mariadb = age_then_active().to_sql(&MariaDb);
    assert_eq!(
        mariadb.text,
        "UPDATE `users` SET `active` = `users`.`age` > ?, `age` = ? WHERE `users`.`name` = ?"
    );
    assert_eq!(
        mariadb.binds,
        [
            weft::Value::I32(50),
            weft::Value::I32(99),
            weft::Value::Text("ann".into())
        ]
    );
    assert_eq!(age_then_active().to_sql(&MySql).text, mariadb.text);
}

#[backends]
async fn a_later_set_of_a_column_replaces_the_earlier(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // One assignment of `age`: the last value, computed from the old row everywhere.
    let q = weft::update::<User>()
        .set(User::age, 1)
        .set(User::email, None::<String>)
        .set(User::age, User::age + 5)
        .filter(User::name.eq("ann"));
    assert_eq!(
        q.to_sql(Backend::Postgres).text,
        r#"UPDATE "users" SET "age" = ("users"."age" + $1), "email" = $2 WHERE "users"."name" = $3"#
    );
    assert_eq!(q.execute(&db).await?, 1);
    let a = ann(&db).await?;
    assert_eq!((a.age, a.email), (35, None));

    // The same in an update reading another table.
    let n = retitle()
        .set(Post::title, "first")
        .set(Post::title, weft::lower(User::name))
        .execute(&db)
        .await?;
    assert_eq!(n, 2);
    let titles: Vec<(String,)> = weft::select::<Post>()
        .columns((Post::title,))
        .order_by(Post::id)
        .all(&db)
        .await?;
    assert_eq!(
        titles,
        [("ann".into(),), ("ann".into(),), ("bob's".into(),)]
    );
    Ok(())
}
