use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
    age: i32,
}

#[derive(Table)]
struct Post {
    #[column(primary_key, auto)]
    id: i64,
    #[column(references = User::id)]
    user_id: i64,
    title: String,
}

fn main() {
    let _ = weft::select::<User>().columns(User::age).group_by(User::age).for_update();
    let _ = weft::select::<User>().columns(User::name).distinct().for_share();
    let _ = weft::select::<User>().for_update().group_by(User::age);
}
