//! Long IN lists (more than 1,000 values, one bind) return the rows the short form returns:
//! text under any column collation on MariaDB, dates and timestamps as sqlx's text on SQLite;
//! and where a list cannot be one bind (floats on SQLite) and passes the bind limit, the
//! statement is refused with a typed error before anything is sent.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use weft::{Backend, Db, Error, NotLoaded, Strategy, Table, find_many};
use weft_tests::backends;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "named")]
pub struct Named {
    #[column(primary_key)]
    pub id: i64,
    /// weft's own collation on MariaDB (binary, NO PAD).
    pub own: String,
    /// `utf8mb4_bin` on MariaDB (binary, PAD SPACE).
    pub bin: String,
    /// `utf8mb4_general_ci` on MariaDB (a table weft did not create).
    pub ci: String,
    /// `utf8mb4_unicode_ci` on MariaDB.
    pub uni: Option<String>,
}

const NAMES: [&str; 10] = [
    "Admin",
    "admin",
    "ADMIN",
    "Admin ",
    "x",
    "é",
    "E",
    "😀",
    "a\"b\\c\n",
    "",
];

/// `short` (at most 1,000 values) and the same values after 1,001 that no row holds.
fn long(short: &[&str]) -> Vec<String> {
    (0..=1000)
        .map(|i| format!("x{i}"))
        .chain(short.iter().map(|s| s.to_string()))
        .collect()
}

#[backends]
async fn long_text_in_lists_compare_under_the_column_collation(db: Db) -> weft::Result<()> {
    db.create_tables::<Named>().await?;
    // Collations are MariaDB's (set up in its own SQL); elsewhere text compares as bytes.
    let collations = db.backend() == Backend::MySql;
    if collations {
        // A table weft did not create: columns of other collations.
        db.execute_sql(
            "ALTER TABLE `named` MODIFY `bin` VARCHAR(100) COLLATE utf8mb4_bin NOT NULL, \
             MODIFY `ci` VARCHAR(100) COLLATE utf8mb4_general_ci NOT NULL, \
             MODIFY `uni` VARCHAR(100) COLLATE utf8mb4_unicode_ci",
            vec![],
        )
        .await?;
    }
    let rows = NAMES.iter().enumerate().map(|(i, s)| Named {
        id: i as i64 + 1,
        own: s.to_string(),
        bin: s.to_string(),
        ci: s.to_string(),
        uni: (i % 3 != 0).then(|| s.to_string()),
    });
    weft::insert_many(rows).execute(&db).await?;
    let lists: [&[&str]; 3] = [
        &["admin"],
        &["Admin", "é ", "😀", "a\"b\\c\n"],
        &["e", "", "ADMIN "],
    ];
    macro_rules! ids {
        ($cond:expr) => {
            weft::select::<Named>()
                .filter($cond)
                .order_by(Named::id)
                .columns(Named::id)
                .all(&db)
                .await?
        };
    }
    macro_rules! check {
        ($col:ident, $wrap:expr) => {
            check!($col, $wrap, [])
        };
        ($col:ident, $wrap:expr, [$($null:expr)?]) => {{
            for short in lists {
                let long: Vec<_> = long(short).into_iter().map($wrap).chain([$($null)?]).collect();
                let short: Vec<_> = short.iter().map(|s| s.to_string()).map($wrap).chain([$($null)?]).collect();
                let sql = weft::select::<Named>().filter(Named::$col.is_in(long.clone())).columns(Named::id).to_sql(db.dialect());
                // One JSON bind (bound twice on MySQL, see `in_list.rs`), or one array.
                let binds = if db.backend() == Backend::MySql { 2 } else { 1 };
                assert_eq!(sql.binds.len(), binds, "{sql}");
                let want = ids!(Named::$col.is_in(short.clone()));
                assert_eq!(ids!(Named::$col.is_in(long.clone())), want, "{} IN {short:?}", stringify!($col));
                let want = ids!(Named::$col.is_not_in(short.clone()));
                assert_eq!(ids!(Named::$col.is_not_in(long.clone())), want, "{} NOT IN {short:?}", stringify!($col));
                let want = ids!(weft::not(Named::$col.is_in(short.clone())));
                assert_eq!(ids!(weft::not(Named::$col.is_in(long.clone()))), want, "NOT {} IN {short:?}", stringify!($col));
            }
        }};
    }
    check!(own, |s| s);
    check!(bin, |s| s);
    check!(ci, |s| s);
    check!(uni, Some);
    // A NULL in the list: `IN` is NULL rather than false where nothing is equal.
    check!(uni, Some, [None]);
    // What the short form finds, per backend: MariaDB's `_ci` columns ignore case, PAD SPACE
    // ones trailing spaces.
    let found = |col: &'static str, ids: Vec<i64>| {
        ids.into_iter()
            .map(move |i| (col, NAMES[i as usize - 1]))
            .collect::<Vec<_>>()
    };
    let admin = long(&["admin"]);
    let own = found("own", ids!(Named::own.is_in(admin.clone())));
    let bin = found("bin", ids!(Named::bin.is_in(long(&["Admin"]))));
    let ci = found("ci", ids!(Named::ci.is_in(admin.clone())));
    assert_eq!(own, [("own", "admin")]);
    if collations {
        assert_eq!(bin, [("bin", "Admin"), ("bin", "Admin ")]);
        assert_eq!(
            ci,
            [
                ("ci", "Admin"),
                ("ci", "admin"),
                ("ci", "ADMIN"),
                ("ci", "Admin ")
            ]
        );
    } else {
        assert_eq!(bin, [("bin", "Admin")]);
        assert_eq!(ci, [("ci", "admin")]);
    }
    // Updates and deletes.
    let changed = weft::update::<Named>()
        .set(Named::uni, None)
        .filter(Named::ci.is_in(admin.clone()))
        .execute(&db)
        .await?;
    assert_eq!(changed as usize, ci.len());
    let gone = weft::delete::<Named>()
        .filter(Named::ci.is_not_in(admin))
        .execute(&db)
        .await?;
    assert_eq!(gone as usize, NAMES.len() - ci.len());
    Ok(())
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "moments")]
pub struct Moment {
    #[column(primary_key)]
    pub id: i64,
    pub at: DateTime<Utc>,
    pub local: NaiveDateTime,
    pub day: NaiveDate,
}

