use weft::{NotLoaded, Table};

#[derive(Table)]
struct User<Published = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    #[relation(many = Post, filter = Post::published.eq("yes"))]
    published: Published,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    #[column(references = User::id)]
    user_id: i64,
    published: bool,
}

fn main() {}
