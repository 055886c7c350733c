//! Upserts: `on_conflict(…).do_nothing()` / `.do_update(…)` with `excluded(…)`, on every
//! backend, and the SQL each dialect is sent.

use weft::dialect::{MariaDb, MySql, Upsert};
use weft::{AsDialect, Backend, Db, Table, Value, excluded, lower};
use weft_tests::backends;

use crate::tables::*;

/// The user named `name`.
async fn user(db: &Db, name: &str) -> weft::Result<User> {
    weft::select::<User>()
        .filter(User::name.eq(name))
        .one(db)
        .await
}

/// ann (30) and bob (25).
async fn two_users(db: &Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    weft::insert_many([
        new_user("ann", Some("ann@example.com"), 30),
        new_user("bob", Some("bob@example.com"), 25),
    ])
    .execute(db)
    .await?;
    Ok(())
}

/// Rows affected by an upsert that inserted `inserted` rows, updated `updated` to new values
/// and left `kept` as they were: the MySQL family counts an updated row twice, and a row left
/// alone once (weft's connections ask for found rows).
fn affected(db: &Db, inserted: u64, updated: u64, kept: u64) -> u64 {
    match db.capabilities().upsert {
        Upsert::OnConflict => inserted + updated,
        Upsert::OnDuplicateKey => inserted + 2 * updated + kept,
    }
}

#[backends]
async fn do_nothing_keeps_the_existing_row(db: Db) -> weft::Result<()> {
    two_users(&db).await?;
    let n = weft::insert_many([new_user("bob", None, 99), new_user("cat", None, 35)])
        .on_conflict(User::name)
        .do_nothing()
        .execute(&db)
        .await?;
    assert_eq!(n, affected(&db, 1, 0, 1));

    let bob = user(&db, "bob").await?;
    assert_eq!(
        (bob.age, bob.email.as_deref()),
        (25, Some("bob@example.com"))
    );
    assert_eq!(user(&db, "cat").await?.age, 35);
    assert_eq!(weft::select::<User>().count(&db).await?, 3);
    Ok(())
}

#[backends]
async fn do_update_sets_proposed_existing_and_bound_values(db: Db) -> weft::Result<()> {
    two_users(&db).await?;
    let n = weft::insert_many([
        new_user("ann", Some("new@example.com"), 99),
        new_user("dan", Some("dan@example.com"), 40),
    ])
    .on_conflict(User::name)
    .do_update(|set| {
        set.set(User::email, excluded(User::email))
            // The existing row's value: ann keeps her age, not the proposed 99.
            .set(User::age, User::age)
            .set(User::active, false)
    })
    .execute(&db)
    .await?;
    assert_eq!(n, affected(&db, 1, 1, 0));

    let ann = user(&db, "ann").await?;
    assert_eq!(
        (ann.id, ann.email.as_deref(), ann.age, ann.active),
        (1, Some("new@example.com"), 30, false)
    );
    // An inserted row is the row proposed: the update applies only to conflicting rows.
    let dan = user(&db, "dan").await?;
    assert_eq!(
        (dan.email.as_deref(), dan.age, dan.active),
        (Some("dan@example.com"), 40, true)
    );
    // bob was not in the insert.
    let bob = user(&db, "bob").await?;
    assert_eq!(
        (bob.email.as_deref(), bob.active),
        (Some("bob@example.com"), true)
    );
    Ok(())
}

/// Hits per page and day: unique on the pair.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "upsert_visits", unique(page, day))]
pub struct Visit {
    #[column(primary_key, auto)]
    pub id: i64,
    pub page: String,
    pub day: i32,
    pub hits: i64,
    pub label: String,
}

fn visit(page: &str, day: i32, hits: i64, label: &str) -> NewVisit {
    NewVisit {
        id: None,
        page: page.into(),
        day,
        hits,
        label: label.into(),
    }
}

