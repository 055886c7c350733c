//! The integer types without a SQL type of their own (`i8`, `u8`, `u16`, `u32`, `u64`),
//! `serde_json::Value` and the `time` crate's types: round trips at the extremes, filters,
//! nested loads on both strategies, and values that do not fit refused both ways.

use serde_json::json;
use weft::{Db, Error, NotLoaded, Strategy, Table};
use weft_tests::backends;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "more_owners")]
pub struct Owner<Items = NotLoaded> {
    #[column(primary_key)]
    pub id: u32,
    #[relation(many = More)]
    pub items: Items,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "more_types")]
pub struct More {
    #[column(primary_key)]
    pub id: u64,
    #[column(references = Owner::id)]
    pub owner: u32,
    pub tiny: i8,
    pub byte: u8,
    pub word: u16,
    pub dword: u32,
    pub qword: u64,
    pub doc: serde_json::Value,
    pub at: time::OffsetDateTime,
    pub local: time::PrimitiveDateTime,
    pub day: time::Date,
    pub o_byte: Option<u8>,
    pub o_qword: Option<u64>,
    pub o_doc: Option<serde_json::Value>,
    pub o_at: Option<time::OffsetDateTime>,
}

fn extremes() -> Vec<More> {
    use time::macros::{date, datetime};
    let low = More {
        id: 1,
        owner: u32::MAX,
        tiny: i8::MIN,
        byte: u8::MIN,
        word: u16::MIN,
        dword: u32::MIN,
        qword: 0,
        doc: json!([]),
        at: datetime!(1000-01-01 00:00:00 UTC),
        local: datetime!(1000-01-01 00:00:00),
        day: date!(1000 - 01 - 01),
        o_byte: None,
        o_qword: None,
        o_doc: None,
        o_at: None,
    };
    let high = More {
        id: i64::MAX as u64,
        owner: u32::MAX,
        tiny: i8::MAX,
        byte: u8::MAX,
        word: u16::MAX,
        dword: u32::MAX,
        qword: i64::MAX as u64,
        doc: json!({"a": [1, -2.5, "é", true, null], "b": {"c": u64::MAX}}),
        // An offset other than UTC: stored as the instant, read back in UTC (equal as instants).
        at: datetime!(9999-12-31 23:59:59.999999 +02:00),
        local: datetime!(9999-12-31 23:59:59.999999),
        day: date!(9999 - 12 - 31),
        o_byte: Some(200),
        o_qword: Some(1 << 40),
        o_doc: Some(json!({"k": "v"})),
        o_at: Some(datetime!(2024-02-29 12:00:00.5 UTC)),
    };
    vec![low, high]
}

#[backends]
async fn more_types_round_trip_at_the_extremes(db: Db) -> weft::Result<()> {
    db.create_tables::<(Owner, More)>().await?;
    weft::insert(Owner {
        id: u32::MAX,
        items: NotLoaded,
    })
    .execute(&db)
    .await?;
    let rows = extremes();
    weft::insert_many(&rows).execute(&db).await?;
    let back = weft::select::<More>().order_by(More::id).all(&db).await?;
    assert_eq!(back, rows);
    // Filters compare with values of the column's own type.
    let found = weft::select::<More>()
        .filter(More::qword.eq(i64::MAX as u64))
        .filter(More::byte.gt(254u8))
        .filter(More::tiny.eq(i8::MAX))
        .filter(More::dword.eq(u32::MAX))
        .filter(More::day.eq(time::macros::date!(9999 - 12 - 31)))
        .columns(More::id)
        .all(&db)
        .await?;
    assert_eq!(found, [i64::MAX as u64]);
    Ok(())
}

#[backends]
async fn unsigned_values_that_do_not_fit_are_errors_both_ways(db: Db) -> weft::Result<()> {
    db.create_tables::<(Owner, More)>().await?;
    weft::insert(Owner {
        id: 7,
        items: NotLoaded,
    })
    .execute(&db)
    .await?;
    // Above i64::MAX: refused before anything is sent, never wrapped.
    let mut row = extremes().remove(0);
    row.owner = 7;
    row.qword = u64::MAX;
    let err = weft::insert(row.clone()).execute(&db).await.unwrap_err();
    assert!(matches!(err, Error::Value { .. }), "{err:?}");
    assert!(err.to_string().contains("does not fit"), "{err}");
    assert_eq!(weft::select::<More>().count(&db).await?, 0);
    // A negative value written by hand is a decode error naming the column.
    row.qword = 5;
    weft::insert(row).execute(&db).await?;
    weft::raw("UPDATE more_types SET qword = -1, byte = 3")
        .execute(&db)
        .await?;
    let err = weft::select::<More>().all(&db).await.unwrap_err();
    match &err {
        Error::Decode {
            column, message, ..
        } => {
            assert_eq!(*column, "qword");
            assert!(message.contains("-1 does not fit a u64"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    weft::raw("UPDATE more_types SET qword = 1, byte = 256")
        .execute(&db)
        .await?;
    let err = weft::select::<More>().all(&db).await.unwrap_err();
    assert!(err.to_string().contains("256 does not fit a u8"), "{err}");
    Ok(())
}

#[backends(strategies)]
async fn more_types_load_nested(db: Db, strategy: Strategy) -> weft::Result<()> {
    db.create_tables::<(Owner, More)>().await?;
    weft::insert(Owner {
        id: u32::MAX,
        items: NotLoaded,
    })
    .execute(&db)
    .await?;
    let rows = extremes();
    weft::insert_many(&rows).execute(&db).await?;
    let owner = weft::find_first::<Owner>()
        .with(Owner::items.order_by(More::id))
        .strategy(strategy)
        .first(&db)
        .await?
        .expect("the owner");
    assert_eq!(owner.id, u32::MAX);
    assert_eq!(owner.items, rows);
    Ok(())
}

#[backends]
async fn offset_date_time_now_round_trips_truncated(db: Db) -> weft::Result<()> {
    #[derive(Table, Debug, Clone, PartialEq)]
    #[table(name = "time_now")]
    pub struct Stamp {
        #[column(primary_key)]
        pub id: i32,
        pub at: time::OffsetDateTime,
    }
    db.create_tables::<Stamp>().await?;
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(123_456_789)
        .unwrap();
    weft::insert(Stamp { id: 1, at: now }).execute(&db).await?;
    let back = weft::select::<Stamp>().columns(Stamp::at).one(&db).await?;
    assert_eq!(back, now.replace_nanosecond(123_456_000).unwrap());
    assert_eq!(
        weft::select::<Stamp>()
            .filter(Stamp::at.eq(now))
            .count(&db)
            .await?,
        1
    );
    Ok(())
}
