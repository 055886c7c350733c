use weft::Table;

#[derive(Table)]
struct Post {
    #[column(primary_key, auto)]
    id: i64,
    #[column(on_delete = cascade)]
    user_id: i64,
    title: String,
}

fn main() {}