#[backends]
async fn upsert_on_a_tuple_target_and_with_an_expression(db: Db) -> weft::Result<()> {
    db.create_tables::<Visit>().await?;
    weft::insert_many([visit("home", 1, 5, "a"), visit("home", 2, 7, "b")])
        .execute(&db)
        .await?;
    // The unique pair is the target; the update keeps the existing hits and reads the
    // proposed label through a function.
    let n = weft::insert_many([visit("home", 1, 1, "NEW"), visit("home", 3, 1, "C")])
        .on_conflict((Visit::page, Visit::day))
        .do_update(|set| {
            set.set(Visit::hits, Visit::hits)
                .set(Visit::label, lower(excluded(Visit::label)))
        })
        .execute(&db)
        .await?;
    assert_eq!(n, affected(&db, 1, 1, 0));
    let rows = weft::select::<Visit>()
        .order_by(Visit::day)
        .all(&db)
        .await?;
    let got: Vec<_> = rows
        .iter()
        .map(|v| (v.id, v.day, v.hits, v.label.as_str()))
        .collect();
    // The inserted row's id depends on whether the backend spent one on the conflicting row.
    let new_id = rows[2].id;
    assert_eq!(got, [(1, 1, 5, "new"), (2, 2, 7, "b"), (new_id, 3, 1, "C")]);

    // An update that sets nothing is "do nothing".
    let n = weft::insert(visit("home", 2, 100, "x"))
        .on_conflict((Visit::page, Visit::day))
        .do_update(|set| set)
        .execute(&db)
        .await?;
    assert_eq!(n, affected(&db, 0, 0, 1));
    let two = weft::select::<Visit>()
        .filter(Visit::day.eq(2))
        .one(&db)
        .await?;
    assert_eq!((two.hits, two.label.as_str()), (7, "b"));
    Ok(())
}

#[backends(requires(returning_on_insert))]
async fn upsert_returning(db: Db) -> weft::Result<()> {
    two_users(&db).await?;
    let mut rows = weft::insert_many([new_user("ann", None, 99), new_user("eve", None, 20)])
        .on_conflict(User::name)
        .do_update(|set| set.set(User::age, excluded(User::age)))
        .returning()
        .all(&db)
        .await?;
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    // The rows as they are after the statement: ann updated (her id kept), eve inserted.
    let got: Vec<_> = rows.iter().map(|u| (u.name.as_str(), u.age)).collect();
    assert_eq!(got, [("ann", 99), ("eve", 20)]);
    assert_eq!(rows[0].id, 1);

    // "Do nothing": SQLite and PostgreSQL return only the rows inserted; MariaDB's
    // `ON DUPLICATE KEY UPDATE k = k` "updates" the existing row, and returns it too.
    let mut rows = weft::insert_many([new_user("bob", None, 99), new_user("fay", None, 21)])
        .on_conflict(User::name)
        .do_nothing()
        .returning()
        .all(&db)
        .await?;
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let got: Vec<_> = rows.iter().map(|u| (u.name.as_str(), u.age)).collect();
    match db.capabilities().upsert {
        Upsert::OnConflict => assert_eq!(got, [("fay", 21)]),
        Upsert::OnDuplicateKey => assert_eq!(got, [("bob", 25), ("fay", 21)]),
    }
    Ok(())
}

/// `u{i}`, aged `age`.
fn numbered(i: usize, age: i32) -> NewUser {
    new_user(&format!("u{i:04}"), None, age)
}

#[backends]
async fn thousand_rows_half_existing(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    weft::insert_many((0..500).map(|i| numbered(i, 1)))
        .execute(&db)
        .await?;

    // Rows 0–499 exist: "do nothing" inserts 500–999 and leaves the others at 1.
    let n = weft::insert_many((0..1000).map(|i| numbered(i, 2)))
        .on_conflict(User::name)
        .do_nothing()
        .execute(&db)
        .await?;
    assert_eq!(n, affected(&db, 500, 0, 500));
    let ages = |db: Db| async move {
        let users = weft::select::<User>().order_by(User::name).all(&db).await?;
        weft::Result::Ok(users.into_iter().map(|u| u.age).collect::<Vec<_>>())
    };
    let expected: Vec<i32> = (0..1000).map(|i| if i < 500 { 1 } else { 2 }).collect();
    assert_eq!(ages(db.clone()).await?, expected);

    // Rows 500–1499, of which 500–999 exist: the existing ones take the proposed age.
    let n = weft::insert_many((500..1500).map(|i| numbered(i, 3)))
        .on_conflict(User::name)
        .do_update(|set| set.set(User::age, excluded(User::age)))
        .execute(&db)
        .await?;
    assert_eq!(n, affected(&db, 500, 500, 0));
    let expected: Vec<i32> = (0..1500).map(|i| if i < 500 { 1 } else { 3 }).collect();
    assert_eq!(ages(db.clone()).await?, expected);
    Ok(())
}

