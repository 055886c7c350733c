use weft::Table;

#[derive(Table)]
struct Account {
    #[column(primary_key, auto)]
    id: i64,
    #[column(default = "x")]
    balance: i64,
}

fn main() {}
