use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    age: i32,
    email: Option<String>,
}

fn main() {
    // A nullable column's NULL would be the result of a `CASE` typed `String`.
    let _ = weft::case_when(User::age.lt(18), "minor").otherwise(User::email);
    // Starting with the nullable branch makes the CASE an `Option<String>`: this compiles.
    let _: weft::Expr<Option<String>, _> =
        weft::case_when(User::age.ge(18), User::email).otherwise("minor");
}
