use weft::Table;

fn next_code() -> String {
    "A-1".to_owned()
}

#[derive(Table)]
struct Ticket {
    #[column(primary_key, auto)]
    id: i64,
    #[column(default_fn = next_code)]
    code: i64,
}

fn main() {}
