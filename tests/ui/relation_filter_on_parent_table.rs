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
    // A relation's filter reads the related rows (`Post`); `User::name` is the parent's.
    let _ = weft::find_many::<User>().with(User::posts.filter(User::name.eq("ann")));
}
