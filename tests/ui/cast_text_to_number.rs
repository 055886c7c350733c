use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
    age: i32,
}

fn main() {
    // Text to a number is not an exact conversion on every backend.
    let _ = weft::select::<User>().columns(weft::cast::<i64, _>(User::name));
    // Narrowing loses values.
    let _ = weft::select::<User>().columns(weft::cast::<i32, _>(User::id));
    // A CASE's branches have one type.
    let _ = weft::case_when(User::age.lt(18), "minor").otherwise(18);
}
