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
    let _ = weft::select::<User>().having(weft::count().gt("x"));
    let _ = weft::select::<User>().having(weft::sum(User::age).eq("a"));
    let _ = weft::select::<User>().columns(weft::max(User::age)).filter(weft::min(User::name).eq(1));
}
