//! Every supported column type round-trips exactly on every backend: extremes, NULL, empty,
//! unicode. What a backend cannot store is refused before anything is sent.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use weft::{Db, Error, Json, Strategy, Table};
use weft_tests::backends;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Prefs {
    pub theme: String,
    pub big: i64,
    pub ratio: f64,
    pub tags: Vec<String>,
    pub nested: Option<Box<Prefs>>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "everything")]
pub struct Everything {
    #[column(primary_key)]
    pub id: i32,
    pub flag: bool,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub real: f32,
    pub double: f64,
    pub text: String,
    pub bytes: Vec<u8>,
    pub at: DateTime<Utc>,
    pub local: NaiveDateTime,
    pub day: NaiveDate,
    pub uuid: Uuid,
    pub dec: Decimal,
    pub json: Json<Prefs>,
    pub o_flag: Option<bool>,
    pub o_small: Option<i16>,
    pub o_int: Option<i32>,
    pub o_big: Option<i64>,
    pub o_real: Option<f32>,
    pub o_double: Option<f64>,
    pub o_text: Option<String>,
    pub o_bytes: Option<Vec<u8>>,
    pub o_at: Option<DateTime<Utc>>,
    pub o_local: Option<NaiveDateTime>,
    pub o_day: Option<NaiveDate>,
    pub o_uuid: Option<Uuid>,
    pub o_dec: Option<Decimal>,
    pub o_json: Option<Json<Prefs>>,
}

fn prefs(theme: &str) -> Prefs {
    Prefs {
        theme: theme.into(),
        big: i64::MAX,
        ratio: 0.1 + 0.2,
        tags: vec!["a\"b".into(), "🦀".into(), String::new()],
        nested: Some(Box::new(Prefs {
            theme: "inner".into(),
            big: i64::MIN,
            ratio: -1e300,
            tags: vec![],
            nested: None,
        })),
    }
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn minimum() -> Everything {
    let at = at("1000-01-01T00:00:00Z");
    Everything {
        id: 1,
        flag: false,
        small: i16::MIN,
        int: i32::MIN,
        big: i64::MIN,
        real: f32::MIN,
        double: f64::MIN,
        text: String::new(),
        bytes: Vec::new(),
        at,
        local: at.naive_utc(),
        day: NaiveDate::from_ymd_opt(1000, 1, 1).unwrap(),
        uuid: Uuid::nil(),
        dec: Decimal::MIN,
        json: Json(prefs("")),
        o_flag: Some(false),
        o_small: Some(i16::MIN),
        o_int: Some(i32::MIN),
        o_big: Some(i64::MIN),
        o_real: Some(f32::MIN_POSITIVE),
        o_double: Some(f64::MIN_POSITIVE),
        o_text: Some(String::new()),
        o_bytes: Some(Vec::new()),
        o_at: Some(at),
        o_local: Some(at.naive_utc()),
        o_day: Some(NaiveDate::from_ymd_opt(1000, 1, 1).unwrap()),
        o_uuid: Some(Uuid::nil()),
        o_dec: Some(Decimal::new(1, 28)),
        o_json: Some(Json(prefs("min"))),
    }
}

fn maximum() -> Everything {
    let at = at("9999-12-31T23:59:59.999999Z");
    let text = format!(
        "unicode ñ 漢字 Ωμέγα 🦀👍🏽 'quotes' \"double\" \\ {}",
        "x".repeat(100_000)
    );
    Everything {
        id: 2,
        flag: true,
        small: i16::MAX,
        int: i32::MAX,
        big: i64::MAX,
        real: f32::MAX,
        double: f64::MAX,
        text: text.clone(),
        bytes: (0..=255).collect(),
        at,
        local: at.naive_utc(),
        day: NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
        uuid: Uuid::max(),
        dec: Decimal::MAX,
        json: Json(prefs("max ✓")),
        o_flag: Some(true),
        o_small: Some(i16::MAX),
        o_int: Some(i32::MAX),
        o_big: Some(i64::MAX),
        o_real: Some(-0.1),
        o_double: Some(std::f64::consts::PI),
        o_text: Some(text),
        o_bytes: Some(vec![0, 0, 0]),
        o_at: Some(at),
        o_local: Some(at.naive_utc()),
        o_day: Some(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()),
        o_uuid: Some(Uuid::max()),
        o_dec: Some("-12345678901234567890.123456789".parse().unwrap()),
        o_json: Some(Json(prefs("max"))),
    }
}

fn nulls() -> Everything {
    Everything {
        id: 3,
        real: 1.5,
        double: -0.000_001,
        text: "ordinary".into(),
        bytes: b"\x00\xff'\\".to_vec(),
        at: at("2024-02-29T12:34:56.789012Z"),
        local: NaiveDate::from_ymd_opt(2024, 2, 29)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 1)
            .unwrap(),
        day: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        uuid: "67e55044-10b1-426f-9247-bb680e5fe0c8".parse().unwrap(),
        dec: "1.50".parse().unwrap(),
        o_flag: None,
        o_small: None,
        o_int: None,
        o_big: None,
        o_real: None,
        o_double: None,
        o_text: None,
        o_bytes: None,
        o_at: None,
        o_local: None,
        o_day: None,
        o_uuid: None,
        o_dec: None,
        o_json: None,
        ..minimum()
    }
}

