//! Hand-written SQL, typed: `weft::raw` statements (on `Db` and `Tx`, rows into table structs,
//! `Selectable` structs, values and tuples) and `weft::sql` fragments inside builder queries.

use weft::{Backend, Db, Error, Executor};
use weft_tests::backends;

use crate::tables::*;

#[derive(weft::Selectable, Debug, PartialEq)]
#[selectable(table = User)]
pub struct NameAge {
    pub name: String,
    pub age: i32,
}

/// The same call on the pool and in a transaction, through `Executor`.
async fn names_over(executor: impl Executor, age: i32) -> weft::Result<Vec<String>> {
    weft::raw("SELECT name FROM users WHERE age > ? ORDER BY id")
        .bind(age)
        .fetch_all(executor)
        .await
}

#[backends]
async fn raw_rows_into_structs_values_and_tuples(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // A table struct by name: the order of the columns is free, extra columns are ignored.
    let users: Vec<User> = weft::raw(
        "SELECT active, age, email, name, id, 7 AS extra FROM users WHERE id <> ? ORDER BY id",
    )
    .bind(2i64)
    .fetch_all(&db)
    .await?;
    let typed = weft::select::<User>()
        .filter(User::id.ne(2))
        .order_by(User::id)
        .all(&db)
        .await?;
    assert_eq!(users, typed);

    // A Selectable struct by name, a tuple and a value by position.
    let rows: Vec<NameAge> = weft::raw("SELECT age, name FROM users WHERE name = ?")
        .bind("bob")
        .fetch_all(&db)
        .await?;
    assert_eq!(
        rows,
        [NameAge {
            name: "bob".into(),
            age: 25
        }]
    );
    let pairs: Vec<(String, Option<String>)> =
        weft::raw("SELECT name, email FROM users WHERE age >= ? ORDER BY age DESC")
            .bind(30)
            .fetch_all(&db)
            .await?;
    assert_eq!(
        pairs,
        [
            ("cat".to_string(), None),
            ("ann".to_string(), Some("ann@example.com".to_string()))
        ]
    );
    let posts: i64 = weft::raw("SELECT count(*) FROM posts WHERE user_id = ?")
        .bind(1i64)
        .fetch_one(&db)
        .await?;
    assert_eq!(posts, 2);
    let none = weft::raw("SELECT name FROM users WHERE name = ?")
        .bind("zed")
        .fetch_optional::<String, _>(&db)
        .await?;
    assert_eq!(none, None);
    let err = weft::raw("SELECT name FROM users WHERE name = ?")
        .bind("zed")
        .fetch_one::<String, _>(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");

    // The same statements on the pool and in a transaction; writes roll back with it.
    assert_eq!(names_over(&db, 26).await?, ["ann", "cat"]);
    let mut tx = db.begin().await?;
    let changed = weft::raw("UPDATE users SET age = age + ? WHERE name <> ?")
        .bind(10)
        .bind("cat")
        .execute(&mut tx)
        .await?;
    assert_eq!(changed, 2);
    assert_eq!(names_over(&mut tx, 26).await?, ["ann", "bob", "cat"]);
    let user: User = weft::raw("SELECT * FROM users WHERE name = ?")
        .bind("bob")
        .fetch_one(&mut tx)
        .await?;
    assert_eq!(user.age, 35);
    tx.rollback().await?;
    assert_eq!(names_over(&db, 26).await?, ["ann", "cat"]);
    Ok(())
}

#[backends]
async fn raw_placeholders_are_counted_and_quotes_are_text(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let sent = db.statements_executed();
    for (q, holes, binds) in [
        (
            weft::raw("SELECT name FROM users WHERE id = ? AND age > ?").bind(1i64),
            2,
            1,
        ),
        (
            weft::raw("SELECT name FROM users WHERE id = ?")
                .bind(1i64)
                .bind(2i64),
            1,
            2,
        ),
    ] {
        let err = q.fetch_all::<String, _>(&db).await.unwrap_err();
        match &err {
            Error::RawSql { reason, .. } => assert!(
                reason.contains(&format!("{holes} `?` placeholder"))
                    && reason.contains(&format!("but {binds} value")),
                "{reason}"
            ),
            other => panic!("expected RawSql, got {other}"),
        }
        let err = q.execute(&db).await.unwrap_err();
        assert!(matches!(err, Error::RawSql { .. }), "{err}");
    }
    assert_eq!(db.statements_executed(), sent, "nothing was sent");

    // A `?` in a string, a quoted identifier or a comment is text, not a placeholder.
    let quote = |s: &str| weft_tests::quote_ident(&db, s);
    let text = format!(
        "SELECT name FROM users /* a ? here */ WHERE name <> '?' AND {} = ? -- and ?\n",
        quote("id")
    );
    let names: Vec<String> = weft::raw(text).bind(3i64).fetch_all(&db).await?;
    assert_eq!(names, ["cat"]);

    // `??` is a literal `?`: PostgreSQL's JSON operator; refused where `?` is the placeholder.
    let q =
        weft::raw("SELECT name FROM users WHERE id = ? AND '{\"a\":1}'::jsonb ?? 'a'").bind(1i64);
    match db.backend() {
        Backend::Postgres => {
            assert_eq!(q.fetch_all::<String, _>(&db).await?, ["ann"]);
            assert_eq!(
                q.to_sql(db.dialect()).text,
                "SELECT name FROM users WHERE id = $1 AND '{\"a\":1}'::jsonb ? 'a'"
            );
        }
        _ => {
            let err = q.fetch_all::<String, _>(&db).await.unwrap_err();
            assert!(
                matches!(&err, Error::RawSql { reason, .. } if reason.contains("??")),
                "{err}"
            );
        }
    }
    Ok(())
}

#[backends]
async fn raw_rows_that_do_not_fit_are_typed_errors(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // A table struct missing a column: named.
    let err = weft::raw("SELECT id, name FROM users")
        .fetch_all::<User, _>(&db)
        .await
        .unwrap_err();
    match &err {
        Error::RawSql { reason, .. } => {
            assert!(reason.contains("no column named `email`"), "{reason}")
        }
        other => panic!("expected RawSql, got {other}"),
    }
    // Two columns that could be `id`: ambiguous, named.
    let err = weft::raw("SELECT u.*, p.id FROM users u JOIN posts p ON p.user_id = u.id")
        .fetch_all::<User, _>(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RawSql { reason, .. } if reason.contains("2 columns named `id`")),
        "{err}"
    );
    // A column of the wrong type: the table and column are named.
    let err = weft::raw("SELECT name AS id, name, email, age, active FROM users")
        .fetch_all::<User, _>(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Decode {
                table: "users",
                column: "id",
                ..
            }
        ),
        "{err}"
    );
    // A tuple of the wrong width, and a value of the wrong type: by position and label.
    let err = weft::raw("SELECT id, name, age FROM users")
        .fetch_all::<(i64, String), _>(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RawSql { reason, .. } if reason.contains("returned 3 columns")),
        "{err}"
    );
    let err = weft::raw("SELECT id, name FROM users")
        .fetch_all::<(i64, i64), _>(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RawSql { reason, .. } if reason.starts_with("column 2 (`name`)")),
        "{err}"
    );
    Ok(())
}

