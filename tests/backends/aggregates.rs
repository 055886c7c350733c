//! Aggregates, grouping and DISTINCT (issue 10, item 2): the same body on every backend, and
//! the SQL rendered for PostgreSQL, MariaDB and MySQL proper.

use weft::{Backend, Db, Error, Table};
use weft_tests::backends;

use crate::tables::*;

/// Integers of every width, to check that sums widen and are read exactly.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "agg_numbers")]
pub struct Numbers {
    #[column(primary_key, auto)]
    pub id: i64,
    pub kind: String,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub maybe: Option<i64>,
}

fn number(kind: &str, small: i16, int: i32, big: i64, maybe: Option<i64>) -> NewNumbers {
    NewNumbers {
        id: None,
        kind: kind.into(),
        small,
        int,
        big,
        maybe,
    }
}

/// Amounts of money, summed exactly.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "agg_prices")]
pub struct Price {
    #[column(primary_key, auto)]
    pub id: i64,
    pub amount: rust_decimal::Decimal,
}

#[backends]
async fn decimal_sums_are_exact_or_refused(db: Db) -> weft::Result<()> {
    use rust_decimal::Decimal;
    db.create_tables::<(Price,)>().await?;
    weft::insert_many(["0.10", "0.20", "1234567890.123456789"].map(|a| NewPrice {
        id: None,
        amount: a.parse().expect("a decimal"),
    }))
    .execute(&db)
    .await?;
    let total = weft::select::<Price>()
        .columns(weft::sum(Price::amount))
        .one(&db)
        .await;
    if db.capabilities().exact_decimal_sum {
        // As floats 0.1 + 0.2 would be 0.30000000000000004.
        let expected: Decimal = "1234567890.423456789".parse().expect("a decimal");
        assert_eq!(total?, Some(expected));
    } else {
        match total {
            Err(Error::Unsupported { what, .. }) => assert_eq!(what, "an exact sum of decimals"),
            other => panic!("expected Error::Unsupported, got {other:?}"),
        }
    }
    Ok(())
}

fn ungrouped<T: std::fmt::Debug>(out: weft::Result<T>) {
    match out {
        Err(Error::Unsupported { what, hint, .. }) => {
            assert!(
                what.contains("neither grouped nor inside an aggregate"),
                "{what}"
            );
            assert!(hint.contains("group_by"), "{hint}");
        }
        other => panic!("expected Error::Unsupported, got {other:?}"),
    }
}

#[backends]
async fn counts_sums_averages_and_extremes(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let (users, emails, age, mean, youngest, oldest) = weft::select::<User>()
        .columns((
            weft::count(),
            weft::count_of(User::email),
            weft::sum(User::age),
            weft::avg(User::age),
            weft::min(User::age),
            weft::max(User::age),
        ))
        .one(&db)
        .await?;
    assert_eq!(
        (users, emails, age, mean, youngest, oldest),
        (3, 2, Some(90), Some(30.0), Some(25), Some(35))
    );
    let (authors, score, mean, first) = weft::select::<Post>()
        .columns((
            weft::count_distinct(Post::user_id),
            weft::sum(Post::score),
            weft::avg(Post::score),
            weft::min(Post::title),
        ))
        .one(&db)
        .await?;
    // Two scores (1.5 and -2.0): NULLs are left out of sums and averages.
    assert_eq!(
        (authors, score, mean, first),
        (2, Some(-0.5), Some(-0.25), Some("again".to_owned()))
    );
    Ok(())
}

#[backends]
async fn aggregates_over_no_rows_are_none(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let row = weft::select::<User>()
        .columns((
            weft::count(),
            weft::sum(User::age),
            weft::avg(User::age),
            weft::min(User::name),
            weft::max(User::age),
        ))
        .filter(User::age.gt(100))
        .one(&db)
        .await?;
    assert_eq!(row, (0, None, None, None, None));
    Ok(())
}

