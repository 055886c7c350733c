//! The logic of weft's derives, as a plain library: `weft-macros` is a shim over it, and tools
//! (a CLI, a migration generator, the snapshot tests) call it on token streams without being
//! a compiler plugin.
//!
//! `#[derive(Table)]` is a pipeline: [`attr`] parses `#[table]`, `#[column]` and
//! `#[relation]`; [`model`] builds a small model of the table; [`check`] runs the rules that
//! span several fields; `expand` generates code that reaches the runtime only through
//! `weft::__private`. Every error of one derive is collected in a [`ctxt::Ctxt`] so the user
//! sees them all at once.

use proc_macro2::TokenStream;

pub mod attr;
pub mod check;
pub mod ctxt;
mod custom;
mod embed;
mod expand;
pub mod model;
mod names;
mod selectable;

pub use embed::embed_migrations;

/// Expands `#[derive(Table)]` on `input` (the struct, attributes included).
///
/// Errors come back as `compile_error!` invocations in the returned tokens, beside the items
/// that could still be generated, so one mistake does not cascade into errors at every use.
pub fn derive_table(input: TokenStream) -> TokenStream {
    match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => expand::derive_table(&input),
        Err(e) => e.to_compile_error(),
    }
}

/// Expands `#[derive(Selectable)]` on `input`.
pub fn derive_selectable(input: TokenStream) -> TokenStream {
    match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => selectable::derive(&input),
        Err(e) => e.to_compile_error(),
    }
}

/// Expands `#[derive(Newtype)]` on `input`.
pub fn derive_newtype(input: TokenStream) -> TokenStream {
    match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => custom::derive_newtype(&input),
        Err(e) => e.to_compile_error(),
    }
}

/// Expands `#[derive(Enum)]` on `input`.
pub fn derive_enum(input: TokenStream) -> TokenStream {
    match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => custom::derive_enum(&input),
        Err(e) => e.to_compile_error(),
    }
}
