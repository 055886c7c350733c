use weft::{NotLoaded, Table};

#[derive(Table)]
struct User<Groups = NotLoaded, Tagged = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    #[relation(many, through = Membership)]
    groups: Groups,
    // `Comment` is neither `User`, `Membership` nor `Group`.
    #[relation(many, through = Membership, filter = Comment::body.eq("hi"))]
    tagged: Tagged,
}

#[derive(Table)]
struct Group {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[derive(Table)]
#[table(primary_key(user_id, group_id))]
struct Membership {
    #[column(references = User::id)]
    user_id: i64,
    #[column(references = Group::id)]
    group_id: i64,
    role: String,
}

#[derive(Table)]
struct Comment {
    #[column(primary_key)]
    id: i64,
    body: String,
}

fn main() {
    // The same mistake ad hoc.
    let _ = weft::find_many::<User>().with(User::groups.filter(Comment::body.eq("hi")));
    // A source filter reads the source, not the related table.
    let _ = weft::find_many::<User>().with(User::groups.filter_source(Group::name.eq("chess")));
}