/// An aggregate without GROUP BY returns one row, and `count` says so (it counted the table's
/// rows before).
#[backends]
async fn count_of_an_aggregate_query_is_one(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let q = weft::select::<Post>().columns(weft::count());
    assert_eq!(q.all(&db).await?.len(), 1);
    assert_eq!(q.count(&db).await?, 1);
    let limited = weft::select::<Post>().columns(weft::max(Post::id)).limit(5);
    assert_eq!(limited.count(&db).await?, 1);
    Ok(())
}

#[backends]
async fn sums_widen_and_read_exactly(db: Db) -> weft::Result<()> {
    db.create_tables::<(Numbers,)>().await?;
    weft::insert_many([
        number("a", i16::MAX, i32::MAX, i64::MAX - 10, Some(1)),
        number("a", i16::MAX, i32::MAX, 10, None),
        number("b", 1, 1, i64::MAX, Some(i64::MAX)),
        number("b", 1, 1, 1, Some(1)),
    ])
    .execute(&db)
    .await?;
    // A sum of i16s or i32s past their own range is an i64; a sum of i64s that fits is exact
    // (i64::MAX is not a double: a float path would round it).
    let a = weft::select::<Numbers>()
        .columns((
            weft::sum(Numbers::small),
            weft::sum(Numbers::int),
            weft::sum(Numbers::big),
            weft::sum(Numbers::maybe),
            weft::avg(Numbers::int),
        ))
        .filter(Numbers::kind.eq("a"))
        .one(&db)
        .await?;
    assert_eq!(
        a,
        (
            Some(2 * i64::from(i16::MAX)),
            Some(2 * i64::from(i32::MAX)),
            Some(i64::MAX),
            Some(1),
            Some(f64::from(i32::MAX))
        )
    );
    // Past i64: an error on every backend, never a wrapped or rounded value.
    let past = weft::select::<Numbers>()
        .columns(weft::sum(Numbers::big))
        .filter(Numbers::kind.eq("b"))
        .one(&db)
        .await;
    match (db.backend(), past) {
        // SQLite's own SUM fails the statement.
        (Backend::Sqlite, Err(Error::Query { source, .. })) => {
            assert!(source.to_string().contains("integer overflow"), "{source}")
        }
        // PostgreSQL's NUMERIC and MariaDB's DECIMAL sum is read exactly and refused.
        (_, Err(Error::Decode { message, .. })) => {
            assert!(message.contains("i64"), "{message}")
        }
        (_, other) => panic!("expected an overflow error, got {other:?}"),
    }
    Ok(())
}

#[backends]
async fn group_by_with_having_and_order(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let per_user = weft::select::<Post>()
        .columns((Post::user_id, weft::count(), weft::max(Post::score)))
        .group_by(Post::user_id)
        .order_by(weft::count().desc())
        .all(&db)
        .await?;
    assert_eq!(per_user, [(1, 2, Some(1.5)), (2, 1, Some(-2.0))]);
    let busy = weft::select::<Post>()
        .columns(Post::user_id)
        .group_by(Post::user_id)
        .having(weft::count().gt(1))
        .all(&db)
        .await?;
    assert_eq!(busy, [1]);
    // Grouped over a join, with a filter after the grouping (still WHERE) and a limit.
    let names = weft::select::<User>()
        .inner_join::<Post>()
        .on(Post::user_id.eq(User::id))
        .columns((User::name, weft::count_of(Post::score)))
        .group_by(User::name)
        .filter(User::age.lt(40))
        .order_by(User::name)
        .limit(10)
        .all(&db)
        .await?;
    assert_eq!(names, [("ann".to_owned(), 1), ("bob".to_owned(), 1)]);
    // A grouped query counts its groups.
    let groups = weft::select::<Post>()
        .columns(Post::user_id)
        .group_by(Post::user_id);
    assert_eq!(groups.count(&db).await?, 2);
    // Several keys, as a tuple; HAVING on a key.
    let pairs = weft::select::<User>()
        .columns((User::active, User::age, weft::count()))
        .group_by((User::active, User::age))
        .having(User::age.ge(30))
        .order_by(User::age)
        .all(&db)
        .await?;
    assert_eq!(pairs, [(true, 30, 1), (true, 35, 1)]);
    Ok(())
}

