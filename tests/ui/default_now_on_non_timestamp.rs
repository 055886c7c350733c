use weft::Table;

#[derive(Table)]
struct Event {
    #[column(primary_key, auto)]
    id: i64,
    // `now()` is an instant: it fits a `DateTime<Utc>` column, not a date.
    #[column(default = now())]
    day: chrono::NaiveDate,
}

fn main() {}
