use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
}

async fn users_and_counts(db: weft::Db) -> weft::Result<Vec<(User, i64)>> {
    // Tuples are read by position and hold values only: a struct cannot be one of them.
    weft::raw("SELECT users.*, 1 FROM users").fetch_all(&db).await
}

fn main() {
    let _ = users_and_counts;
}
