use weft::Table;

#[derive(Table)]
#[table(name = "animals", renamed_from = "animals")]
struct Animal {
    #[column(primary_key)]
    id: i64,
}

fn main() {}