#[backends]
async fn every_type_round_trips_exactly(db: Db) -> weft::Result<()> {
    db.create_tables::<Everything>().await?;
    let rows = vec![minimum(), maximum(), nulls()];
    // A multi-row insert: on PostgreSQL one array per column (UNNEST), NULLs included.
    let sql = weft::insert_many(&rows).to_sql(db.dialect());
    assert_eq!(
        sql[0].text.contains("UNNEST"),
        db.capabilities().array_binds
    );
    weft::insert_many(&rows).execute(&db).await?;
    let back = weft::select::<Everything>()
        .order_by(Everything::id)
        .all(&db)
        .await?;
    assert_eq!(back.len(), rows.len());
    for (got, want) in back.iter().zip(&rows) {
        assert_eq!(got, want);
        // Bit-exact floats (PartialEq treats -0.0 and 0.0 alike).
        assert_eq!(got.double.to_bits(), want.double.to_bits());
        assert_eq!(got.real.to_bits(), want.real.to_bits());
    }
    // RETURNING decodes the same way.
    let returned = weft::delete::<Everything>()
        .filter(Everything::id.eq(2))
        .returning()
        .all(&db)
        .await?;
    assert_eq!(returned, [maximum()]);

    // Filtering by each type finds the row.
    let found = weft::select::<Everything>()
        .filter(Everything::uuid.eq(Uuid::nil()))
        .filter(Everything::at.eq(at("1000-01-01T00:00:00Z")))
        .filter(Everything::day.eq(NaiveDate::from_ymd_opt(1000, 1, 1).unwrap()))
        .filter(Everything::bytes.eq(Vec::new()))
        .filter(Everything::o_dec.eq(Decimal::new(1, 28)))
        .filter(Everything::big.eq(i64::MIN))
        .columns(Everything::id)
        .all(&db)
        .await?;
    assert_eq!(found, [1]);

    // The same rows through the insert form (values moved, not copied) and RETURNING.
    weft::delete::<Everything>().execute(&db).await?;
    let forms = rows.iter().cloned().map(|e| NewEverything {
        id: e.id,
        flag: e.flag,
        small: e.small,
        int: e.int,
        big: e.big,
        real: e.real,
        double: e.double,
        text: e.text,
        bytes: e.bytes,
        at: e.at,
        local: e.local,
        day: e.day,
        uuid: e.uuid,
        dec: e.dec,
        json: e.json,
        o_flag: e.o_flag,
        o_small: e.o_small,
        o_int: e.o_int,
        o_big: e.o_big,
        o_real: e.o_real,
        o_double: e.o_double,
        o_text: e.o_text,
        o_bytes: e.o_bytes,
        o_at: e.o_at,
        o_local: e.o_local,
        o_day: e.o_day,
        o_uuid: e.o_uuid,
        o_dec: e.o_dec,
        o_json: e.o_json,
    });
    let returned = weft::insert_many(forms).returning().all(&db).await?;
    assert_eq!(returned, rows);
    Ok(())
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "floats")]
pub struct Floats {
    #[column(primary_key)]
    pub id: i32,
    pub double: f64,
    pub real: Option<f32>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "instants")]
