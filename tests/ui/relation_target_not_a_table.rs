use weft::{NotLoaded, Table};

struct Address {
    street: String,
}

#[derive(Table)]
struct User<Addresses = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    #[relation(many = Address)]
    addresses: Addresses,
}

fn main() {}
