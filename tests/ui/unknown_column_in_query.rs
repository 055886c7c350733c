use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
}

fn main() {
    let _ = weft::select::<User>().filter(User::nmae.eq("Ann"));
}
