use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
}

#[derive(Table)]
struct Post {
    #[column(primary_key, auto)]
    id: i64,
    #[column(references = User::id)]
    user_id: String,
    title: String,
}

fn main() {}
