use weft::Table;

#[derive(Table)]
struct Token {
    #[column(primary_key, default = uuid())]
    id: String,
}

fn main() {}