#[backends]
async fn long_in_lists_of_dates_and_timestamps_are_one_bind(db: Db) -> weft::Result<()> {
    db.create_tables::<Moment>().await?;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let mut times: Vec<NaiveDateTime> = vec![
        day(2024, 2, 29).and_hms_opt(23, 59, 59).unwrap(),
        day(2024, 2, 29)
            .and_hms_micro_opt(23, 59, 59, 500_000)
            .unwrap(),
        day(1999, 12, 31).and_hms_micro_opt(0, 0, 0, 1).unwrap(),
        day(1999, 12, 31)
            .and_hms_micro_opt(0, 0, 0, 123_450)
            .unwrap(),
        day(1970, 1, 1)
            .and_hms_micro_opt(12, 0, 0, 999_999)
            .unwrap(),
        day(1000, 1, 1).and_hms_opt(0, 0, 0).unwrap(),
        day(9999, 12, 31)
            .and_hms_micro_opt(23, 59, 59, 999_999)
            .unwrap(),
    ];
    let (first, last) = db.capabilities().years();
    if first <= -44 && last >= 123_456 {
        // Past year 9999 and before year 1 (MySQL's DATETIME holds neither).
        times.extend([
            day(10_000, 1, 1)
                .and_hms_micro_opt(0, 0, 0, 250_000)
                .unwrap(),
            day(123_456, 6, 30).and_hms_opt(1, 2, 3).unwrap(),
            day(0, 1, 1).and_hms_opt(0, 0, 0).unwrap(),
            day(-44, 3, 15).and_hms_micro_opt(12, 30, 0, 10).unwrap(),
        ]);
    }
    let rows: Vec<Moment> = times
        .iter()
        .enumerate()
        .map(|(i, t)| Moment {
            id: i as i64 + 1,
            at: t.and_utc(),
            local: *t,
            day: t.date(),
        })
        .collect();
    weft::insert_many(rows.clone()).execute(&db).await?;
    // Every other row's values, then 1,001 values no row holds (one second after each).
    let picked: Vec<&Moment> = rows.iter().step_by(2).collect();
    let filler = |i: u64| day(2100, 1, 1).and_hms_opt(0, 0, 0).unwrap() + chrono::Days::new(i);
    macro_rules! check {
        ($col:ident, $value:expr) => {{
            let values: Vec<_> = (0..1001)
                .map(filler)
                .map($value)
                .chain(picked.iter().map(|m| m.$col))
                .collect();
            // The rows holding a picked value (some share a date).
            let (want, others): (Vec<&Moment>, Vec<&Moment>) = rows
                .iter()
                .partition(|r| picked.iter().any(|m| m.$col == r.$col));
            let want: Vec<i64> = want.iter().map(|m| m.id).collect();
            let others: Vec<i64> = others.iter().map(|m| m.id).collect();
            let q = weft::select::<Moment>()
                .filter(Moment::$col.is_in(values.clone()))
                .order_by(Moment::id)
                .columns(Moment::id);
            assert_eq!(
                q.to_sql(Backend::Sqlite).binds.len(),
                1,
                "{}",
                stringify!($col)
            );
            assert_eq!(q.all(&db).await?, want, "{} IN", stringify!($col));
            let q = weft::select::<Moment>()
                .filter(Moment::$col.is_not_in(values))
                .order_by(Moment::id)
                .columns(Moment::id);
            assert_eq!(q.all(&db).await?, others, "{} NOT IN", stringify!($col));
        }};
    }
    check!(at, |t: NaiveDateTime| t.and_utc());
    check!(local, |t: NaiveDateTime| t);
    check!(day, |t: NaiveDateTime| t.date());
    Ok(())
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "gauges")]
pub struct Gauge<Readings = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    pub value: f64,
    #[relation(many = Reading)]
    pub readings: Readings,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "readings", index(gauge_id))]
