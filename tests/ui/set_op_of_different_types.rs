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
    let ids = weft::select::<User>().columns(User::id);
    let titles = weft::select::<Post>().columns(Post::title);
    let _ = ids.union(titles);
}
