use weft::{NotLoaded, Table};

#[derive(Table)]
struct User<Followers = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    // Both of `Follows`' keys point into `users`: which one is "this user"?
    #[relation(many = User, through = Follows)]
    followers: Followers,
}

#[derive(Table)]
struct Follows {
    #[column(references = User::id)]
    follower_id: i64,
    #[column(references = User::id)]
    followee_id: i64,
}

fn main() {}
