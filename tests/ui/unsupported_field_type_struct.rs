use weft::Table;

struct Address {
    street: String,
    city: String,
}

#[derive(Table)]
struct Customer {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
    address: Address,
}

fn main() {
    let _ = weft::select::<Customer>().filter(Customer::name.eq("Ann"));
}
