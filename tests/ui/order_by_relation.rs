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
}

async fn users(db: &weft::Db) -> weft::Result<()> {
    // A relation is not a column: it cannot be ordered by.
    let _ = weft::find_many::<User>().order_by(User::posts).all(db).await?;
    Ok(())
}

fn main() {}
