use weft::{NotLoaded, Table};

#[derive(Table)]
struct User<Groups = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    #[relation(many = Group, through = Membership)]
    groups: Groups,
}

#[derive(Table)]
struct Group {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table)]
struct Membership {
    user_id: i64,
    #[column(references = Group::id)]
    group_id: i64,
}

fn main() {}
