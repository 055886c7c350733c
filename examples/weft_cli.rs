//! The `weft` command line of an application: its models, its schema, and `main` handing the
//! schema to `weft_cli`. Run it as `cargo run -p weft-examples --bin weft -- generate
//! --dialect sqlite`, then `… migrate --url sqlite://app.db?mode=rwc`, `… check`.

use weft::{NotLoaded, Table};

#[derive(Table, Debug)]
#[table(name = "authors")]
pub struct Author<Books = NotLoaded> {
    #[column(primary_key, auto)]
    pub id: i64,
    pub name: String,
    #[column(unique)]
    pub email: Option<String>,
    #[relation(many = Book)]
    pub books: Books,
}

#[derive(Table, Debug)]
#[table(name = "books", index(title))]
pub struct Book {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(references = Author::id, on_delete = cascade)]
    pub author_id: i64,
    pub title: String,
    #[column(default = 0)]
    pub pages: i32,
}

/// The application's tables, declared once: the CLI diffs and migrates them.
pub const SCHEMA: weft::Schema = weft::Schema::new("library", &[Author::META, Book::META]);

fn main() -> std::process::ExitCode {
    weft_cli::main(SCHEMA)
}
