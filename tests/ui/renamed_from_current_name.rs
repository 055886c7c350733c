use weft::Table;

#[derive(Table)]
#[table(name = "people")]
struct Person {
    #[column(primary_key)]
    id: i64,
    // Meant: the name the column had before, `name`.
    #[column(renamed_from = "full_name")]
    full_name: String,
}

fn main() {}
