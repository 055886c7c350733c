use weft::{Table, excluded};

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    #[column(unique)]
    name: String,
    visits: i64,
}

#[derive(Table)]
struct Post {
    #[column(primary_key, auto)]
    id: i64,
    title: String,
}

fn main() {
    let _ = weft::insert(NewUser { id: None, name: "ann".into(), visits: 1 })
        .on_conflict(User::name)
        .do_update(|set| {
            set.set(User::visits, excluded(User::visits))
                .filter(Post::title.eq("x"))
        });
}