#[backends]
async fn sql_fragments_inside_builder_queries(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // Binds before, inside and after fragments number in order (`$1…$6` on PostgreSQL).
    let q = weft::select::<User>()
        .columns((User::name, weft::sql::<i64>("? + ?", (40i64, 2i64))))
        .filter(User::age.gt(20))
        .filter(weft::sql::<bool>(
            "users.age < ? OR users.name = ?",
            (31, "cat"),
        ))
        .filter(User::name.ne("bob"))
        .order_by(weft::sql::<i32>("users.age % ?", 7).desc());
    assert_eq!(
        q.all(&db).await?,
        [("ann".to_string(), 42), ("cat".to_string(), 42)]
    );
    if db.backend() == Backend::Postgres {
        assert_eq!(
            q.to_sql(db.dialect()).text,
            "SELECT \"users\".\"name\", ($1 + $2) FROM \"users\" WHERE (\"users\".\"age\" > $3 \
             AND ((users.age < $4 OR users.name = $5) AND \"users\".\"name\" <> $6)) \
             ORDER BY (users.age % $7) DESC"
        );
    }
    // A fragment as an operand of a typed comparison.
    let names = weft::select::<User>()
        .columns(User::name)
        .filter(User::age.eq(weft::sql::<i32>("? * 5", 5)))
        .all(&db)
        .await?;
    assert_eq!(names, ["bob"]);
    // A fragment whose placeholders and values disagree is refused before sending (when its
    // binds are encoded, before the driver sends anything).
    let err = weft::select::<User>()
        .filter(weft::sql::<bool>("users.age > ? AND users.age < ?", 1))
        .all(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RawSql { reason, .. } if reason.contains("2 `?` placeholders")),
        "{err}"
    );
    Ok(())
}

