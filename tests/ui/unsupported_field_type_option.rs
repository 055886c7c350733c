use weft::Table;

#[derive(Table)]
struct Event {
    #[column(primary_key, auto)]
    id: i64,
    at: Option<std::time::SystemTime>,
}

fn main() {}
