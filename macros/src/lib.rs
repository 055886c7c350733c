//! Derive macros for [weft](https://docs.rs/weft). Depend on `weft`, which re-exports them;
//! this crate is an implementation detail pinned to the matching `weft` version.
//!
//! The derive is a pipeline: [`attr`] parses `#[table]` and `#[column]`, [`model`] builds and
//! checks a small model of the table (collecting every error), and [`expand`] generates code
//! that reaches the runtime only through `weft::__private`.

use proc_macro::TokenStream;

mod attr;
mod ctxt;
mod expand;
mod model;
mod selectable;

/// Derives `weft::Table` for a struct with named fields: table metadata, typed column
/// handles (`User::name`), row decoding and an insert form (`NewUser`).
///
/// See the `weft` crate for the attributes.
#[proc_macro_derive(Table, attributes(table, column, relation))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive_table(&input).into()
}

/// Derives `weft::Selectable`: a struct read from the columns its fields name, selected with
/// `select::<User>().columns(MyRow::as_select())`.
#[proc_macro_derive(Selectable, attributes(selectable))]
pub fn derive_selectable(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    selectable::derive(&input).into()
}
