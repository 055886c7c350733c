use weft::{NotLoaded, Table};

#[derive(Table)]
struct User<Posts = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    #[relation(many = Post)]
    posts: Posts,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    #[column(references = User::id)]
    user_id: i64,
    title: String,
}

fn main() {
    // The second `.with` of the same relation would replace the first's filter.
    let _ = weft::find_many::<User>()
        .with(User::posts.filter(Post::title.eq("a")))
        .with(User::posts.order_by(Post::id));
}