pub struct Reading {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Gauge::id)]
    pub gauge_id: i64,
    pub value: f64,
}

/// Doubles whose shortest decimal text SQLite's parsers may read an ulp off.
fn double(i: i64) -> f64 {
    (i as f64 + 0.1) / 3.0
}

#[backends(strategies)]
async fn float_in_lists_past_the_sqlite_bind_limit_are_refused(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    db.create_tables::<(Gauge, Reading)>().await?;
    weft::insert_many((1..=100).map(|id| Gauge {
        id,
        value: double(id),
        readings: NotLoaded,
    }))
    .execute(&db)
    .await?;
    weft::insert_many((1..=100).map(|id| Reading {
        id,
        gauge_id: id,
        value: double(id),
    }))
    .execute(&db)
    .await?;
    // Every third gauge's value, among as many values as SQLite binds (in one statement with
    // nothing else bound): found exactly, on every backend.
    let limit = weft::Dialect::capabilities(&weft::dialect::Sqlite).max_bind_params as i64;
    let fits: Vec<f64> = (1..=limit)
        .map(|i| if i % 3 == 0 { double(i) } else { -double(i) })
        .collect();
    let every_third: Vec<i64> = (1..=100).filter(|i| i % 3 == 0).collect();
    let q = weft::select::<Gauge>()
        .filter(Gauge::value.is_in(fits.clone()))
        .order_by(Gauge::id)
        .columns(Gauge::id);
    assert_eq!(q.all(&db).await?, every_third);
    // One more value: SQLite cannot bind them, and says so before sending anything.
    let over: Vec<f64> = fits.iter().copied().chain([0.5]).collect();
    let q = weft::select::<Gauge>()
        .filter(Gauge::value.is_in(over.clone()))
        .order_by(Gauge::id)
        .columns(Gauge::id);
    let relation = find_many::<Gauge>()
        .with(
            Gauge::readings
                .filter(Reading::value.is_in(over.clone()))
                .order_by(Reading::id),
        )
        .order_by(Gauge::id)
        .strategy(strategy);
    // Past the dialect's bind limit (SQLite's, which binds floats one by one) the list is
    // refused; elsewhere it is one bind.
    if over.len() > db.capabilities().max_bind_params {
        let refused = |e: Error| match e {
            Error::TooManyBinds {
                backend: Backend::Sqlite,
                limit: 32_766,
                count,
                ref sql,
                ..
            } => {
                assert!(count > 32_766 && sql.contains("IN (?, ?"), "{e}");
                let message = e.to_string();
                assert!(
                    message.contains("32766") && message.contains("split the list"),
                    "{message}"
                );
            }
            e => panic!("not TooManyBinds: {e}"),
        };
        refused(q.all(&db).await.unwrap_err());
        refused(
            weft::delete::<Gauge>()
                .filter(Gauge::value.is_not_in(over.clone()))
                .execute(&db)
                .await
                .unwrap_err(),
        );
        let sent = db.statements_executed();
        refused(relation.all(&db).await.unwrap_err());
        // Batched: the parents were read, then the relation's statement refused (one, not one
        // per parent).
        assert!(db.statements_executed() - sent <= 2);
        // Nothing was deleted, and the connection is still usable.
        assert_eq!(weft::select::<Gauge>().count(&db).await?, 100);
    } else {
        assert_eq!(q.all(&db).await?, every_third);
        let gauges = relation.all(&db).await?;
        let got: Vec<(i64, Vec<i64>)> = gauges
            .iter()
            .map(|g| (g.id, g.readings.iter().map(|r| r.id).collect()))
            .collect();
        let expect: Vec<(i64, Vec<i64>)> = (1..=100)
            .map(|i| (i, if i % 3 == 0 { vec![i] } else { vec![] }))
            .collect();
        assert_eq!(got, expect);
    }
    Ok(())
}
