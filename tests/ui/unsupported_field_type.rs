use std::collections::HashMap;

use weft::Table;

#[derive(Table)]
struct Settings {
    #[column(primary_key, auto)]
    id: i64,
    values: HashMap<String, String>,
}

fn main() {}
