use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
}

#[derive(Table)]
struct Post {
    #[column(primary_key, auto)]
    id: i64,
    #[column(references = User::id)]
    user_id: i64,
    title: String,
}

/// The shape of a CTE.
#[derive(Table)]
struct Author {
    user_id: i64,
}

fn main() {
    // `Author` is a CTE shape, but this query did not add it with `.with(…)` nor join it.
    let _ = weft::select::<User>().filter(Author::user_id.eq(1));
}
