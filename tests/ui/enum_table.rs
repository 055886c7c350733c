use weft::Table;

#[derive(Table)]
enum Status {
    Active,
    Banned,
}

fn main() {}