pub struct Instants {
    #[column(primary_key)]
    pub id: i32,
    pub at: DateTime<Utc>,
}

/// BIGINTs whose decimal text is as long as their binary form (eight characters) and at the
/// ends of the range read back exactly, through statements with and without binds and a
/// hand-written one: the MySQL family reads them straight from the row's bytes, which are
/// binary-protocol bytes only because weft sends every statement prepared (see
/// `sqlx_mysql.rs`, `bigint`); a text-protocol row would read wrong here.
#[backends]
async fn big_integers_of_every_width_read_back_exactly(db: Db) -> weft::Result<()> {
    #[derive(Table, Debug, Clone, PartialEq)]
    #[table(name = "widths")]
    pub struct Widths {
        #[column(primary_key)]
        pub id: i64,
        pub big: i64,
        pub label: String,
    }
    db.create_tables::<Widths>().await?;
    let values = [
        12_345_678,
        -1_234_567,
        10_000_000,
        99_999_999,
        0,
        -1,
        i64::MAX,
        i64::MIN,
        i64::MIN + 1,
        0x3837_3635_3433_3231, // the bytes of "12345678", read as little-endian
    ];
    let rows: Vec<Widths> = values
        .iter()
        .enumerate()
        .map(|(i, &big)| Widths {
            id: 10_000_000 + i as i64,
            big,
            label: big.to_string(),
        })
        .collect();
    weft::insert_many(&rows).execute(&db).await?;
    let all = weft::select::<Widths>()
        .order_by(Widths::id)
        .all(&db)
        .await?;
    assert_eq!(all, rows);
    for row in &rows {
        let found = weft::select::<Widths>()
            .filter(Widths::big.eq(row.big))
            .one(&db)
            .await?;
        assert_eq!(&found, row);
    }
    let raw: Vec<(i64, i64, String)> = weft::raw("SELECT id, big, label FROM widths ORDER BY id")
        .fetch_all(&db)
        .await?;
    let expected: Vec<(i64, i64, String)> = rows
        .iter()
        .map(|r| (r.id, r.big, r.label.clone()))
        .collect();
    assert_eq!(raw, expected);
    Ok(())
}

#[backends]
async fn values_a_backend_cannot_store_are_refused(db: Db) -> weft::Result<()> {
    db.create_tables::<(Floats, Instants)>().await?;
    let caps = db.capabilities();
    let nan = weft::insert(Floats {
        id: 1,
        double: f64::NAN,
        real: None,
    })
    .execute(&db)
    .await;
    let inf = weft::insert(Floats {
        id: 2,
        double: f64::INFINITY,
        real: Some(f32::NEG_INFINITY),
    })
    .execute(&db)
    .await;
    match (caps.stores_nan, caps.stores_infinity) {
        (true, true) => {
            nan?;
            inf?;
            let back = weft::select::<Floats>()
                .order_by(Floats::id)
                .all(&db)
                .await?;
            assert!(back[0].double.is_nan());
            assert_eq!(
                (back[1].double, back[1].real),
                (f64::INFINITY, Some(f32::NEG_INFINITY))
            );
        }
        (false, true) => {
            // SQLite would turn NaN into NULL: refused. Infinities are stored.
            assert!(matches!(nan, Err(Error::Value { index: 2, .. })), "{nan:?}");
            inf?;
            let back = weft::select::<Floats>().all(&db).await?;
            assert_eq!(
                back,
                [Floats {
                    id: 2,
                    double: f64::INFINITY,
                    real: Some(f32::NEG_INFINITY)
                }]
            );
        }
        (false, false) => {
            assert!(matches!(nan, Err(Error::Value { index: 2, .. })), "{nan:?}");
            assert!(matches!(inf, Err(Error::Value { index: 2, .. })), "{inf:?}");
            assert_eq!(weft::select::<Floats>().count(&db).await?, 0);
        }
        (true, false) => panic!("a dialect storing NaN but not infinity: extend this test"),
    }

    // The same checks hold for a multi-row insert (PostgreSQL binds it as arrays).
    let rows = [
        Floats {
            id: 3,
            double: 1.0,
            real: Some(f32::NAN),
        },
        Floats {
            id: 4,
            double: f64::NEG_INFINITY,
            real: None,
        },
    ];
    let many = weft::insert_many(rows).execute(&db).await;
    let stored = weft::select::<Floats>()
        .filter(Floats::id.ge(3))
        .order_by(Floats::id);
    if caps.stores_nan && caps.stores_infinity {
        assert_eq!(many?, 2);
        let back = stored.all(&db).await?;
        assert!(back[0].real.is_some_and(f32::is_nan), "{back:?}");
        assert_eq!((back[1].double, back[1].real), (f64::NEG_INFINITY, None));
    } else {
        assert!(
            matches!(many, Err(Error::Value { index: 3, .. })),
            "{many:?}"
        );
        assert_eq!(stored.count(&db).await?, 0);
    }
    // A timestamp finer than the microsecond is stored truncated on every backend (the
    // documented rule; tests/backends/timestamps.rs covers it in full).
    let precise = at("2024-01-01T00:00:00.123456789Z");
    weft::insert(Instants { id: 1, at: precise })
        .execute(&db)
        .await?;
    assert_eq!(
        weft::select::<Instants>()
            .columns(Instants::at)
            .one(&db)
            .await?,
        at("2024-01-01T00:00:00.123456Z")
    );
    Ok(())
}

