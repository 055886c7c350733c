use weft::{Selectable, Table};

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[derive(Selectable)]
#[selectable(table = User)]
struct Name {
    id: i64,
    name: i32,
}

fn main() {
    let _ = weft::select::<User>().columns(Name::as_select());
}
