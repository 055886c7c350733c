use weft::Table;

fn zero() -> i32 {
    0
}

#[derive(Table)]
struct Counter {
    #[column(primary_key)]
    id: i64,
    #[column(default_fn = zero)]
    count: i64,
}

fn main() {}
