//! Values come back exactly or are refused with a typed error, in flat reads and in both
//! relation strategies: NULL where a field is not an `Option`, booleans that are not 0 or 1,
//! decimals past rust_decimal's 28 digits, PostgreSQL's `infinity`, floats whose decimal text
//! SQLite gets wrong, -0.0, NaN inside JSON, and dates past year 9999 or before year 1.

use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use weft::{Backend, Db, Error, Json, NotLoaded, Strategy, Table, find_many};
use weft_tests::backends;

#[derive(Table, Debug)]
#[table(name = "exact_parents")]
pub struct Parent<Kids = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[relation(many = Kid)]
    pub kids: Kids,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "exact_kids")]
pub struct Kid {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Parent::id)]
    pub parent_id: i64,
    pub flag: bool,
    pub n: i64,
    pub f: f64,
    pub o_f: Option<f32>,
    pub dec: Decimal,
    pub at: DateTime<Utc>,
    pub local: NaiveDateTime,
    pub day: NaiveDate,
}

/// The same table with every value column nullable: it writes what `Kid` must refuse.
#[derive(Table, Debug, Clone)]
#[table(name = "exact_kids", insert_derive(Clone))]
pub struct LooseKid {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Parent::id)]
    pub parent_id: i64,
    pub flag: Option<bool>,
    pub n: Option<i64>,
    pub f: Option<f64>,
    pub o_f: Option<f32>,
    pub dec: Option<Decimal>,
    pub at: Option<DateTime<Utc>>,
    pub local: Option<NaiveDateTime>,
    pub day: Option<NaiveDate>,
}

fn kid(id: i64) -> Kid {
    let at = DateTime::parse_from_rfc3339("2024-02-29T12:34:56.789012Z")
        .unwrap()
        .with_timezone(&Utc);
    Kid {
        id,
        parent_id: 1,
        flag: id % 2 == 0,
        n: id,
        f: 0.1 + 0.2,
        o_f: Some(0.1),
        dec: Decimal::from_str("1.50").unwrap(),
        at,
        local: at.naive_utc(),
        day: at.date_naive(),
    }
}

fn new_kid(k: &Kid) -> NewKid {
    NewKid {
        id: k.id,
        parent_id: k.parent_id,
        flag: k.flag,
        n: k.n,
        f: k.f,
        o_f: k.o_f,
        dec: k.dec,
        at: k.at,
        local: k.local,
        day: k.day,
    }
}

async fn setup(db: &Db) -> weft::Result<()> {
    db.create_tables::<(Parent, Kid)>().await?;
    weft::insert(NewParent { id: 1 }).execute(db).await?;
    Ok(())
}

/// The kids as a flat select reads them and as a relation load in `strategy` reads them.
async fn read_both(db: &Db, strategy: Strategy) -> weft::Result<(Vec<Kid>, Vec<Kid>)> {
    let flat = weft::select::<Kid>().order_by(Kid::id).all(db).await?;
    let parents = find_many::<Parent>()
        .with(Parent::kids.order_by(Kid::id))
        .strategy(strategy)
        .all(db)
        .await?;
    let nested = parents.into_iter().flat_map(|p| p.kids).collect();
    Ok((flat, nested))
}

/// Both reads fail, each with a decode error naming `column` of `exact_kids`.
async fn both_refuse(db: &Db, strategy: Strategy, column: &str, says: &str) {
    let flat = weft::select::<Kid>().all(db).await;
    let nested = find_many::<Parent>()
        .with(Parent::kids)
        .strategy(strategy)
        .all(db)
        .await;
    for (what, outcome) in [("flat", flat.map(drop)), ("nested", nested.map(drop))] {
        match outcome {
            Err(e @ Error::Decode { .. }) => {
                let text = e.to_string();
                assert!(text.contains(column), "{what}: {text}");
                assert!(text.contains(says), "{what}: {text}");
            }
            other => panic!("{what} read of a bad `{column}` gave {other:?}"),
        }
    }
}

fn q(db: &Db, ident: &str) -> String {
    weft_tests::quote_ident(db, ident)
}

