use weft::Table;

#[derive(Table)]
#[table(name = "people")]
struct Person {
    #[column(primary_key)]
    id: i64,
    name: String,
    // `name` is still a column of the table: this is not a rename.
    #[column(renamed_from = "name")]
    full_name: String,
}

fn main() {}