/// The SQL each dialect is sent, MySQL proper included (no connection needed).
#[test]
fn raw_sql_rendered_per_dialect() {
    let q = weft::raw("SELECT id FROM users WHERE name = ? AND note <> '?' AND id > ?")
        .bind("ann")
        .bind(1i64);
    let pg = q.to_sql(Backend::Postgres);
    assert_eq!(
        pg.text,
        "SELECT id FROM users WHERE name = $1 AND note <> '?' AND id > $2"
    );
    assert_eq!(pg.binds.len(), 2);
    for dialect in [
        q.to_sql(Backend::MySql),
        q.to_sql(&weft::dialect::MariaDb),
        q.to_sql(Backend::Sqlite),
    ] {
        assert_eq!(
            dialect.text,
            "SELECT id FROM users WHERE name = ? AND note <> '?' AND id > ?"
        );
    }

    let q = weft::select::<User>()
        .columns(User::name)
        .filter(User::age.gt(20).and(weft::sql::<bool>("? < ?", (1, 2))))
        .order_by(weft::sql::<i64>("length(?)", "x").desc());
    assert_eq!(
        q.to_sql(Backend::Postgres).text,
        "SELECT \"users\".\"name\" FROM \"users\" WHERE (\"users\".\"age\" > $1 AND ($2 < $3)) \
         ORDER BY (length($4)) DESC"
    );
    assert_eq!(
        q.to_sql(Backend::MySql).text,
        "SELECT `users`.`name` FROM `users` WHERE (`users`.`age` > ? AND (? < ?)) \
         ORDER BY (length(?)) DESC"
    );
    assert_eq!(
        q.to_sql(&weft::dialect::MariaDb).text,
        q.to_sql(Backend::MySql).text
    );

    let patch = weft::update::<User>()
        .set_some(User::name, None::<String>)
        .set_some(User::email, Some(None::<String>))
        .set_if(true, User::age, 3)
        .filter(User::id.eq(1));
    assert_eq!(
        patch.to_sql(Backend::Postgres).text,
        "UPDATE \"users\" SET \"email\" = $1, \"age\" = $2 WHERE \"users\".\"id\" = $3"
    );
    assert_eq!(
        patch.to_sql(Backend::MySql).text,
        "UPDATE `users` SET `email` = ?, `age` = ? WHERE `users`.`id` = ?"
    );
    assert_eq!(
        patch.to_sql(&weft::dialect::MariaDb).text,
        patch.to_sql(Backend::MySql).text
    );
}

/// `execute_sql` sends its text as written, placeholders uncounted: a statement given fewer
/// values than it has placeholders is refused by every driver, and never runs with values
/// of its last run (the native SQLite driver keeps its statements prepared, values and all).
#[backends]
async fn a_hand_written_statement_short_of_values_is_refused(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let hole = |n: usize| match db.backend() {
        Backend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let quote = |s: &str| weft_tests::quote_ident(&db, s);
    let text = format!(
        "UPDATE {} SET {} = {} WHERE {} = {}",
        quote("users"),
        quote("age"),
        hole(1),
        quote("id"),
        hole(2)
    );
    let set = |age: i32, id: Option<i64>| {
        let mut binds = vec![weft::Value::I32(age)];
        binds.extend(id.map(weft::Value::I64));
        db.execute_sql(&text, binds)
    };
    assert_eq!(set(40, Some(1)).await?, 1);
    let err = set(50, None).await.unwrap_err();
    assert!(matches!(err, Error::Query { .. }), "{err}");
    assert_eq!(err.sql(), Some(text.as_str()));
    let ages: Vec<i32> = weft::raw("SELECT age FROM users WHERE id = ?")
        .bind(1i64)
        .fetch_all(&db)
        .await?;
    assert_eq!(ages, [40], "the short statement changed nothing");
    Ok(())
}
