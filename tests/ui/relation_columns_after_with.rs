use weft::{NotLoaded, Table};

#[derive(Table)]
struct User<Posts = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    name: String,
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
    // The subset is chosen after the relation was loaded onto whole rows.
    let _ = weft::find_many::<User>()
        .with(User::posts)
        .columns(User::name);
    // Inside a relation, and a second subset.
    let _ = weft::find_many::<User>().with(User::posts.columns(Post::title).columns(Post::id));
}
