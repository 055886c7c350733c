use weft::Table;

#[derive(Table)]
#[table(name = "people")]
struct Person {
    #[column(primary_key)]
    id: i64,
    #[column(renamed_from = "name")]
    first_name: String,
    #[column(renamed_from = "name")]
    last_name: String,
}

fn main() {}
