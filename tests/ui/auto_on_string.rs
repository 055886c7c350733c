use weft::Table;

#[derive(Table)]
struct Token {
    #[column(primary_key, auto)]
    id: String,
    owner: String,
}

fn main() {}