#[backends]
async fn ungrouped_columns_are_refused_everywhere(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // An aggregate beside a plain column, without GROUP BY.
    ungrouped(
        weft::select::<User>()
            .columns((User::name, weft::count()))
            .all(&db)
            .await,
    );
    // A column that is not a key.
    ungrouped(
        weft::select::<User>()
            .columns((User::name, weft::count()))
            .group_by(User::age)
            .all(&db)
            .await,
    );
    // In HAVING and ORDER BY too.
    ungrouped(
        weft::select::<User>()
            .columns(User::age)
            .group_by(User::age)
            .having(User::name.eq("ann"))
            .all(&db)
            .await,
    );
    ungrouped(
        weft::select::<User>()
            .columns(User::age)
            .group_by(User::age)
            .order_by(User::name)
            .all(&db)
            .await,
    );
    // An aggregate in WHERE: every server refuses it; weft says where it goes.
    match weft::select::<User>()
        .columns(User::age)
        .filter(weft::count().gt(1))
        .all(&db)
        .await
    {
        Err(Error::Unsupported { what, hint, .. }) => {
            assert!(what.contains("WHERE"), "{what}");
            assert!(hint.contains("having"), "{hint}");
        }
        other => panic!("expected Error::Unsupported, got {other:?}"),
    }
    // A key inside an expression is fine; a column inside an aggregate is fine.
    let rows = weft::select::<User>()
        .columns((weft::lower(User::name), weft::max(User::age)))
        .group_by(weft::lower(User::name))
        .order_by(weft::lower(User::name).asc())
        .all(&db)
        .await?;
    assert_eq!(rows.len(), 3);
    Ok(())
}

#[backends]
async fn distinct_and_distinct_on(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let authors = weft::select::<Post>()
        .columns(Post::user_id)
        .distinct()
        .order_by(Post::user_id);
    assert_eq!(authors.all(&db).await?, [1, 2]);
    assert_eq!(authors.count(&db).await?, 2);
    // The latest post of each user.
    let latest = weft::select::<Post>()
        .columns((Post::user_id, Post::title))
        .distinct_on(Post::user_id)
        .order_by(Post::user_id)
        .order_by(Post::id.desc());
    if db.capabilities().distinct_on {
        assert_eq!(
            latest.all(&db).await?,
            [(1, "again".to_owned()), (2, "bob's".to_owned())]
        );
        assert_eq!(latest.count(&db).await?, 2);
    } else {
        match latest.all(&db).await {
            Err(Error::Unsupported { what, .. }) => assert_eq!(what, "DISTINCT ON"),
            other => panic!("expected Error::Unsupported, got {other:?}"),
        }
    }
    Ok(())
}

