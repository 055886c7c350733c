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
    title: String,
}

fn main() {
    // The subquery reads the outer `User` without declaring it with `.outer::<User>()`.
    let posts = weft::select::<Post>().filter(Post::user_id.eq(User::id));
    let _ = weft::select::<User>().filter(weft::exists(posts));
}
