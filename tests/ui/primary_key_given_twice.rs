use weft::Table;

#[derive(Table)]
#[table(primary_key(user_id, group_id))]
struct Membership {
    #[column(primary_key)]
    user_id: i64,
    group_id: i64,
}

fn main() {}