fn upsert() -> weft::Insert<User> {
    weft::insert(new_user("ann", None, 30))
        .on_conflict(User::name)
        .do_update(|set| {
            set.set(User::email, excluded(User::email))
                .set(User::age, User::age)
                .set(User::active, false)
        })
}

#[test]
fn upsert_per_dialect() {
    let pg = &upsert().to_sql(Backend::Postgres)[0];
    assert_eq!(
        pg.text,
        r#"INSERT INTO "users" ("name", "email", "age") VALUES ($1, $2, $3) ON CONFLICT ("name") DO UPDATE SET "email" = excluded."email", "age" = "users"."age", "active" = $4"#
    );
    assert_eq!(
        pg.binds,
        [
            Value::Text("ann".into()),
            Value::Null(weft::SqlType::Text),
            Value::I32(30),
            Value::Bool(false)
        ]
    );
    let mariadb = &upsert().to_sql(&MariaDb)[0];
    assert_eq!(
        mariadb.text,
        "INSERT INTO `users` (`name`, `email`, `age`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `email` = VALUES(`email`), `age` = `users`.`age`, `active` = ?"
    );
    assert_eq!(mariadb.binds, pg.binds);
    assert_eq!(upsert().to_sql(&MySql)[0].text, mariadb.text);

    let nothing = || {
        weft::insert(new_user("ann", None, 30))
            .on_conflict((User::id, User::name))
            .do_nothing()
    };
    assert_eq!(
        nothing().to_sql(Backend::Postgres)[0].text,
        r#"INSERT INTO "users" ("name", "email", "age") VALUES ($1, $2, $3) ON CONFLICT ("id", "name") DO NOTHING"#
    );
    // The MySQL family conflicts on any unique key; "nothing" sets the target's first column
    // to itself.
    assert_eq!(
        nothing().to_sql(&MariaDb)[0].text,
        "INSERT INTO `users` (`name`, `email`, `age`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `id` = `id`"
    );
    assert_eq!(
        nothing().to_sql(&MySql)[0].text,
        nothing().to_sql(&MariaDb)[0].text
    );

    // RETURNING follows the upsert clause (MariaDB 10.5+).
    let returning = upsert().returning_columns((User::id,));
    assert_eq!(
        returning.to_sql(&MariaDb)[0].text,
        "INSERT INTO `users` (`name`, `email`, `age`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `email` = VALUES(`email`), `age` = `users`.`age`, `active` = ? RETURNING `id`"
    );
}

#[test]
fn every_statement_of_a_large_upsert_carries_it() {
    let many = || {
        weft::insert_many((0..30_000).map(|i| numbered(i, 1)))
            .on_conflict(User::name)
            .do_update(|set| set.set(User::age, excluded(User::age)))
    };
    // PostgreSQL: one UNNEST statement.
    let pg = many().to_sql(Backend::Postgres);
    assert_eq!(pg.len(), 1);
    assert_eq!(
        pg[0].text,
        r#"INSERT INTO "users" ("name", "email", "age") SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::INTEGER[]) ON CONFLICT ("name") DO UPDATE SET "age" = excluded."age""#
    );
    // SQLite and MySQL: 90,000 binds, split under the bind limit, each statement an upsert.
    for dialect in [Backend::Sqlite.as_dialect(), &MySql] {
        let statements = many().to_sql(dialect);
        assert!(statements.len() > 1);
        let tail = match dialect.capabilities().upsert {
            Upsert::OnConflict => r#" ON CONFLICT ("name") DO UPDATE SET "age" = excluded."age""#,
            Upsert::OnDuplicateKey => " ON DUPLICATE KEY UPDATE `age` = VALUES(`age`)",
        };
        assert!(statements.iter().all(|s| s.text.ends_with(tail)));
    }
}

