//! Insert, select with every operator, update and delete, with and without RETURNING.

use weft::{Backend, Db, Error, not};
use weft_tests::backends;

use crate::tables::*;

async fn ids(db: &weft::Db, q: weft::Select<(User,), weft::All<User>>) -> weft::Result<Vec<i64>> {
    Ok(q.order_by(User::id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

#[backends]
async fn insert_fills_auto_and_default_columns(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    let dan = weft::insert(NewUser {
        id: None,
        name: "Dan".into(),
        email: None,
        age: None,
        active: None,
    })
    .returning()
    .one(&db)
    .await?;
    assert_eq!(
        dan,
        User {
            id: 1,
            name: "Dan".into(),
            email: None,
            age: 0,
            active: true
        }
    );

    // Explicit values win over defaults; rows may differ in which columns they leave out.
    let rows = weft::insert_many([
        NewUser {
            id: None,
            name: "Eve".into(),
            email: Some("e@x".into()),
            age: Some(41),
            active: Some(false),
        },
        NewUser {
            id: Some(10),
            name: "Fay".into(),
            email: None,
            age: None,
            active: None,
        },
    ])
    .returning()
    .all(&db)
    .await?;
    assert_eq!(
        rows[0],
        User {
            id: 2,
            name: "Eve".into(),
            email: Some("e@x".into()),
            age: 41,
            active: false
        }
    );
    assert_eq!(
        rows[1],
        User {
            id: 10,
            name: "Fay".into(),
            email: None,
            age: 0,
            active: true
        }
    );

    // The table's own struct inserts every column.
    let n = weft::insert(User {
        id: 20,
        name: "Gus".into(),
        email: None,
        age: 3,
        active: false,
    })
    .execute(&db)
    .await?;
    assert_eq!(n, 1);
    assert_eq!(weft::select::<User>().count(&db).await?, 4);

    // Returning a subset of columns.
    let (id, name) = weft::insert(new_user("Hal", None, 1))
        .returning_columns((User::id, User::name))
        .one(&db)
        .await?;
    // PostgreSQL's identity does not move past explicitly inserted ids; the others continue
    // after the largest id (see docs/design.md, "Backend differences").
    let expected = if db.backend() == Backend::Postgres {
        3
    } else {
        21
    };
    assert_eq!((id, name.as_str()), (expected, "Hal"));

    // A bound value in RETURNING is numbered after the inserted values, single row or many.
    let (name, is_ivy) = weft::insert(new_user("Ivy", None, 1))
        .returning_columns((User::name, User::name.eq("Ivy")))
        .one(&db)
        .await?;
    assert_eq!((name.as_str(), is_ivy), ("Ivy", true));
    let flags: Vec<(String, bool)> =
        weft::insert_many([new_user("Jo", None, 1), new_user("Kim", None, 2)])
            .returning_columns((User::name, User::name.eq("Kim")))
            .all(&db)
            .await?;
    assert_eq!(
        flags,
        [("Jo".to_string(), false), ("Kim".to_string(), true)]
    );
    Ok(())
}

#[backends]
async fn every_where_operator(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let s = weft::select::<User>;
    assert_eq!(ids(&db, s().filter(User::name.eq("bob"))).await?, [2]);
    assert_eq!(ids(&db, s().filter(User::name.ne("bob"))).await?, [1, 3]);
    assert_eq!(ids(&db, s().filter(User::age.lt(30))).await?, [2]);
    assert_eq!(ids(&db, s().filter(User::age.le(30))).await?, [1, 2]);
    assert_eq!(ids(&db, s().filter(User::age.gt(30))).await?, [3]);
    assert_eq!(ids(&db, s().filter(User::age.ge(30))).await?, [1, 3]);
    assert_eq!(
        ids(&db, s().filter(User::email.like("%@example.com"))).await?,
        [1, 2]
    );
    assert_eq!(
        ids(&db, s().filter(User::name.is_in(["ann", "cat", "zed"]))).await?,
        [1, 3]
    );
    assert_eq!(
        ids(&db, s().filter(User::name.is_not_in(["ann"]))).await?,
        [2, 3]
    );
    assert_eq!(
        ids(&db, s().filter(User::id.is_in(Vec::<i64>::new()))).await?,
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&db, s().filter(User::id.is_not_in(Vec::<i64>::new()))).await?,
        [1, 2, 3]
    );
    assert_eq!(ids(&db, s().filter(User::email.is_null())).await?, [3]);
    assert_eq!(
        ids(&db, s().filter(User::email.is_not_null())).await?,
        [1, 2]
    );
    assert_eq!(
        ids(&db, s().filter(User::age.between(25, 30))).await?,
        [1, 2]
    );
    assert_eq!(
        ids(&db, s().filter(User::age.gt(26).and(User::age.lt(34)))).await?,
        [1]
    );
    assert_eq!(
        ids(&db, s().filter(User::age.lt(26).or(User::name.eq("cat")))).await?,
        [2, 3]
    );
    assert_eq!(
        ids(&db, s().filter(not(User::name.eq("ann")))).await?,
        [2, 3]
    );
    assert_eq!(ids(&db, s().filter(!User::age.ge(30))).await?, [2]);
    // A nullable column compared with a plain value, and a bool column as a condition.
    assert_eq!(
        ids(&db, s().filter(User::email.eq("bob@example.com"))).await?,
        [2]
    );
    assert_eq!(ids(&db, s().filter(User::active)).await?, [1, 2, 3]);
    // LIKE's case sensitivity is the backend's (docs/design.md, "Backend differences").
    let upper = ids(&db, s().filter(User::name.like("ANN"))).await?;
    assert_eq!(
        upper,
        if db.backend() == Backend::Sqlite {
            vec![1]
        } else {
            vec![]
        }
    );
    // Several filters are ANDed.
    assert_eq!(
        ids(
            &db,
            s().filter(User::age.ge(25)).filter(User::name.ne("ann"))
        )
        .await?,
        [2, 3]
    );
    Ok(())
}

#[backends]
async fn order_limit_offset_count(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let by_age: Vec<String> = weft::select::<User>()
        .columns(User::name)
        .order_by(User::age.desc())
        .all(&db)
        .await?;
    assert_eq!(by_age, ["cat", "ann", "bob"]);
    let page: Vec<String> = weft::select::<User>()
        .columns(User::name)
        .order_by(User::age)
        .limit(2)
        .offset(1)
        .all(&db)
        .await?;
    assert_eq!(page, ["ann", "cat"]);
    let rest: Vec<String> = weft::select::<User>()
        .columns(User::name)
        .order_by(User::id)
        .offset(2)
        .all(&db)
        .await?;
    assert_eq!(rest, ["cat"]);
    // Several sort keys.
    let posts: Vec<(i64, String)> = weft::select::<Post>()
        .columns((Post::user_id, Post::title))
        .order_by(Post::user_id.desc())
        .order_by(Post::title.asc())
        .all(&db)
        .await?;
    assert_eq!(
        posts,
        [
            (2, "bob's".to_string()),
            (1, "again".into()),
            (1, "hello".into())
        ]
    );

    assert_eq!(weft::select::<User>().count(&db).await?, 3);
    assert_eq!(
        weft::select::<User>()
            .filter(User::age.gt(26))
            .count(&db)
            .await?,
        2
    );
    assert_eq!(weft::select::<User>().limit(2).count(&db).await?, 2);
    assert_eq!(weft::select::<User>().offset(2).count(&db).await?, 1);

    let first = weft::select::<User>()
        .order_by(User::age)
        .first(&db)
        .await?;
    assert_eq!(first.map(|u| u.name), Some("bob".into()));
    let none = weft::select::<User>()
        .filter(User::age.gt(100))
        .first(&db)
        .await?;
    assert!(none.is_none());
    // `first` keeps the query's own limit and offset: the first row of that window.
    let by_id = || {
        weft::select::<User>()
            .columns(User::name)
            .order_by(User::id)
    };
    assert_eq!(by_id().offset(1).first(&db).await?.as_deref(), Some("bob"));
    assert_eq!(
        by_id().limit(2).offset(2).first(&db).await?.as_deref(),
        Some("cat")
    );
    assert_eq!(by_id().limit(0).first(&db).await?, None);
    assert_eq!(by_id().offset(1).one(&db).await?, "bob");
    // Row counts at both ends (PostgreSQL writes them into the text, the others bind them;
    // more rows than BIGINT holds is all of them), each run twice: the second run takes the
    // kept text of its shape.
    for _ in 0..2 {
        for (limit, expected) in [(0, 0), (1, 1), (2, 2), (u64::MAX, 3), (i64::MAX as u64, 3)] {
            let names = by_id().limit(limit).all(&db).await?;
            assert_eq!(names.len(), expected, "limit {limit}");
        }
        let names = by_id().limit(u64::MAX).offset(u64::MAX).all(&db).await?;
        assert!(names.is_empty());
        assert_eq!(by_id().limit(1).offset(2).all(&db).await?, ["cat"]);
    }
    match weft::select::<User>()
        .filter(User::age.gt(100))
        .one(&db)
        .await
    {
        Err(Error::NotFound { sql }) => assert!(sql.starts_with("SELECT"), "{sql}"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    Ok(())
}

#[backends]
async fn update_and_delete(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let changed = weft::update::<User>()
        .set(User::age, 31)
        .set(User::email, None::<String>)
        .filter(User::name.eq("ann"))
        .execute(&db)
        .await?;
    assert_eq!(changed, 1);
    let ann = weft::select::<User>()
        .filter(User::name.eq("ann"))
        .one(&db)
        .await?;
    assert_eq!((ann.age, ann.email), (31, None));

    // Set from another column of the same table (a non-null column into a nullable one).
    weft::update::<User>()
        .set(User::email, User::name)
        .filter(User::name.eq("cat"))
        .execute(&db)
        .await?;
    let cat_email = weft::select::<User>()
        .columns(User::email)
        .filter(User::name.eq("cat"))
        .one(&db)
        .await?;
    assert_eq!(cat_email.as_deref(), Some("cat"));

    let returning = weft::update::<User>()
        .set(User::active, false)
        .filter(User::age.lt(30))
        .returning()
        .all(&db)
        .await;
    if db.capabilities().returning_on_update {
        let rows = returning?;
        assert_eq!(rows.len(), 1);
        assert!(rows.iter().all(|u| !u.active));
    } else {
        // No UPDATE … RETURNING on the MySQL family: refused before anything is sent.
        match returning {
            Err(Error::Unsupported { what, .. }) => assert_eq!(what, "UPDATE … RETURNING"),
            other => panic!("expected Unsupported, got {other:?}"),
        }
        assert_eq!(
            weft::select::<User>()
                .filter(User::active.eq(false))
                .count(&db)
                .await?,
            0
        );
    }

    let deleted = weft::delete::<Post>()
        .filter(Post::title.eq("again"))
        .returning()
        .all(&db)
        .await?;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].title, "again");
    // Deleting a user cascades to their posts.
    let n = weft::delete::<User>()
        .filter(User::name.eq("ann"))
        .execute(&db)
        .await?;
    assert_eq!(n, 1);
    assert_eq!(weft::select::<Post>().count(&db).await?, 1);
    assert_eq!(weft::delete::<User>().execute(&db).await?, 2);
    Ok(())
}

/// A wide table so that the bind-parameter limit is reached with a few thousand rows.
#[derive(weft::Table, Debug, Clone, PartialEq)]
pub struct Wide {
    #[column(primary_key)]
    pub id: i64,
    pub c1: i64,
    pub c2: i64,
    pub c3: i64,
    pub c4: i64,
    pub c5: i64,
    pub c6: i64,
    pub c7: i64,
    pub c8: String,
    #[column(unique)]
    pub c9: i64,
}

fn wide(id: i64) -> Wide {
    Wide {
        id,
        c1: id,
        c2: -id,
        c3: id * 2,
        c4: 4,
        c5: 5,
        c6: 6,
        c7: 7,
        c8: format!("row {id}"),
        c9: id,
    }
}

#[backends]
async fn insert_many_splits_under_the_bind_limit(db: Db) -> weft::Result<()> {
    db.create_tables::<Wide>().await?;
    let rows: Vec<Wide> = (1..=7000).map(wide).collect();
    let per_statement = db.capabilities().max_bind_params / 10;
    // With array binds (PostgreSQL) uniform rows are one UNNEST statement: nothing to split.
    let expected_statements = if db.capabilities().array_binds {
        1
    } else {
        7000_usize.div_ceil(per_statement) as u64
    };
    assert!(7000 > per_statement, "the test must cross the limit");
    assert_eq!(
        weft::insert_many(&rows).to_sql(db.dialect()).len() as u64,
        expected_statements
    );

    let before = db.statements_executed();
    assert_eq!(weft::insert_many(&rows).execute(&db).await?, 7000);
    assert_eq!(db.statements_executed() - before, expected_statements);
    assert_eq!(weft::select::<Wide>().count(&db).await?, 7000);
    let back = weft::select::<Wide>().order_by(Wide::id).all(&db).await?;
    assert_eq!(back, rows);

    // Split statements are all or nothing: a conflict in the last chunk undoes the first.
    let mut more: Vec<Wide> = (7001..=14000).map(wide).collect();
    more.last_mut().unwrap().c9 = 1; // duplicates row 1's unique c9
    let err = weft::insert_many(&more).execute(&db).await.unwrap_err();
    assert!(
        err.as_database_error()
            .is_some_and(|e| e.is_unique_violation()),
        "{err}"
    );
    assert_eq!(weft::select::<Wide>().count(&db).await?, 7000);

    // Nothing to insert sends nothing.
    let before = db.statements_executed();
    assert_eq!(weft::insert_many(Vec::<Wide>::new()).execute(&db).await?, 0);
    assert_eq!(db.statements_executed(), before);
    Ok(())
}

#[backends]
async fn insert_many_past_the_bind_limit_returns_rows_in_order(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    // 25,000 rows of 3 binds each: over every backend's bind limit (split on SQLite and
    // MariaDB; one UNNEST statement on PostgreSQL).
    let n = 25_000;
    let rows: Vec<NewUser> = (0..n)
        .map(|i| NewUser {
            id: None,
            name: format!("user {i}"),
            email: (i % 3 != 0).then(|| format!("{i}@x")),
            age: Some(i),
            active: None,
        })
        .collect();
    let before = db.statements_executed();
    let back = weft::insert_many(&rows).returning().all(&db).await?;
    let statements = db.statements_executed() - before;
    if db.capabilities().array_binds {
        assert_eq!(statements, 1);
    } else {
        assert!(statements >= 2, "{statements}");
    }
    assert_eq!(back.len(), rows.len());
    for (i, (got, want)) in back.iter().zip(&rows).enumerate() {
        assert_eq!(
            (&got.name, &got.email, got.age, got.active),
            (&want.name, &want.email, i as i32, true)
        );
    }
    // Generated keys follow input order.
    assert!(back.windows(2).all(|w| w[0].id < w[1].id));
    let stored = weft::select::<User>().order_by(User::id).all(&db).await?;
    assert_eq!(stored, back);
    Ok(())
}

#[backends]
async fn insert_many_mixing_defaults_and_values(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    // Some rows give `age` and `active`, others leave them to their defaults: not uniform, so
    // PostgreSQL falls back to VALUES with DEFAULT.
    let rows = [
        NewUser {
            id: None,
            name: "a".into(),
            email: None,
            age: Some(7),
            active: None,
        },
        NewUser {
            id: None,
            name: "b".into(),
            email: Some("b@x".into()),
            age: None,
            active: Some(false),
        },
        NewUser {
            id: None,
            name: "c".into(),
            email: None,
            age: None,
            active: None,
        },
    ];
    let sql = weft::insert_many(&rows).to_sql(db.dialect());
    assert_eq!(sql.len(), 1);
    assert!(sql[0].text.contains(" VALUES "), "{}", sql[0].text);
    let back = weft::insert_many(rows).returning().all(&db).await?;
    assert_eq!(
        back,
        [
            User {
                id: 1,
                name: "a".into(),
                email: None,
                age: 7,
                active: true
            },
            User {
                id: 2,
                name: "b".into(),
                email: Some("b@x".into()),
                age: 0,
                active: false
            },
            User {
                id: 3,
                name: "c".into(),
                email: None,
                age: 0,
                active: true
            },
        ]
    );
    // Every row giving an explicit id (a uniform auto column) goes through UNNEST on PostgreSQL.
    let explicit = weft::insert_many([
        NewUser {
            id: Some(100),
            name: "x".into(),
            email: None,
            age: Some(1),
            active: Some(true),
        },
        NewUser {
            id: Some(101),
            name: "y".into(),
            email: None,
            age: Some(2),
            active: Some(false),
        },
    ]);
    assert_eq!(explicit.execute(&db).await?, 2);
    // The query can run again (it is not consumed): the second run hits the taken keys.
    let again = explicit.execute(&db).await.unwrap_err();
    assert!(
        again
            .as_database_error()
            .is_some_and(|e| e.is_unique_violation()),
        "{again}"
    );
    let ids = weft::select::<User>()
        .order_by(User::id)
        .columns(User::id)
        .all(&db)
        .await?;
    assert_eq!(ids, [1, 2, 3, 100, 101]);
    Ok(())
}

/// `eq(None)` and `ne(None)` mean `IS NULL` and `IS NOT NULL`: SQL's `= NULL` is never true
/// and would silently match nothing.
#[backends]
async fn comparing_with_none_matches_nulls(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    weft::insert_many([
        new_user("ann", None, 1),
        new_user("bob", Some("bob@example.com"), 2),
        new_user("cid", None, 3),
    ])
    .execute(&db)
    .await?;
    let names = |users: Vec<User>| users.into_iter().map(|u| u.name).collect::<Vec<_>>();
    let no_email = weft::select::<User>()
        .filter(User::email.eq(None::<String>))
        .order_by(User::id);
    assert!(
        no_email.to_sql(db.dialect()).text.ends_with(
            r#"."email" IS NULL ORDER BY "users"."id""#.replace('"', &quote(&db)).as_str()
        ),
        "{}",
        no_email.to_sql(db.dialect())
    );
    assert_eq!(names(no_email.all(&db).await?), ["ann", "cid"]);
    let with_email = weft::select::<User>().filter(User::email.ne(None::<String>));
    assert_eq!(names(with_email.all(&db).await?), ["bob"]);
    // A value chosen at run time: `None` finds the NULLs, `Some` the equal ones.
    for (wanted, found) in [
        (None, vec!["ann", "cid"]),
        (Some("bob@example.com"), vec!["bob"]),
    ] {
        let wanted: Option<String> = wanted.map(Into::into);
        let users = weft::select::<User>()
            .filter(User::email.eq(wanted))
            .order_by(User::id)
            .all(&db)
            .await?;
        assert_eq!(names(users), found);
    }
    // Deleting and updating read the same condition.
    let updated = weft::update::<User>()
        .set(User::age, 9)
        .filter(User::email.eq(None::<String>))
        .execute(&db)
        .await?;
    assert_eq!(updated, 2);
    let deleted = weft::delete::<User>()
        .filter(User::email.ne(None::<String>))
        .execute(&db)
        .await?;
    assert_eq!(deleted, 1);
    Ok(())
}

/// The identifier quote of `db`'s dialect, as a string.
fn quote(db: &Db) -> String {
    weft_tests::quote_ident(db, "")[..1].to_owned()
}

/// Arithmetic on columns: in updates, conditions and selections, integer division truncating
/// on every dialect, NULL staying NULL.
#[backends]
async fn arithmetic_on_columns(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    weft::insert_many([
        new_user("ann", None, 20),
        new_user("bob", None, 31),
        new_user("cid", None, 47),
    ])
    .execute(&db)
    .await?;
    let bumped = weft::update::<User>()
        .set(User::age, User::age + 1)
        .filter(User::name.ne("cid"))
        .execute(&db)
        .await?;
    assert_eq!(bumped, 2);
    let rows = weft::select::<User>()
        .filter((User::age * 2).gt(50))
        .order_by(User::id)
        .columns((User::name, User::age, User::age / 7, (User::age - 40) * -1))
        .all(&db)
        .await?;
    assert_eq!(
        rows,
        [
            ("bob".to_string(), 32, 4, 8),
            ("cid".to_string(), 47, 6, -7)
        ]
    );
    let per_week = weft::select::<User>().columns(User::age / 7);
    assert_eq!(
        per_week.to_sql(&weft::dialect::MariaDb).text,
        "SELECT (`users`.`age` DIV ?) FROM `users`"
    );
    assert_eq!(
        per_week.to_sql(weft::Backend::Postgres).text,
        r#"SELECT ("users"."age" / $1) FROM "users""#
    );
    Ok(())
}

/// `coalesce`, `concat` and `trim` read the same on every dialect.
#[backends]
async fn text_functions_and_coalesce(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    weft::insert_many([
        new_user("  ann ", None, 20),
        new_user("bob", Some("bob@example.com"), 30),
    ])
    .execute(&db)
    .await?;
    let rows = weft::select::<User>()
        .order_by(User::id)
        .columns((
            weft::trim(User::name),
            weft::coalesce(User::email, "(none)"),
            weft::concat(weft::trim(User::name), "!"),
            weft::concat(User::email, "?"),
        ))
        .all(&db)
        .await?;
    assert_eq!(
        rows,
        [
            ("ann".into(), "(none)".into(), "ann!".into(), None),
            (
                "bob".into(),
                "bob@example.com".into(),
                "bob!".into(),
                Some("bob@example.com?".to_string())
            ),
        ]
    );
    let found = weft::select::<User>()
        .filter(weft::coalesce(User::email, "").eq(""))
        .count(&db)
        .await?;
    assert_eq!(found, 1);
    Ok(())
}

/// Null-safe comparisons treat NULL as a value: two NULLs are not distinct.
#[backends]
async fn null_safe_comparisons(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    weft::insert_many([
        new_user("ann", None, 20),
        new_user("bob", Some("b@example.com"), 30),
        new_user("cid", Some("c@example.com"), 40),
    ])
    .execute(&db)
    .await?;
    let db = &db;
    let names = |q: weft::Select<(User,), weft::All<User>>| async move {
        let users = q.order_by(User::id).all(db).await?;
        weft::Result::Ok(users.into_iter().map(|u| u.name).collect::<Vec<_>>())
    };
    let same = |v: Option<&str>| {
        weft::select::<User>().filter(User::email.is_not_distinct_from(v.map(str::to_owned)))
    };
    let other = |v: Option<&str>| {
        weft::select::<User>().filter(User::email.is_distinct_from(v.map(str::to_owned)))
    };
    assert_eq!(names(same(None)).await?, ["ann"]);
    assert_eq!(names(same(Some("b@example.com"))).await?, ["bob"]);
    assert_eq!(names(other(None)).await?, ["bob", "cid"]);
    assert_eq!(names(other(Some("b@example.com"))).await?, ["ann", "cid"]);
    Ok(())
}

#[backends]
async fn inserts_of_every_column_set_land_as_given(db: Db) -> weft::Result<()> {
    // weft keeps the text of an insert by its table, dialect, columns given and row count,
    // per thread: the column sets alternate here, one row at a time and several, and each
    // row must land as given (a text kept under the wrong key would misplace values).
    db.create_tables::<User>().await?;
    let row = |n: i32| NewUser {
        id: None,
        name: format!("user {n}"),
        email: (n % 2 == 0).then(|| format!("u{n}@example.com")),
        age: (n % 3 == 0).then_some(n),
        active: (n % 4 == 0).then_some(false),
    };
    let expected = |id: i64, n: i32| User {
        id,
        name: format!("user {n}"),
        email: (n % 2 == 0).then(|| format!("u{n}@example.com")),
        age: if n % 3 == 0 { n } else { 0 },
        active: n % 4 != 0,
    };
    for n in 1..=24 {
        weft::insert(row(n)).execute(&db).await?;
    }
    // Several rows with the same columns (n = 12, 24, 36: every one set), then mixed sets.
    weft::insert_many([row(36), row(48), row(60)])
        .execute(&db)
        .await?;
    weft::insert_many([row(25), row(26), row(27)])
        .execute(&db)
        .await?;
    let mut want: Vec<User> = (1..=24).map(|n| expected(n as i64, n)).collect();
    want.extend(
        [36, 48, 60, 25, 26, 27]
            .iter()
            .enumerate()
            .map(|(i, &n)| expected(25 + i as i64, n)),
    );
    let got = weft::select::<User>().order_by(User::id).all(&db).await?;
    assert_eq!(got, want);
    Ok(())
}
