use weft::Table;

#[derive(Table)]
struct Ticket {
    #[column(primary_key)]
    code: String,
    #[column(auto)]
    number: i64,
}

fn main() {}