#[backends(strategies)]
async fn ordinary_values_round_trip(db: Db, strategy: Strategy) -> weft::Result<()> {
    setup(&db).await?;
    let kids = vec![kid(1), kid(2)];
    weft::insert_many(kids.iter().map(new_kid))
        .execute(&db)
        .await?;
    let (flat, nested) = read_both(&db, strategy).await?;
    assert_eq!(flat, kids);
    assert_eq!(nested, kids);
    // `1.50` keeps its scale where the backend keeps it (MySQL's DECIMAL(65,28) pads every
    // value to 28 digits, so there weft returns the shortest scale).
    let scale = if db.capabilities().decimal_keeps_scale {
        2
    } else {
        1
    };
    assert_eq!(flat[0].dec.scale(), scale);
    assert_eq!(nested[0].dec.scale(), scale);
    Ok(())
}

#[backends(strategies)]
async fn null_in_a_required_column_is_refused(db: Db, strategy: Strategy) -> weft::Result<()> {
    db.create_tables::<(Parent, LooseKid)>().await?;
    weft::insert(NewParent { id: 1 }).execute(&db).await?;
    let k = kid(1);
    let loose = NewLooseKid {
        id: 1,
        parent_id: 1,
        flag: Some(true),
        n: Some(1),
        f: Some(1.0),
        o_f: None,
        dec: Some(k.dec),
        at: Some(k.at),
        local: Some(k.local),
        day: Some(k.day),
    };
    weft::insert(loose.clone()).execute(&db).await?;
    assert_eq!(read_both(&db, strategy).await?.0.len(), 1);
    // Each value column NULL in turn: never read as 0, 0.0, false or "".
    type SetNull = fn(&mut NewLooseKid);
    let nulls: [(&str, SetNull); 7] = [
        ("flag", |r| r.flag = None),
        ("n", |r| r.n = None),
        ("f", |r| r.f = None),
        ("dec", |r| r.dec = None),
        ("at", |r| r.at = None),
        ("local", |r| r.local = None),
        ("day", |r| r.day = None),
    ];
    for (column, set_null) in nulls {
        weft::delete::<LooseKid>().execute(&db).await?;
        let mut row = loose.clone();
        set_null(&mut row);
        weft::insert(row).execute(&db).await?;
        both_refuse(&db, strategy, column, "NULL").await;
    }
    Ok(())
}

// PostgreSQL's BOOLEAN cannot hold 2: nothing to refuse there.
#[backends(strategies, requires(integer_booleans))]
async fn a_boolean_is_zero_or_one(db: Db, strategy: Strategy) -> weft::Result<()> {
    setup(&db).await?;
    weft::insert(new_kid(&kid(1))).execute(&db).await?;
    let sql = format!("UPDATE {} SET {} = 2", q(&db, "exact_kids"), q(&db, "flag"));
    db.execute_sql(&sql, vec![]).await?;
    both_refuse(&db, strategy, "flag", "not a boolean").await;
    Ok(())
}

#[backends(strategies)]
async fn decimals_past_28_digits_are_refused_not_rounded(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    setup(&db).await?;
    weft::insert(new_kid(&kid(1))).execute(&db).await?;
    let (table, dec) = (q(&db, "exact_kids"), q(&db, "dec"));
    if db.backend() == Backend::MySql {
        // weft's DECIMAL(65,28) cannot hold the 29th digit; a wider column made by hand can.
        db.execute_sql(
            &format!("ALTER TABLE {table} MODIFY {dec} DECIMAL(65,30) NOT NULL"),
            vec![],
        )
        .await?;
    }
    // Written behind weft's back, as text every backend converts.
    let bad = "0.12345678901234567890123456789";
    db.execute_sql(&format!("UPDATE {table} SET {dec} = '{bad}'"), vec![])
        .await?;
    both_refuse(&db, strategy, "dec", "more fractional digits").await;

    // Zeros past the 28th digit change nothing but the scale: read exactly.
    let padded = "1.123456789012345678901234567800";
    db.execute_sql(&format!("UPDATE {table} SET {dec} = '{padded}'"), vec![])
        .await?;
    let (flat, nested) = read_both(&db, strategy).await?;
    let want = Decimal::from_str("1.1234567890123456789012345678").unwrap();
    assert_eq!((flat[0].dec, nested[0].dec), (want, want));
    Ok(())
}

