//! Derive macros for [weft](https://docs.rs/weft). Depend on `weft`, which re-exports them;
//! this crate is an implementation detail pinned to the matching `weft` version.
//!
//! Only the entry points live here: the derives' logic is the plain library `weft-codegen`,
//! which tools and snapshot tests use without a compiler plugin.

use proc_macro::TokenStream;

/// Derives `weft::Table` for a struct with named fields: table metadata, typed column
/// handles (`User::name`), row decoding and an insert form (`NewUser`).
///
/// See the `weft` crate for the attributes.
#[proc_macro_derive(Table, attributes(table, column, relation))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    weft_codegen::derive_table(input.into()).into()
}

/// Derives `weft::Selectable`: a struct read from the columns its fields name, selected with
/// `select::<User>().columns(MyRow::as_select())`.
#[proc_macro_derive(Selectable, attributes(selectable))]
pub fn derive_selectable(input: TokenStream) -> TokenStream {
    weft_codegen::derive_selectable(input.into()).into()
}

/// Derives `weft::CustomType` for a tuple struct of one field (`struct UserId(i64);`): the
/// type is a column stored as its field, compared only with itself.
///
/// See the `weft` crate for the attributes.
#[proc_macro_derive(Newtype, attributes(weft))]
pub fn derive_newtype(input: TokenStream) -> TokenStream {
    weft_codegen::derive_newtype(input.into()).into()
}

/// Derives `weft::CustomType` for a fieldless enum, stored as text and checked against its
/// variants' names (`#[weft(rename_all = "snake_case")]`, `#[weft(rename = "…")]`).
///
/// See the `weft` crate for the attributes.
#[proc_macro_derive(Enum, attributes(weft))]
pub fn derive_enum(input: TokenStream) -> TokenStream {
    weft_codegen::derive_enum(input.into()).into()
}

/// `weft::embed_migrations!("migrations")`: the migration folders under a directory of the
/// crate, as a `&'static [weft::Migration]` (see `weft::migrate`).
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    weft_codegen::embed_migrations(input.into()).into()
}
