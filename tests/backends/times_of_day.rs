//! Times of day: chrono's `NaiveTime` and the `time` crate's `Time` are `TIME` on PostgreSQL,
//! `TIME(6)` on MariaDB and fixed-width text (`HH:MM:SS.ffffff`, which sorts as the times do)
//! on SQLite; stored to the microsecond, a finer value truncated when bound, as timestamps
//! are. The same body on all three, flat and in relations loaded either way.

use chrono::NaiveTime;
use weft::{Db, NotLoaded, Strategy, Table};
use weft_tests::backends;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "tod_shops")]
pub struct Shop<Slots = NotLoaded> {
    #[column(primary_key)]
    pub id: i32,
    pub opens: NaiveTime,
    pub closes: Option<time::Time>,
    #[relation(many = Slot)]
    pub slots: Slots,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "tod_slots")]
pub struct Slot {
    #[column(primary_key)]
    pub id: i32,
    #[column(references = Shop::id)]
    pub shop_id: i32,
    pub at: NaiveTime,
    pub until: time::Time,
}

fn hms_nano(h: u32, m: u32, s: u32, n: u32) -> NaiveTime {
    NaiveTime::from_hms_nano_opt(h, m, s, n).unwrap()
}

fn time_of(t: NaiveTime) -> time::Time {
    use chrono::Timelike;
    time::Time::from_hms_nano(
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
        t.nanosecond(),
    )
    .unwrap()
}

async fn seed(db: &Db) -> weft::Result<()> {
    db.create_tables::<(Shop, Slot)>().await?;
    weft::insert_many([
        Shop {
            id: 1,
            // 123456789 ns: stored as 123456 µs.
            opens: hms_nano(9, 30, 0, 123_456_789),
            closes: Some(time_of(hms_nano(17, 0, 0, 999_999_999))),
            slots: NotLoaded,
        },
        Shop {
            id: 2,
            opens: hms_nano(0, 0, 0, 0),
            closes: None,
            slots: NotLoaded,
        },
        Shop {
            id: 3,
            opens: hms_nano(23, 59, 59, 500_000),
            closes: None,
            slots: NotLoaded,
        },
    ])
    .execute(db)
    .await?;
    weft::insert_many([
        Slot {
            id: 1,
            shop_id: 1,
            at: hms_nano(10, 0, 0, 1_000),
            until: time_of(hms_nano(10, 30, 0, 0)),
        },
        Slot {
            id: 2,
            shop_id: 1,
            at: hms_nano(9, 59, 59, 999_999_000),
            until: time_of(hms_nano(10, 0, 0, 7)),
        },
    ])
    .execute(db)
    .await?;
    Ok(())
}

#[backends]
async fn times_of_day_round_trip_truncated_to_the_microsecond(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let shops = weft::select::<Shop>().order_by(Shop::id).all(&db).await?;
    assert_eq!(shops[0].opens, hms_nano(9, 30, 0, 123_456_000));
    assert_eq!(
        shops[0].closes,
        Some(time_of(hms_nano(17, 0, 0, 999_999_000)))
    );
    assert_eq!(shops[1].opens, hms_nano(0, 0, 0, 0));
    assert_eq!(shops[1].closes, None);
    assert_eq!(shops[2].opens, hms_nano(23, 59, 59, 500_000));
    // A filter binds the value truncated as the insert did.
    let found = weft::select::<Shop>()
        .filter(Shop::opens.eq(hms_nano(9, 30, 0, 123_456_789)))
        .columns(Shop::id)
        .all(&db)
        .await?;
    assert_eq!(found, [1]);
    // Ordered as times, not as text of varying width.
    let order = weft::select::<Shop>()
        .order_by(Shop::opens)
        .columns(Shop::id)
        .all(&db)
        .await?;
    assert_eq!(order, [2, 1, 3]);
    let later = weft::select::<Shop>()
        .filter(Shop::opens.gt(hms_nano(9, 0, 0, 0)))
        .count(&db)
        .await?;
    assert_eq!(later, 2);
    Ok(())
}

#[backends(strategies)]
async fn times_of_day_load_in_relations(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let shop = weft::find_many::<Shop>()
        .with(Shop::slots.order_by(Slot::at))
        .filter(Shop::id.eq(1))
        .strategy(strategy)
        .all(&db)
        .await?
        .remove(0);
    let slots: Vec<(i32, NaiveTime, time::Time)> =
        shop.slots.iter().map(|s| (s.id, s.at, s.until)).collect();
    assert_eq!(
        slots,
        [
            (
                2,
                hms_nano(9, 59, 59, 999_999_000),
                time_of(hms_nano(10, 0, 0, 0))
            ),
            (
                1,
                hms_nano(10, 0, 0, 1_000),
                time_of(hms_nano(10, 30, 0, 0))
            ),
        ]
    );
    Ok(())
}
