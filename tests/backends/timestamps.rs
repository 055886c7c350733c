//! Timestamps behave the same on every backend: stored to the microsecond, a finer value
//! truncated (never rounded, never refused), so `Utc::now()` round-trips as `now` truncated
//! to the microsecond on SQLite exactly as on PostgreSQL and MariaDB.

use chrono::{DateTime, DurationRound, NaiveDateTime, TimeDelta, Utc};
use weft::{Db, NotLoaded, Strategy, Table};
use weft_tests::backends;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "clock_events")]
pub struct Event<Marks = NotLoaded> {
    #[column(primary_key)]
    pub id: i32,
    pub at: DateTime<Utc>,
    pub local: NaiveDateTime,
    pub o_at: Option<DateTime<Utc>>,
    #[relation(many = Mark)]
    pub marks: Marks,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "clock_marks")]
pub struct Mark {
    #[column(primary_key)]
    pub id: i32,
    #[column(references = Event::id)]
    pub event_id: i32,
    pub at: DateTime<Utc>,
    pub local: NaiveDateTime,
}

fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap()
}

/// A time with every sub-second digit set: 123456789 ns.
fn precise() -> DateTime<Utc> {
    "2024-02-29T23:59:59.123456789Z".parse().unwrap()
}

#[backends]
async fn now_round_trips_truncated_to_the_microsecond(db: Db) -> weft::Result<()> {
    db.create_tables::<Event>().await?;
    // `now` has nanoseconds on most systems; the test makes sure of it.
    let now = Utc::now().with_timezone(&Utc);
    let now = now - TimeDelta::nanoseconds(i64::from(now.timestamp_subsec_nanos() % 1000))
        + TimeDelta::nanoseconds(789);
    weft::insert(Event {
        id: 1,
        at: now,
        local: now.naive_utc(),
        o_at: Some(now),
        marks: NotLoaded,
    })
    .execute(&db)
    .await?;
    let back: Event = weft::select::<Event>().one(&db).await?;
    assert_eq!(back.at, micros(now));
    assert_eq!(back.local, micros(now).naive_utc());
    assert_eq!(back.o_at, Some(micros(now)));
    // A filter with the same value finds the row: it is bound truncated too.
    let found = weft::select::<Event>()
        .filter(Event::at.eq(now))
        .filter(Event::local.eq(now.naive_utc()))
        .count(&db)
        .await?;
    assert_eq!(found, 1);
    // An update stores the same truncation.
    weft::update::<Event>()
        .set(Event::at, precise())
        .filter(Event::id.eq(1))
        .execute(&db)
        .await?;
    let at = weft::select::<Event>().columns(Event::at).one(&db).await?;
    assert_eq!(at.to_rfc3339(), "2024-02-29T23:59:59.123456+00:00");
    Ok(())
}

#[backends(strategies)]
async fn nested_timestamps_are_truncated_alike(db: Db, strategy: Strategy) -> weft::Result<()> {
    db.create_tables::<(Event, Mark)>().await?;
    let t = precise();
    weft::insert(Event {
        id: 1,
        at: t,
        local: t.naive_utc(),
        o_at: None,
        marks: NotLoaded,
    })
    .execute(&db)
    .await?;
    weft::insert_many([
        Mark {
            id: 1,
            event_id: 1,
            at: t,
            local: t.naive_utc(),
        },
        Mark {
            id: 2,
            event_id: 1,
            at: t + TimeDelta::nanoseconds(210),
            local: (t + TimeDelta::nanoseconds(210)).naive_utc(),
        },
    ])
    .execute(&db)
    .await?;
    let event = weft::find_first::<Event>()
        .with(Event::marks.order_by(Mark::id))
        .strategy(strategy)
        .first(&db)
        .await?
        .expect("the event");
    let want = micros(t);
    assert_eq!(event.at, want);
    assert_eq!(event.marks.len(), 2);
    for mark in &event.marks {
        assert_eq!((mark.at, mark.local), (want, want.naive_utc()));
    }
    Ok(())
}
