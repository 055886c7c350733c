use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key, autoincrement)]
    id: i64,
    name: String,
}

fn main() {}
