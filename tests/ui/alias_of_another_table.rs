use weft::Table;

#[derive(Table)]
#[table(name = "users")]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
}

#[derive(Table)]
#[table(name = "posts")]
struct Post {
    #[column(primary_key, auto)]
    id: i64,
    title: String,
}

weft::alias!(Inviter = User as "inviter");

fn main() {
    // `Inviter` stands for users: a posts column cannot be read through it.
    let _ = Inviter::col(Post::title);
}
