use weft::{Newtype, Table};

#[derive(Newtype, Clone, Copy)]
struct UserId(i64);

#[derive(Newtype, Clone, Copy)]
struct PostId(i64);

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: UserId,
    name: String,
}

fn main() {
    let _ = weft::select::<User>().filter(User::id.eq(PostId(1)));
}
