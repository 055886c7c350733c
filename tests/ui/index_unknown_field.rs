use weft::Table;

#[derive(Table)]
#[table(index(nope))]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
}

fn main() {}
