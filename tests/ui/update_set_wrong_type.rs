use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
}

fn main() {
    let _ = weft::update::<User>().set(User::name, 5).filter(User::id.eq(1));
}