/// ann is 30, bob 25; both proposed again with a new email and age 28: only a row whose age
/// is lower than the proposed one is updated.
fn older_only() -> weft::Insert<User> {
    weft::insert_many([
        new_user("ann", Some("ann@new.example"), 28),
        new_user("bob", Some("bob@new.example"), 28),
    ])
    .on_conflict(User::name)
    .do_update(|set| {
        set.set(User::email, excluded(User::email))
            // The column the filter reads is set last (see `ConflictSet::filter`).
            .set(User::age, excluded(User::age))
            .filter(User::age.lt(excluded(User::age)))
    })
}

#[backends]
async fn do_update_with_a_filter_updates_only_where_it_holds(db: Db) -> weft::Result<()> {
    two_users(&db).await?;
    let n = older_only().execute(&db).await?;
    // bob updated; ann left alone (the MySQL family counts her as found).
    assert_eq!(n, affected(&db, 0, 1, 1));
    let ann = user(&db, "ann").await?;
    assert_eq!(
        (ann.email.as_deref(), ann.age),
        (Some("ann@example.com"), 30)
    );
    let bob = user(&db, "bob").await?;
    assert_eq!(
        (bob.email.as_deref(), bob.age),
        (Some("bob@new.example"), 28)
    );

    // Two filters are joined with AND; a value bound in the filter.
    weft::insert(new_user("ann", Some("x@example.com"), 1))
        .on_conflict(User::name)
        .do_update(|set| {
            set.set(User::email, excluded(User::email))
                .filter(User::age.gt(20))
                .filter(User::email.ne("ann@example.com"))
        })
        .execute(&db)
        .await?;
    assert_eq!(
        user(&db, "ann").await?.email.as_deref(),
        Some("ann@example.com")
    );
    Ok(())
}

#[backends]
async fn a_filter_reading_an_earlier_assignment(db: Db) -> weft::Result<()> {
    two_users(&db).await?;
    // The filter reads `age`, which the first assignment sets: the MySQL family, which
    // repeats the filter in each assignment and applies them in turn, gets `age`'s last.
    let q = weft::insert(new_user("bob", Some("bob@new.example"), 28))
        .on_conflict(User::name)
        .do_update(|set| {
            set.set(User::age, excluded(User::age))
                .set(User::email, excluded(User::email))
                .filter(User::age.lt(excluded(User::age)))
        });
    assert_eq!(q.execute(&db).await?, affected(&db, 0, 1, 0));
    let bob = user(&db, "bob").await?;
    assert_eq!(
        (bob.email.as_deref(), bob.age),
        (Some("bob@new.example"), 28)
    );
    assert!(q.to_sql(&MariaDb)[0].text.ends_with(
        "`email` = CASE WHEN `users`.`age` < VALUES(`age`) THEN VALUES(`email`) ELSE `users`.`email` END, \
         `age` = CASE WHEN `users`.`age` < VALUES(`age`) THEN VALUES(`age`) ELSE `users`.`age` END"
    ));

    // A filter reading two assigned columns: no order works on the MySQL family, refused
    // there before anything is sent.
    let q = weft::insert(new_user("ann", Some("ann@new.example"), 31))
        .on_conflict(User::name)
        .do_update(|set| {
            set.set(User::age, excluded(User::age))
                .set(User::email, excluded(User::email))
                .filter(User::age.lt(excluded(User::age)))
                .filter(User::email.is_not_null())
        });
    let result = q.execute(&db).await;
    let ann = user(&db, "ann").await?;
    if db.capabilities().sequential_assignments {
        let err = result.unwrap_err();
        assert!(matches!(err, weft::Error::Unsupported { .. }), "{err:?}");
        assert_eq!(ann.age, 30);
    } else {
        assert_eq!(result?, 1);
        assert_eq!(
            (ann.email.as_deref(), ann.age),
            (Some("ann@new.example"), 31)
        );
    }
    Ok(())
}

