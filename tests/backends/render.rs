//! Every query shows its SQL and binds per dialect without a connection.

use weft::{Backend, Value};

use crate::tables::*;

fn left_join() -> weft::Select<(User, Post), (weft::All<User>, weft::Nullable<Post>)> {
    weft::select::<User>()
        .left_join::<Post>()
        .on(Post::user_id.eq(User::id))
        .filter(
            User::age
                .ge(18)
                .and(Post::title.like("a%").or(Post::id.is_null())),
        )
        .order_by(User::name.desc())
        .limit(10)
        .offset(20)
}

#[test]
fn left_join_per_dialect() {
    let sqlite = left_join().to_sql(Backend::Sqlite);
    assert_eq!(
        sqlite.text,
        r#"SELECT "users"."id", "users"."name", "users"."email", "users"."age", "users"."active", "posts"."id", "posts"."user_id", "posts"."title", "posts"."score" FROM "users" LEFT JOIN "posts" ON "posts"."user_id" = "users"."id" WHERE ("users"."age" >= ? AND ("posts"."title" LIKE ? OR "posts"."id" IS NULL)) ORDER BY "users"."name" DESC LIMIT +? OFFSET ?"#
    );
    assert_eq!(
        sqlite.binds,
        [
            Value::I32(18),
            Value::Text("a%".into()),
            Value::I64(10),
            Value::I64(20)
        ]
    );
    let pg = left_join().to_sql(Backend::Postgres);
    assert_eq!(
        pg.text,
        r#"SELECT "users"."id", "users"."name", "users"."email", "users"."age", "users"."active", "posts"."id", "posts"."user_id", "posts"."title", "posts"."score" FROM "users" LEFT JOIN "posts" ON "posts"."user_id" = "users"."id" WHERE ("users"."age" >= $1 AND ("posts"."title" LIKE $2 OR "posts"."id" IS NULL)) ORDER BY "users"."name" DESC LIMIT 10 OFFSET $3"#
    );
    let my = left_join().to_sql(Backend::MySql);
    assert_eq!(
        my.text,
        "SELECT `users`.`id`, `users`.`name`, `users`.`email`, `users`.`age`, `users`.`active`, `posts`.`id`, `posts`.`user_id`, `posts`.`title`, `posts`.`score` FROM `users` LEFT JOIN `posts` ON `posts`.`user_id` = `users`.`id` WHERE (`users`.`age` >= ? AND (`posts`.`title` LIKE ? OR `posts`.`id` IS NULL)) ORDER BY `users`.`name` DESC LIMIT ? OFFSET ?"
    );
    assert_eq!(my.binds, sqlite.binds);
    // PostgreSQL writes the row count into the text (`Capabilities::limit_in_text`: a bound
    // one re-plans the statement on every run); the offset stays bound.
    assert_eq!(
        pg.binds,
        [Value::I32(18), Value::Text("a%".into()), Value::I64(20)]
    );
    // Display shows text and binds together, for logs.
    assert!(
        pg.to_string()
            .ends_with(r#"-- binds: [I32(18), Text("a%"), I64(20)]"#),
        "{pg}"
    );
}

#[test]
fn mutations_per_dialect() {
    let insert = weft::insert_many([
        new_user("a", None, 1),
        NewUser {
            id: Some(5),
            name: "b".into(),
            email: Some("e".into()),
            age: None,
            active: None,
        },
    ]);
    assert_eq!(
        insert.to_sql(Backend::Postgres)[0].text,
        r#"INSERT INTO "users" ("id", "name", "email", "age") VALUES (DEFAULT, $1, $2, $3), ($4, $5, $6, DEFAULT)"#
    );
    assert_eq!(
        insert.to_sql(Backend::Sqlite)[0].text,
        r#"INSERT INTO "users" ("id", "name", "email", "age") VALUES (NULL, ?, ?, ?), (?, ?, ?, 0)"#
    );
    let returning = weft::insert(new_user("a", None, 1)).returning_columns((User::id,));
    assert_eq!(
        returning.to_sql(&weft::dialect::MariaDb)[0].text,
        "INSERT INTO `users` (`name`, `email`, `age`) VALUES (?, ?, ?) RETURNING `id`"
    );
    // MySQL proper has no RETURNING: the statement shows a bind that refuses it before sending.
    let mysql = &returning.to_sql(Backend::MySql)[0];
    assert!(
        mysql
            .binds
            .iter()
            .any(|b| matches!(b, weft::Value::Unencodable(why) if why.contains("unsupported"))),
        "{mysql}"
    );
    // Rows that all give the same columns: one UNNEST statement on PostgreSQL (one array bind
    // per column, typed from the schema; columns no row gives are left out), VALUES elsewhere.
    let uniform = weft::insert_many([new_user("a", None, 1), new_user("b", Some("e"), 2)]);
    let pg = &uniform.to_sql(Backend::Postgres)[0];
    assert_eq!(
        pg.text,
        r#"INSERT INTO "users" ("name", "email", "age") SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::INTEGER[])"#
    );
    assert_eq!(
        pg.binds,
        [
            Value::Array(
                weft::SqlType::Text,
                vec![Value::Text("a".into()), Value::Text("b".into())]
            ),
            Value::Array(
                weft::SqlType::Text,
                vec![Value::Null(weft::SqlType::Text), Value::Text("e".into())]
            ),
            Value::Array(weft::SqlType::Int, vec![Value::I32(1), Value::I32(2)]),
        ]
    );
    assert_eq!(
        uniform.to_sql(Backend::Sqlite)[0].text,
        r#"INSERT INTO "users" ("name", "email", "age") VALUES (?, ?, ?), (?, ?, ?)"#
    );
    assert_eq!(
        uniform.to_sql(Backend::MySql)[0].text,
        "INSERT INTO `users` (`name`, `email`, `age`) VALUES (?, ?, ?), (?, ?, ?)"
    );
    let returning = weft::insert_many([new_user("a", None, 1), new_user("b", None, 2)])
        .returning_columns((User::id,));
    assert_eq!(
        returning.to_sql(Backend::Postgres)[0].text,
        r#"INSERT INTO "users" ("name", "email", "age") SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::INTEGER[]) RETURNING "id""#
    );
    // Large payloads are split: about 64 MiB of values per UNNEST statement (PostgreSQL
    // refuses a value over 1 GB), run together in one transaction.
    let big = "x".repeat(1 << 20);
    let many = weft::insert_many((0..100).map(|i| new_user(&big, None, i)));
    let statements = many.to_sql(Backend::Postgres);
    assert_eq!(statements.len(), 2);
    assert!(statements.iter().all(|s| s.text.contains("UNNEST")));
    let rows = |s: &weft::Sql| match &s.binds[0] {
        Value::Array(_, list) => list.len(),
        other => panic!("expected an array, got {other:?}"),
    };
    assert_eq!(rows(&statements[0]) + rows(&statements[1]), 100);
    // One row stays a VALUES row on PostgreSQL too.
    assert_eq!(
        weft::insert(new_user("a", None, 1)).to_sql(Backend::Postgres)[0].text,
        r#"INSERT INTO "users" ("name", "email", "age") VALUES ($1, $2, $3)"#
    );
    let update = weft::update::<User>()
        .set(User::name, "x")
        .set(User::age, 2)
        .filter(User::id.is_in([1, 2, 3]));
    assert_eq!(
        update.to_sql(Backend::Postgres).text,
        r#"UPDATE "users" SET "name" = $1, "age" = $2 WHERE "users"."id" IN ($3, $4, $5)"#
    );
    let delete = weft::delete::<User>()
        .filter(User::email.is_null())
        .returning();
    assert_eq!(
        delete.to_sql(Backend::Sqlite)[0].text,
        r#"DELETE FROM "users" WHERE "users"."email" IS NULL RETURNING "id", "name", "email", "age", "active""#
    );
    let count = weft::select::<User>()
        .filter(User::age.between(1, 9))
        .limit(5)
        .count_sql(Backend::MySql);
    assert_eq!(
        count.text,
        "SELECT COUNT(*) FROM (SELECT 1 AS `one` FROM `users` WHERE `users`.`age` BETWEEN ? AND ? LIMIT ?) AS `counted`"
    );
}
