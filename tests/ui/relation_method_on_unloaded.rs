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

async fn counts(db: &weft::Db) -> weft::Result<Vec<usize>> {
    // The query does not load `posts`, so `user.posts` is `NotLoaded`.
    let users = weft::find_many::<User>().all(db).await?;
    Ok(users.iter().map(|user| user.posts.len()).collect())
}

fn main() {}
