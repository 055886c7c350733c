use weft::Table;

#[derive(Table)]
struct Event {
    #[column(primary_key)]
    id: i64,
    #[column(default = now())]
    at: i64,
    #[column(default = uuid())]
    token: String,
    #[column(default = today())]
    day: String,
}

fn main() {}
