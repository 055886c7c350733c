use weft::{NotLoaded, Table};

#[derive(Table)]
struct User<Followers = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    #[relation(many = User, through = Follows, from = Follows::followed_id, to = Follows::follower_id)]
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
