//! One application's models at three steps of its life, for the session transcript in
//! `docs/migrations-transcript.md`: `cargo run -p weft-examples --example schema_steps -- v2
//! generate --name rename_title` runs the `weft` command line on the models of step `v2`.
//! A real application has one set of models and a `weft` binary like `weft_cli.rs`.

/// The first models: authors and their books.
mod v1 {
    use weft::Table;

    #[derive(Table, Debug)]
    #[table(name = "authors")]
    pub struct Author {
        #[column(primary_key, auto)]
        pub id: i64,
        pub name: String,
        #[column(unique)]
        pub email: Option<String>,
    }

    #[derive(Table, Debug)]
    #[table(name = "books")]
    pub struct Book {
        #[column(primary_key, auto)]
        pub id: i64,
        #[column(references = Author::id, on_delete = cascade)]
        pub author_id: i64,
        pub title: String,
        #[column(default = 0)]
        pub pages: i32,
    }

    pub const SCHEMA: weft::Schema = weft::Schema::new("library", &[Author::META, Book::META]);
}

/// `books.title` renamed `headline`, an indexed `isbn`, and tags through a junction table.
mod v2 {
    use weft::Table;

    #[derive(Table, Debug)]
    #[table(name = "authors")]
    pub struct Author {
        #[column(primary_key, auto)]
        pub id: i64,
        pub name: String,
        #[column(unique)]
        pub email: Option<String>,
    }

    #[derive(Table, Debug)]
    #[table(name = "books", index(isbn))]
    pub struct Book {
        #[column(primary_key, auto)]
        pub id: i64,
        #[column(references = Author::id, on_delete = cascade)]
        pub author_id: i64,
        #[column(renamed_from = "title")]
        pub headline: String,
        #[column(default = 0)]
        pub pages: i32,
        pub isbn: Option<String>,
    }

    #[derive(Table, Debug)]
    #[table(name = "tags")]
    pub struct Tag {
        #[column(primary_key, auto)]
        pub id: i64,
        #[column(unique)]
        pub label: String,
    }

    #[derive(Table, Debug)]
    #[table(name = "books_tags", primary_key(book_id, tag_id))]
    pub struct BookTag {
        #[column(references = Book::id, on_delete = cascade)]
        pub book_id: i64,
        #[column(references = Tag::id, on_delete = cascade)]
        pub tag_id: i64,
    }

    pub const SCHEMA: weft::Schema = weft::Schema::new(
        "library",
        &[Author::META, Book::META, Tag::META, BookTag::META],
    );
}

/// `books.pages` dropped: a change that loses data.
mod v3 {
    use weft::Table;

    pub use super::v2::{Author, BookTag, Tag};

    #[derive(Table, Debug)]
    #[table(name = "books", index(isbn))]
    pub struct Book {
        #[column(primary_key, auto)]
        pub id: i64,
        #[column(references = Author::id, on_delete = cascade)]
        pub author_id: i64,
        pub headline: String,
        pub isbn: Option<String>,
    }

    pub const SCHEMA: weft::Schema = weft::Schema::new(
        "library",
        &[Author::META, Book::META, Tag::META, BookTag::META],
    );
}

fn main() -> std::process::ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    let step = if args.len() > 1 {
        args.remove(1)
    } else {
        String::new()
    };
    let schema = match step.as_str() {
        "v1" => v1::SCHEMA,
        "v2" => v2::SCHEMA,
        "v3" => v3::SCHEMA,
        _ => {
            eprintln!("error: the first argument is the step of the models: v1, v2 or v3");
            return std::process::ExitCode::from(2);
        }
    };
    weft_cli::run(schema, args)
}
