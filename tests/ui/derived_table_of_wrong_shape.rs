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

/// The shape of a derived table: a user and a title.
#[derive(Table)]
struct Titled {
    user_id: i64,
    title: String,
}

fn main() {
    // Selects (title, user_id): the wrong order for `Titled`.
    let q = weft::select::<Post>().columns((Post::title, Post::user_id));
    let _ = weft::from(q.alias::<Titled>());
}
