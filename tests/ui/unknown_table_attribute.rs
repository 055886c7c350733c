use weft::Table;

#[derive(Table)]
#[table(rename = "users")]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
}

fn main() {}
