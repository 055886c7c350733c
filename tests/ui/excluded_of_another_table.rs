use weft::{Table, excluded};

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    #[column(unique)]
    name: String,
}

#[derive(Table)]
struct Post {
    #[column(primary_key, auto)]
    id: i64,
    title: String,
}

fn main() {
    let _ = weft::insert(NewUser { id: None, name: "ann".into() })
        .on_conflict(User::name)
        .do_update(|set| set.set(User::name, excluded(Post::title)));
}