#[backends(strategies)]
async fn timestamps_chrono_cannot_hold_are_errors_not_panics(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    setup(&db).await?;
    weft::insert(new_kid(&kid(1))).execute(&db).await?;
    let table = q(&db, "exact_kids");
    // What each backend can hold that chrono cannot: PostgreSQL's infinities, and text
    // SQLite keeps as it is given.
    let cases: &[(&str, &str)] = match db.backend() {
        Backend::Postgres => &[
            ("at", "'infinity'"),
            ("at", "'-infinity'"),
            ("local", "'infinity'"),
            ("day", "'-infinity'"),
            ("day", "'5874897-12-31'"),
            ("local", "'294276-12-31 23:59:59'"),
        ],
        Backend::Sqlite => &[
            ("at", "'infinity'"),
            ("local", "'+300000-01-01 00:00:00'"),
            ("day", "'2024-02-30'"),
        ],
        // MariaDB's DATETIME and DATE stop at 9999; outside strict mode they take zero dates.
        Backend::MySql => &[
            ("day", "'0000-00-00'"),
            ("local", "'0000-00-00 00:00:00'"),
            ("at", "'2024-00-10 00:00:00'"),
        ],
    };
    let lax = if db.backend() == Backend::MySql {
        "SET STATEMENT sql_mode = '' FOR "
    } else {
        ""
    };
    for (column, literal) in cases {
        weft::delete::<Kid>().execute(&db).await?;
        weft::insert(new_kid(&kid(1))).execute(&db).await?;
        db.execute_sql(
            &format!("{lax}UPDATE {table} SET {} = {literal}", q(&db, column)),
            vec![],
        )
        .await?;
        let flat = weft::select::<Kid>().all(&db).await;
        let nested = find_many::<Parent>()
            .with(Parent::kids)
            .strategy(strategy)
            .all(&db)
            .await;
        assert!(
            matches!(flat, Err(Error::Decode { .. })),
            "{column} = {literal}: {flat:?}"
        );
        assert!(
            matches!(nested, Err(Error::Decode { .. })),
            "{column} = {literal}: {nested:?}"
        );
    }
    Ok(())
}

#[backends(strategies)]
async fn dates_past_9999_and_before_year_1(db: Db, strategy: Strategy) -> weft::Result<()> {
    setup(&db).await?;
    let mut far = kid(1);
    far.day = NaiveDate::from_ymd_opt(10000, 1, 1).unwrap();
    far.local = far.day.and_hms_micro_opt(23, 59, 59, 999_999).unwrap();
    far.at = far.local.and_utc();
    let mut bc = kid(2);
    bc.day = NaiveDate::from_ymd_opt(-43, 3, 15).unwrap();
    bc.local = bc.day.and_hms_opt(12, 0, 0).unwrap();
    bc.at = bc.local.and_utc();
    let (first, last) = db.capabilities().years();
    let mut want = vec![];
    for k in [far, bc] {
        let stored = weft::insert(new_kid(&k)).execute(&db).await;
        if (first..=last).contains(&k.day.year()) {
            stored?;
            want.push(k);
        } else {
            // MySQL's DATETIME and DATE hold years 1000 to 9999: refused before anything is
            // stored.
            assert!(matches!(stored, Err(Error::Value { .. })), "{stored:?}");
        }
    }
    let (flat, nested) = read_both(&db, strategy).await?;
    assert_eq!(flat, want);
    assert_eq!(nested, want);
    Ok(())
}

/// Doubles whose shortest decimal text SQLite's printf() gets wrong in the last digit.
fn hard_doubles() -> Vec<f64> {
    let mut out = vec![
        1e300,
        4.4251604027143375e284,
        1.715373926431966e178,
        1.1910593176322935e-240,
        -3.0797526843217145e-217,
        5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        0.1 + 0.2,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    // And a spread of arbitrary bit patterns (a fixed xorshift sequence).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while out.len() < 200 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let f = f64::from_bits(x);
        if f.is_finite() {
            out.push(f);
        }
    }
    out
}

