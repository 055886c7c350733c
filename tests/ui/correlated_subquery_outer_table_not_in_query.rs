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

#[derive(Table)]
struct Tag {
    #[column(primary_key, auto)]
    id: i64,
}

fn main() {
    // The subquery reads the outer `User`, but the outer query reads `Tag` only.
    let posts = weft::select::<Post>().outer::<User>().filter(Post::user_id.eq(User::id));
    let _ = weft::select::<Tag>().filter(weft::exists(posts));
}
