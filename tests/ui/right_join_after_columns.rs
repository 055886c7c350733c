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
    user_id: i64,
}

fn main() {
    let _ = weft::select::<User>()
        .columns(User::name)
        .right_join::<Post>()
        .on(Post::user_id.eq(User::id));
}
