use weft::Table;

#[derive(Table)]
struct Marker;

fn main() {}