#[backends]
async fn unencodable_json_is_refused(db: Db) -> weft::Result<()> {
    #[derive(Table, Debug)]
    #[table(name = "maps")]
    pub struct Maps {
        #[column(primary_key)]
        pub id: i32,
        pub map: Json<std::collections::HashMap<(i32, i32), i32>>,
    }
    db.create_tables::<Maps>().await?;
    let map = [((1, 2), 3)].into_iter().collect();
    let err = weft::insert(Maps {
        id: 1,
        map: Json(map),
    })
    .execute(&db)
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Value { index: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("JSON"), "{err}");
    Ok(())
}

/// More fields than one tuple holds: the derive nests them.
#[derive(weft::Selectable, Debug, PartialEq)]
#[selectable(table = Everything)]
pub struct Thirteen {
    pub id: i32,
    pub flag: bool,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub real: f32,
    pub double: f64,
    pub text: String,
    pub bytes: Vec<u8>,
    pub day: NaiveDate,
    pub uuid: Uuid,
    pub dec: Decimal,
    pub o_text: Option<String>,
}

#[backends]
async fn selectable_struct_with_many_fields(db: Db) -> weft::Result<()> {
    db.create_tables::<Everything>().await?;
    weft::insert(nulls()).execute(&db).await?;
    let row = weft::select::<Everything>()
        .columns(Thirteen::as_select())
        .one(&db)
        .await?;
    let n = nulls();
    assert_eq!(
        row,
        Thirteen {
            id: n.id,
            flag: n.flag,
            small: n.small,
            int: n.int,
            big: n.big,
            real: n.real,
            double: n.double,
            text: n.text,
            bytes: n.bytes,
            day: n.day,
            uuid: n.uuid,
            dec: n.dec,
            o_text: n.o_text,
        }
    );
    Ok(())
}

#[backends]
async fn text_with_nul_is_stored_or_refused_never_cut(db: Db) -> weft::Result<()> {
    #[derive(Table, Debug, PartialEq)]
    #[table(name = "nul_text")]
    pub struct NulText {
        #[column(primary_key)]
        pub id: i32,
        pub text: String,
    }
    db.create_tables::<NulText>().await?;
    let result = weft::insert(NulText {
        id: 1,
        text: "a\0b".into(),
    })
    .execute(&db)
    .await;
    if db.capabilities().text_holds_nul {
        result?;
        assert_eq!(weft::select::<NulText>().one(&db).await?.text, "a\0b");
    } else {
        // PostgreSQL text cannot hold NUL: the server refuses it.
        assert!(matches!(result, Err(Error::Query { .. })), "{result:?}");
    }
    Ok(())
}

/// Every column type nested under a parent, loaded by either strategy.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "holders")]
pub struct Holder<Items = weft::NotLoaded> {
    #[column(primary_key)]
    pub id: i32,
    #[relation(many = Nested)]
    pub items: Items,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "nested")]