#[backends(strategies)]
async fn floats_are_exact_in_every_strategy(db: Db, strategy: Strategy) -> weft::Result<()> {
    setup(&db).await?;
    let mut kids = Vec::new();
    for (i, f) in hard_doubles().into_iter().enumerate() {
        if !f.is_finite() && !db.capabilities().stores_infinity {
            continue; // refused there, see below
        }
        let mut k = kid(i as i64 + 1);
        k.f = f;
        k.o_f = Some(f32::from_bits(f.to_bits() as u32)).filter(|g| g.is_finite());
        kids.push(k);
    }
    weft::insert_many(kids.iter().map(new_kid))
        .execute(&db)
        .await?;
    let (flat, nested) = read_both(&db, strategy).await?;
    let bits = |ks: &[Kid]| -> Vec<(u64, Option<u32>)> {
        ks.iter()
            .map(|k| (k.f.to_bits(), k.o_f.map(f32::to_bits)))
            .collect()
    };
    assert_eq!(bits(&flat), bits(&kids));
    assert_eq!(bits(&nested), bits(&kids));
    Ok(())
}

#[backends]
async fn negative_zero_keeps_its_sign_or_is_refused(db: Db) -> weft::Result<()> {
    setup(&db).await?;
    let mut k = kid(1);
    k.f = -0.0;
    let stored = weft::insert(new_kid(&k)).execute(&db).await;
    if db.capabilities().stores_negative_zero {
        stored?;
        let back = weft::select::<Kid>().one(&db).await?;
        assert_eq!(back.f.to_bits(), (-0.0f64).to_bits());
    } else {
        match stored {
            Err(e @ Error::Value { .. }) => {
                let text = e.to_string();
                assert!(text.contains("-0.0"), "{text}");
                // The refusal names the table, column and row.
                assert!(text.contains("column `exact_kids.f` (row 1)"), "{text}");
            }
            other => panic!("-0.0 was not refused: {other:?}"),
        }
    }
    // Compared with, -0.0 is 0.0 everywhere (nothing is stored, nothing refused).
    weft::delete::<Kid>().execute(&db).await?;
    k.f = 0.0;
    weft::insert(new_kid(&k)).execute(&db).await?;
    for found in [
        weft::select::<Kid>()
            .filter(Kid::f.eq(-0.0))
            .all(&db)
            .await?,
        weft::select::<Kid>()
            .filter(Kid::f.is_in([-0.0, 1.0]))
            .all(&db)
            .await?,
        weft::select::<Kid>()
            .filter(Kid::f.between(-0.0, 0.0))
            .all(&db)
            .await?,
    ] {
        assert_eq!(found.len(), 1);
    }
    Ok(())
}

#[derive(Table, Debug)]
#[table(name = "exact_docs")]
pub struct Doc {
    #[column(primary_key)]
    pub id: i64,
    pub body: Json<Vec<f64>>,
}

#[backends]
async fn nan_inside_json_is_refused_not_stored_as_null(db: Db) -> weft::Result<()> {
    db.create_tables::<Doc>().await?;
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let stored = weft::insert(NewDoc {
            id: 1,
            body: Json(vec![1.0, bad]),
        })
        .execute(&db)
        .await;
        match stored {
            Err(e @ Error::Value { .. }) => {
                let text = e.to_string();
                assert!(text.contains("null"), "{text}");
                assert!(text.contains("column `exact_docs.body` (row 1)"), "{text}");
            }
            other => panic!("{bad} inside JSON was not refused: {other:?}"),
        }
        // An update names its column too; a multi-row insert, the row.
        let update = weft::update::<Doc>()
            .set(Doc::body, Json(vec![bad]))
            .execute(&db)
            .await;
        assert!(update.is_err_and(|e| e.to_string().contains("column `exact_docs.body` (row 1)")));
        let rows = [
            NewDoc {
                id: 1,
                body: Json(vec![1.0]),
            },
            NewDoc {
                id: 2,
                body: Json(vec![bad]),
            },
        ];
        let many = weft::insert_many(rows).execute(&db).await;
        assert!(many.is_err_and(|e| e.to_string().contains("column `exact_docs.body` (row 2)")));
    }
    assert!(weft::select::<Doc>().all(&db).await?.is_empty());
    // A real null stays allowed.
    weft::insert(NewDoc {
        id: 2,
        body: Json(vec![1.5]),
    })
    .execute(&db)
    .await?;
    assert_eq!(weft::select::<Doc>().one(&db).await?.body.0, vec![1.5]);
    Ok(())
}