/// ann (30) proposed again at 99: `active` reads `age`, which the assignment before it sets.
fn age_then_active() -> weft::Insert<User> {
    weft::insert(new_user("ann", None, 99))
        .on_conflict(User::name)
        .do_update(|s| {
            s.set(User::age, excluded(User::age))
                .set(User::active, User::age.gt(50))
        })
}

#[backends]
async fn do_update_values_read_the_existing_row(db: Db) -> weft::Result<()> {
    two_users(&db).await?;
    // Every value reads the existing row (ann was 30), on every backend: the MySQL family,
    // which applies the assignments in turn, gets `active`'s first.
    assert_eq!(
        age_then_active().execute(&db).await?,
        affected(&db, 0, 1, 0)
    );
    let ann = user(&db, "ann").await?;
    assert_eq!((ann.age, ann.active), (99, false));
    assert_eq!(
        age_then_active().to_sql(&MariaDb)[0].text,
        "INSERT INTO `users` (`name`, `email`, `age`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE \
         `active` = `users`.`age` > ?, `age` = VALUES(`age`)"
    );

    // Values reading each other's columns: refused on the MySQL family, a swap elsewhere.
    let swap = weft::insert(new_user("bob", None, 0))
        .on_conflict(User::name)
        .do_update(|s| {
            s.set(
                User::age,
                weft::case_when(User::active.eq(true), 1).otherwise(0),
            )
            .set(User::active, User::age.gt(20))
        });
    let result = swap.execute(&db).await;
    let bob = user(&db, "bob").await?;
    if db.capabilities().sequential_assignments {
        assert!(
            matches!(result, Err(weft::Error::Unsupported { .. })),
            "{result:?}"
        );
        assert_eq!((bob.age, bob.active), (25, true));
    } else {
        assert_eq!(result?, 1);
        assert_eq!((bob.age, bob.active), (1, true));
    }
    Ok(())
}

#[backends]
async fn do_update_setting_a_column_twice_keeps_the_last(db: Db) -> weft::Result<()> {
    two_users(&db).await?;
    let q = weft::insert(new_user("ann", Some("ann@new.example"), 99))
        .on_conflict(User::name)
        .do_update(|s| {
            s.set(User::age, excluded(User::age))
                .set(User::email, excluded(User::email))
                .set(User::age, User::age + 7)
        });
    assert_eq!(
        q.to_sql(Backend::Postgres)[0].text,
        r#"INSERT INTO "users" ("name", "email", "age") VALUES ($1, $2, $3) ON CONFLICT ("name") DO UPDATE SET "age" = ("users"."age" + $4), "email" = excluded."email""#
    );
    assert_eq!(q.execute(&db).await?, affected(&db, 0, 1, 0));
    let ann = user(&db, "ann").await?;
    assert_eq!(
        (ann.email.as_deref(), ann.age),
        (Some("ann@new.example"), 37)
    );
    Ok(())
}

#[backends(requires(returning_on_insert))]
async fn filtered_upsert_returning(db: Db) -> weft::Result<()> {
    two_users(&db).await?;
    let mut rows = older_only().returning().all(&db).await?;
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let got: Vec<_> = rows.iter().map(|u| (u.name.as_str(), u.age)).collect();
    // SQLite and PostgreSQL return the rows updated; MariaDB every row of the insert.
    match db.capabilities().upsert {
        Upsert::OnConflict => assert_eq!(got, [("bob", 28)]),
        Upsert::OnDuplicateKey => assert_eq!(got, [("ann", 30), ("bob", 28)]),
    }
    Ok(())
}

