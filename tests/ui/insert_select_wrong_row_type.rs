use weft::Table;

#[derive(Table)]
struct Post {
    #[column(primary_key, auto)]
    id: i64,
    title: String,
    views: i64,
}

#[derive(Table)]
struct Archive {
    #[column(primary_key)]
    id: i64,
    title: String,
}

fn main() {
    // The query returns (String, i64); the columns take (i64, String).
    let _ = weft::insert_select(
        (Archive::id, Archive::title),
        weft::select::<Post>().columns((Post::title, Post::views)),
    );
}
