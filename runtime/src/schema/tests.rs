//! Reading a derived schema back, as a tool would: names, constraints, relations, defaults
//! and foreign-key actions are all data in `Table::META`.

// The structs exist for their metadata; their fields are never read.
#![allow(dead_code)]

use super::{Cardinality, DefaultValue, OnDelete, Table, TableMeta};
use crate::backend::Backend;
use crate::relation::NotLoaded;
use crate::value::SqlType;

#[derive(crate::Table)]
#[table(crate = crate)]
struct Author<Books = NotLoaded> {
    #[column(primary_key, auto)]
    id: i64,
    #[column(unique)]
    name: String,
    #[relation(many = Book)]
    books: Books,
}

#[derive(crate::Table)]
#[table(crate = crate, unique(author_id, title), index(title))]
struct Book<Writer = NotLoaded, Tags = NotLoaded> {
    #[column(primary_key, auto)]
    id: i64,
    #[column(references = Author::id, on_delete = cascade)]
    author_id: i64,
    #[column(default = "untitled")]
    title: String,
    #[column(name = "page_count", default = 0)]
    pages: i32,
    #[column(default = 2.5)]
    rating: f64,
    #[column(default = false)]
    draft: bool,
    #[relation(one = Author)]
    writer: Writer,
    #[relation(many, through = BookTag)]
    tags: Tags,
}

#[derive(crate::Table)]
#[table(crate = crate)]
struct Tag {
    #[column(primary_key)]
    id: i64,
    label: String,
}

#[derive(crate::Table)]
#[table(crate = crate, primary_key(book_id, tag_id), index(tag_id))]
struct BookTag {
    #[column(references = Book::id, on_delete = cascade)]
    book_id: i64,
    #[column(references = Tag::id, on_delete = restrict)]
    tag_id: i64,
}

/// Column names of `positions` in `table`.
fn names(table: &TableMeta, positions: &[usize]) -> Vec<&'static str> {
    positions.iter().map(|&p| table.columns[p].name).collect()
}

/// What a tool generic over tables sees: only the metadata, no decoding.
fn meta<T: Table>() -> &'static TableMeta {
    T::META
}

#[test]
fn names_of_tables_and_columns() {
    let book = meta::<Book>();
    assert_eq!((book.name, book.rust_name), ("book", "Book"));
    let pages = book.column("page_count").expect("renamed column");
    assert_eq!((pages.field, pages.sql_type), ("pages", SqlType::Int));
    assert_eq!(BookTag::META.rust_name, "BookTag");
}

#[test]
fn index_and_constraint_names() {
    let book = Book::META;
    assert_eq!(book.primary_key_name, Some("book_pkey"));
    assert_eq!(book.uniques.len(), 1);
    assert_eq!(book.uniques[0].name, "book_author_id_title_key");
    assert_eq!(names(book, book.uniques[0].columns), ["author_id", "title"]);
    assert_eq!(book.indexes.len(), 1);
    assert_eq!(book.indexes[0].name, "book_title_idx");
    assert_eq!(names(book, book.indexes[0].columns), ["title"]);
    assert_eq!(Author::META.columns[1].unique, Some("author_name_key"));
    assert_eq!(Author::META.columns[0].unique, None);

    let junction = BookTag::META;
    assert_eq!(junction.primary_key_name, Some("book_tag_pkey"));
    assert_eq!(names(junction, junction.primary_key), ["book_id", "tag_id"]);
    assert_eq!(junction.indexes[0].name, "book_tag_tag_id_idx");
    let fks: Vec<_> = junction
        .columns
        .iter()
        .filter_map(|c| c.references)
        .map(|fk| (fk.name, fk.table, fk.column, fk.on_delete))
        .collect();
    assert_eq!(
        fks,
        [
            (
                "book_tag_book_id_fkey",
                "book",
                "id",
                Some(OnDelete::Cascade)
            ),
            (
                "book_tag_tag_id_fkey",
                "tag",
                "id",
                Some(OnDelete::Restrict)
            ),
        ]
    );
}

#[test]
fn the_ddl_spells_the_metadata_names() {
    for backend in Backend::ALL {
        let ddl = crate::create_table_sql(Book::META, backend);
        let index = Book::META.indexes[0].name;
        assert!(ddl[1].contains(&backend.quote_ident(index)), "{ddl:?}");
    }
}

#[test]
fn defaults_and_actions_are_data() {
    let book = Book::META;
    let default = |name| book.column(name).and_then(|c| c.default);
    assert_eq!(default("title"), Some(DefaultValue::Text("untitled")));
    assert_eq!(default("page_count"), Some(DefaultValue::Int(0)));
    assert_eq!(default("rating"), Some(DefaultValue::Float(2.5)));
    assert_eq!(default("draft"), Some(DefaultValue::Bool(false)));
    assert_eq!(default("id"), None);
    let fk = book.column("author_id").and_then(|c| c.references);
    assert_eq!(fk.map(|fk| fk.on_delete), Some(Some(OnDelete::Cascade)));
}

#[test]
fn relations_are_reachable_from_the_table() {
    let books = Author::META.relation("books").expect("declared");
    assert_eq!(books.kind, Cardinality::ZeroOrMore);
    assert_eq!((books.source.name, books.target.name), ("author", "book"));
    assert!(books.through.is_none());
    assert_eq!(names(books.source, books.source_keys.as_slice()), ["id"]);
    assert_eq!(
        names(books.target, books.target_keys.as_slice()),
        ["author_id"]
    );

    let book = Book::META;
    assert_eq!(
        book.relations.iter().map(|r| r.name).collect::<Vec<_>>(),
        ["writer", "tags"]
    );
    let writer = book.relations[0];
    assert_eq!(writer.kind, Cardinality::ExactlyOne);
    assert_eq!(
        names(writer.source, writer.source_keys.as_slice()),
        ["author_id"]
    );
    assert_eq!(names(writer.target, writer.target_keys.as_slice()), ["id"]);

    let tags = book.relations[1];
    assert_eq!(tags.kind, Cardinality::ZeroOrMore);
    let junction = tags.through.expect("a junction");
    assert_eq!((junction.name, tags.target.name), ("book_tag", "tag"));
    assert_eq!(
        names(junction, tags.junction_source.as_slice()),
        ["book_id"]
    );
    assert_eq!(names(junction, tags.junction_target.as_slice()), ["tag_id"]);
    assert_eq!(names(tags.source, tags.source_keys.as_slice()), ["id"]);
    assert_eq!(names(tags.target, tags.target_keys.as_slice()), ["id"]);

    // The relation a query uses is the one the table lists.
    assert!(std::ptr::eq(
        <Book as Table>::META.relations[0],
        <__weft_rel_Book_writer as crate::Relation>::META
    ));
    assert!(Tag::META.relations.is_empty());
}