#[backends]
async fn conflict_target_by_constraint_name(db: Db) -> weft::Result<()> {
    two_users(&db).await?;
    // `users_name_key`: PostgreSQL's name for the unique `name` column's constraint.
    let n = weft::insert(new_user("ann", Some("ann@new.example"), 30))
        .on_conflict_constraint("users_name_key")
        .do_update(|set| set.set(User::email, excluded(User::email)))
        .execute(&db)
        .await?;
    assert_eq!(n, affected(&db, 0, 1, 0));
    assert_eq!(
        user(&db, "ann").await?.email.as_deref(),
        Some("ann@new.example")
    );

    // The primary key's, and a two-column unique constraint's.
    let n = weft::insert(NewUser {
        id: Some(2),
        ..new_user("bob2", None, 1)
    })
    .on_conflict_constraint("users_pkey")
    .do_nothing()
    .execute(&db)
    .await?;
    assert_eq!(n, affected(&db, 0, 0, 1));
    assert_eq!(user(&db, "bob").await?.age, 25);

    db.create_tables::<Visit>().await?;
    weft::insert(visit("home", 1, 5, "a")).execute(&db).await?;
    weft::insert(visit("home", 1, 9, "b"))
        .on_conflict_constraint("upsert_visits_page_day_key")
        .do_update(|set| set.set(Visit::hits, Visit::hits + excluded(Visit::hits)))
        .execute(&db)
        .await?;
    let home = weft::select::<Visit>().one(&db).await?;
    assert_eq!((home.hits, home.label.as_str()), (14, "a"));

    // A name the metadata does not know: PostgreSQL's server refuses it, SQLite cannot map
    // it to columns (refused before sending), the MySQL family conflicts on any key.
    let unknown = weft::insert(new_user("ann", None, 1))
        .on_conflict_constraint("no_such_key")
        .do_nothing();
    let result = unknown.execute(&db).await;
    match db.backend() {
        Backend::Sqlite => assert!(
            matches!(result, Err(weft::Error::Unsupported { .. })),
            "{result:?}"
        ),
        Backend::Postgres => assert!(
            matches!(&result, Err(weft::Error::Query { sql, .. }) if sql.contains("no_such_key")),
            "{result:?}"
        ),
        _ => assert_eq!(result?, 1),
    }
    Ok(())
}

#[test]
fn upsert_filter_and_constraint_per_dialect() {
    let pg = &older_only().to_sql(Backend::Postgres)[0];
    assert_eq!(
        pg.text,
        r#"INSERT INTO "users" ("name", "email", "age") SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::INTEGER[]) ON CONFLICT ("name") DO UPDATE SET "email" = excluded."email", "age" = excluded."age" WHERE "users"."age" < excluded."age""#
    );
    let mariadb = &older_only().to_sql(&MariaDb)[0];
    assert_eq!(
        mariadb.text,
        "INSERT INTO `users` (`name`, `email`, `age`) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE KEY UPDATE \
         `email` = CASE WHEN `users`.`age` < VALUES(`age`) THEN VALUES(`email`) ELSE `users`.`email` END, \
         `age` = CASE WHEN `users`.`age` < VALUES(`age`) THEN VALUES(`age`) ELSE `users`.`age` END"
    );
    assert_eq!(older_only().to_sql(&MySql)[0].text, mariadb.text);

    let by_name = || {
        weft::insert(new_user("ann", None, 1))
            .on_conflict_constraint("users_name_key")
            .do_nothing()
    };
    assert_eq!(
        by_name().to_sql(Backend::Postgres)[0].text,
        r#"INSERT INTO "users" ("name", "email", "age") VALUES ($1, $2, $3) ON CONFLICT ON CONSTRAINT "users_name_key" DO NOTHING"#
    );
    assert_eq!(
        by_name().to_sql(Backend::Sqlite)[0].text,
        r#"INSERT INTO "users" ("name", "email", "age") VALUES (?, ?, ?) ON CONFLICT ("name") DO NOTHING"#
    );
    assert_eq!(
        by_name().to_sql(&MariaDb)[0].text,
        "INSERT INTO `users` (`name`, `email`, `age`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `name` = `name`"
    );
}
