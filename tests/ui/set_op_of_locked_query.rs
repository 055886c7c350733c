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
    let locked = weft::select::<User>().columns(User::id).for_update();
    let _ = locked.union(weft::select::<Post>().columns(Post::user_id));
}
