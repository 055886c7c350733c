use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[column(renamed_from = "name", renamed_from = "full")]
    full_name: String,
}

fn main() {}
