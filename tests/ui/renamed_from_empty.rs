use weft::Table;

#[derive(Table)]
#[table(name = "people")]
struct Person {
    #[column(primary_key)]
    id: i64,
    #[column(renamed_from = "")]
    full_name: String,
}

fn main() {}
