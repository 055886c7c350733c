use weft::{NotLoaded, Table};

#[derive(Table)]
struct User<Posts = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    #[relation(many = Post)]
    posts: Posts,
}

#[derive(Table)]
struct Post<Comments = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    #[column(references = User::id)]
    user_id: i64,
    #[relation(many = Comment)]
    comments: Comments,
}

#[derive(Table)]
struct Comment {
    #[column(primary_key)]
    id: i64,
    #[column(references = Post::id)]
    post_id: i64,
}

fn main() {
    // `comments` is a relation of `Post`, not of `User`.
    let _ = weft::find_many::<User>().with(Post::comments);
}
