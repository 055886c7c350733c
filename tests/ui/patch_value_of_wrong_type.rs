use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    age: i32,
}

fn main() {
    let age: Option<&str> = Some("thirty");
    let _ = weft::update::<User>().set_some(User::age, age);
}
