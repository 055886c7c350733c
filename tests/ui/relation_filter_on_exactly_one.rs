use weft::{NotLoaded, Table};

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[derive(Table)]
struct Post<Author = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    #[column(references = User::id)]
    user_id: i64,
    // A non-null key: every post has exactly one author, loaded as `User`.
    #[relation(one = User)]
    author: Author,
}

fn main() {
    // Filtering could leave a post without its author, which `User` cannot express.
    let _ = weft::find_many::<Post>().with(Post::author.filter(User::name.eq("ann")));
}
