use weft::Table;

#[derive(Table)]
#[table(primary_key(id, nope))]
struct Membership {
    id: i64,
    group_id: i64,
}

fn main() {}
