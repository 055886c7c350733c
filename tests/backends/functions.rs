//! Functions over values: `CASE WHEN`, `CAST`, `SUBSTR`, `CHAR_LENGTH` and the server's clock,
//! the same answers on every backend.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use weft::{Db, Table, case_when, cast, char_length, substr};
use weft_tests::backends;

use crate::tables::*;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "events")]
pub struct Event {
    #[column(primary_key, auto)]
    pub id: i64,
    pub at: DateTime<Utc>,
    pub day: NaiveDate,
}

/// `CASE WHEN` with and without `ELSE`, in the select list and in a condition.
#[backends]
async fn case_when_picks_the_first_matching_branch(db: Db) -> weft::Result<()> {
    seed(&db).await?; // ann 30, bob 25, cat 35
    let age_group = case_when(User::age.lt(26), "young")
        .when(User::age.lt(31), "middle")
        .otherwise("old");
    let rows = weft::select::<User>()
        .order_by(User::id)
        .columns((
            User::name,
            age_group,
            case_when(User::email.is_null(), 1).end(),
        ))
        .all(&db)
        .await?;
    assert_eq!(
        rows,
        [
            ("ann".to_string(), "middle".to_string(), None),
            ("bob".to_string(), "young".to_string(), None),
            ("cat".to_string(), "old".to_string(), Some(1)),
        ]
    );
    // A branch's value can be a column; the CASE can be compared.
    let older_than_30 = weft::select::<User>()
        .filter(
            case_when(User::age.gt(30), User::name)
                .otherwise("-")
                .ne("-"),
        )
        .columns(User::name)
        .all(&db)
        .await?;
    assert_eq!(older_than_30, ["cat"]);
    // A nullable branch first makes the whole CASE nullable (cat has no email).
    let emails = weft::select::<User>()
        .order_by(User::id)
        .columns(case_when(User::age.gt(26), User::email).otherwise("young"))
        .all(&db)
        .await?;
    assert_eq!(
        emails,
        [
            Some("ann@example.com".to_string()),
            Some("young".to_string()),
            None
        ]
    );
    Ok(())
}

/// `CAST` widens exactly: integers to i64, f64 and their decimal text.
#[backends]
async fn cast_widens_exactly(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let rows = weft::select::<User>()
        .order_by(User::id)
        .columns((
            cast::<i64, _>(User::age),
            cast::<f64, _>(User::age),
            cast::<String, _>(User::id),
            weft::concat(cast::<String, _>(User::age), " years"),
        ))
        .all(&db)
        .await?;
    assert_eq!(rows[0], (30, 30.0, "1".to_string(), "30 years".to_string()));
    let large = weft::select::<User>()
        .filter((cast::<i64, _>(User::age) + i64::from(i32::MAX)).gt(i64::from(i32::MAX) + 30))
        .columns(User::name)
        .all(&db)
        .await?;
    assert_eq!(large, ["cat"]);
    Ok(())
}

/// `SUBSTR` counts characters from 1 (not bytes), position 0 as PostgreSQL and SQLite have it,
/// and `char_length` counts characters.
#[backends]
async fn substr_and_length_count_characters(db: Db) -> weft::Result<()> {
    db.create_tables::<User>().await?;
    weft::insert(new_user("Zoë Ångström", None, 1))
        .execute(&db)
        .await?;
    let row = weft::select::<User>()
        .columns((
            substr(User::name, 1, 3),
            substr(User::name, 5, 100),
            substr(User::name, 0, 3),
            substr(User::name, 0, 0),
            substr(User::name, 13, 2),
            char_length(User::name),
            char_length(User::email),
        ))
        .one(&db)
        .await?;
    assert_eq!(
        row,
        (
            "Zoë".to_string(),
            "Ångström".to_string(),
            "Zo".to_string(),
            String::new(),
            String::new(),
            12,
            None
        )
    );
    let found = weft::select::<User>()
        .filter(substr(User::name, 5, 1).eq("Å"))
        .count(&db)
        .await?;
    assert_eq!(found, 1);
    Ok(())
}

/// `now()` and `current_date()` read the server's clock in UTC, compare with stored values of
/// their types and read back as them.
#[backends]
async fn now_and_current_date_compare_with_stored_values(db: Db) -> weft::Result<()> {
    db.create_tables::<Event>().await?;
    let before = Utc::now();
    let today = before.date_naive();
    let round = |t: DateTime<Utc>| t - Duration::nanoseconds(i64::from(t.timestamp_subsec_nanos()));
    weft::insert_many([
        NewEvent {
            id: None,
            at: round(before - Duration::hours(1)),
            day: today - Duration::days(1),
        },
        NewEvent {
            id: None,
            at: round(before + Duration::hours(1)),
            day: today + Duration::days(1),
        },
    ])
    .execute(&db)
    .await?;
    let future = weft::select::<Event>()
        .filter(Event::at.gt(weft::now()))
        .columns(Event::id)
        .all(&db)
        .await?;
    assert_eq!(future, [2]);
    let past_days = weft::select::<Event>()
        .filter(Event::day.lt(weft::current_date()))
        .columns(Event::id)
        .all(&db)
        .await?;
    assert_eq!(past_days, [1]);

    let (now, date) = weft::select::<Event>()
        .columns((weft::now(), weft::current_date()))
        .limit(1)
        .one(&db)
        .await?;
    let after = Utc::now();
    // The server's clock is this machine's; allow for a second of rounding either way.
    assert!(
        now >= before - Duration::seconds(1) && now <= after + Duration::seconds(1),
        "{before} <= {now} <= {after}"
    );
    assert!(date == before.date_naive() || date == after.date_naive());
    Ok(())
}