#[test]
fn sql_per_dialect() {
    let q = weft::select::<Post>()
        .columns((Post::user_id, weft::count(), weft::avg(Post::score)))
        .group_by(Post::user_id)
        .having(weft::count().gt(1))
        .order_by(weft::count().desc());
    assert_eq!(
        q.to_sql(Backend::Postgres).text,
        r#"SELECT "posts"."user_id", COUNT(*), AVG(CAST("posts"."score" AS DOUBLE PRECISION)) FROM "posts" GROUP BY "posts"."user_id" HAVING COUNT(*) > $1 ORDER BY COUNT(*) DESC"#
    );
    let maria = "SELECT `posts`.`user_id`, COUNT(*), AVG(CAST(`posts`.`score` AS DOUBLE)) FROM `posts` GROUP BY `posts`.`user_id` HAVING COUNT(*) > ? ORDER BY COUNT(*) DESC";
    assert_eq!(q.to_sql(&weft::dialect::MariaDb).text, maria);
    assert_eq!(q.to_sql(Backend::MySql).text, maria);
    assert_eq!(
        q.to_sql(Backend::Sqlite).text,
        r#"SELECT "posts"."user_id", COUNT(*), AVG(CAST("posts"."score" AS REAL)) FROM "posts" GROUP BY "posts"."user_id" HAVING COUNT(*) > ? ORDER BY COUNT(*) DESC"#
    );
    let d = weft::select::<Post>()
        .columns((weft::count_distinct(Post::user_id), weft::sum(Post::id)))
        .filter(Post::score.is_not_null());
    assert_eq!(
        d.to_sql(Backend::Postgres).text,
        r#"SELECT COUNT(DISTINCT "posts"."user_id"), SUM("posts"."id") FROM "posts" WHERE "posts"."score" IS NOT NULL"#
    );
    assert_eq!(
        d.to_sql(&weft::dialect::MariaDb).text,
        "SELECT COUNT(DISTINCT `posts`.`user_id`), SUM(`posts`.`id`) FROM `posts` WHERE `posts`.`score` IS NOT NULL"
    );
    let on = weft::select::<Post>()
        .columns(Post::title)
        .distinct_on(Post::user_id)
        .order_by(Post::user_id);
    assert_eq!(
        on.to_sql(Backend::Postgres).text,
        r#"SELECT DISTINCT ON ("posts"."user_id") "posts"."title" FROM "posts" ORDER BY "posts"."user_id""#
    );
    let money = weft::select::<Price>().columns(weft::sum(Price::amount));
    assert_eq!(
        money.to_sql(Backend::Postgres).text,
        r#"SELECT SUM(CAST("agg_prices"."amount" AS NUMERIC)) FROM "agg_prices""#
    );
    assert_eq!(
        money.to_sql(&weft::dialect::MariaDb).text,
        "SELECT SUM(CAST(`agg_prices`.`amount` AS DECIMAL(65,28))) FROM `agg_prices`"
    );
    let distinct = weft::select::<Post>().columns(Post::user_id).distinct();
    assert_eq!(
        distinct.to_sql(Backend::MySql).text,
        "SELECT DISTINCT `posts`.`user_id` FROM `posts`"
    );
    assert_eq!(
        distinct.count_sql(Backend::Postgres).text,
        r#"SELECT COUNT(*) FROM (SELECT DISTINCT "posts"."user_id" AS "c1" FROM "posts") AS "counted""#
    );
}

/// Grouping by an expression with values in it (`SUBSTR(name, ?, ?)`) that is also selected:
/// PostgreSQL numbers the copies' binds apart, so weft groups by the position.
#[backends]
async fn group_by_an_expression_with_values(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    weft::insert(new_user("bea", None, 40)).execute(&db).await?;
    let first = || weft::substr(User::name, 1, 1);
    let q = weft::select::<User>()
        .columns((first(), weft::count()))
        .group_by(first());
    assert!(q.to_sql(db.dialect()).text.contains("GROUP BY 1"));
    let mut rows = q.all(&db).await?;
    rows.sort();
    assert_eq!(
        rows,
        [
            ("a".to_string(), 1),
            ("b".to_string(), 2),
            ("c".to_string(), 1)
        ]
    );
    Ok(())
}

/// `DISTINCT` ordered by a column it does not select: PostgreSQL refuses it and the others
/// would order duplicates by an arbitrary row, so weft refuses it everywhere before sending.
#[backends]
async fn distinct_ordered_by_an_unselected_column_is_refused(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let q = weft::select::<User>()
        .columns(User::active)
        .distinct()
        .order_by(User::age);
    match q.all(&db).await {
        Err(Error::Unsupported { what, .. }) => {
            assert!(what.starts_with("SELECT DISTINCT ordered"))
        }
        other => panic!("expected Error::Unsupported, got {other:?}"),
    }
    let ordered = weft::select::<User>()
        .columns(User::active)
        .distinct()
        .order_by(User::active)
        .all(&db)
        .await?;
    assert_eq!(ordered, [true]);
    Ok(())
}
