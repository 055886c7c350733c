use weft::Table;

#[derive(Table)]
struct User(i64, String);

fn main() {}
