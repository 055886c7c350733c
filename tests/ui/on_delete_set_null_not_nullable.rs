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
    #[column(references = User::id, on_delete = set_null)]
    user_id: i64,
    title: String,
}

fn main() {}
