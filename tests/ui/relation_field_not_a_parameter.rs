use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many = Post)]
    posts: Vec<Post>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    #[column(references = User::id)]
    user_id: i64,
}

fn main() {}
