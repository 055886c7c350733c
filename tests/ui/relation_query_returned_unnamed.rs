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
}

// The return type left for rustc to fill in: its suggestion must name public paths only.
fn users_with_posts() -> _ {
    weft::find_many::<User>().with(User::posts)
}

fn main() {
    let _ = users_with_posts();
}