pub struct Nested {
    #[column(primary_key)]
    pub id: i32,
    #[column(references = Holder::id)]
    pub holder_id: i32,
    pub flag: bool,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub real: f32,
    pub double: f64,
    pub text: String,
    pub bytes: Vec<u8>,
    pub at: DateTime<Utc>,
    pub local: NaiveDateTime,
    pub day: NaiveDate,
    pub uuid: Uuid,
    pub dec: Decimal,
    pub json: Json<Prefs>,
    pub o_flag: Option<bool>,
    pub o_real: Option<f32>,
    pub o_double: Option<f64>,
    pub o_text: Option<String>,
    pub o_bytes: Option<Vec<u8>>,
    pub o_at: Option<DateTime<Utc>>,
    pub o_uuid: Option<Uuid>,
    pub o_dec: Option<Decimal>,
    pub o_json: Option<Json<Prefs>>,
}

fn nested(e: Everything) -> Nested {
    Nested {
        id: e.id,
        holder_id: 1,
        flag: e.flag,
        small: e.small,
        int: e.int,
        big: e.big,
        real: e.real,
        double: e.double,
        text: e.text,
        bytes: e.bytes,
        at: e.at,
        local: e.local,
        day: e.day,
        uuid: e.uuid,
        dec: e.dec,
        json: e.json,
        o_flag: e.o_flag,
        o_real: e.o_real,
        o_double: e.o_double,
        o_text: e.o_text,
        o_bytes: e.o_bytes,
        o_at: e.o_at,
        o_uuid: e.o_uuid,
        o_dec: e.o_dec,
        o_json: e.o_json,
    }
}

#[backends(strategies)]
async fn every_type_round_trips_nested(db: Db, strategy: Strategy) -> weft::Result<()> {
    db.create_tables::<(Holder, Nested)>().await?;
    weft::insert(Holder {
        id: 1,
        items: weft::NotLoaded,
    })
    .execute(&db)
    .await?;
    let mut rows = vec![nested(minimum()), nested(maximum()), nested(nulls())];
    let mut specials = vec![];
    // What each backend stores beyond the ordinary: infinities, and NaN on PostgreSQL (which
    // gets the infinities' signs the other way round from SQLite, so both are read nested).
    let caps = db.capabilities();
    match (caps.stores_nan, caps.stores_infinity) {
        (true, true) => specials.extend([(f64::NAN, f32::NAN), (f64::INFINITY, f32::NEG_INFINITY)]),
        (false, true) => specials.push((f64::NEG_INFINITY, f32::INFINITY)),
        (false, false) => {}
        (true, false) => panic!("a dialect storing NaN but not infinity: extend this test"),
    }
    for (i, (d, r)) in specials.into_iter().enumerate() {
        let mut row = nested(nulls());
        row.id = 10 + i as i32;
        row.double = d;
        row.o_double = Some(d);
        row.real = r;
        row.o_real = Some(r);
        rows.push(row);
    }
    weft::insert_many(&rows).execute(&db).await?;

    let holder = weft::find_first::<Holder>()
        .with(Holder::items.order_by(Nested::id))
        .strategy(strategy)
        .first(&db)
        .await?
        .expect("the holder");
    assert_eq!(holder.items.len(), rows.len());
    for (got, want) in holder.items.iter().zip(&rows) {
        let bits = |n: &Nested| {
            (
                n.double.to_bits(),
                n.real.to_bits(),
                n.o_double.map(f64::to_bits),
                n.o_real.map(f32::to_bits),
            )
        };
        if want.double.is_nan() {
            assert!(got.double.is_nan() && got.real.is_nan(), "{got:?}");
            assert!(
                got.o_double.is_some_and(f64::is_nan) && got.o_real.is_some_and(f32::is_nan),
                "{got:?}"
            );
            assert_eq!(
                Nested {
                    double: 0.0,
                    real: 0.0,
                    o_double: None,
                    o_real: None,
                    ..got.clone()
                },
                Nested {
                    double: 0.0,
                    real: 0.0,
                    o_double: None,
                    o_real: None,
                    ..want.clone()
                }
            );
        } else {
            assert_eq!(got, want);
            assert_eq!(bits(got), bits(want), "floats are bit-exact");
        }
    }
    Ok(())
}
