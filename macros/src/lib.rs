//! weft derive macros.
use proc_macro::TokenStream;
#[proc_macro_derive(Table, attributes(table, column))]
pub fn derive_table(_input: TokenStream) -> TokenStream { TokenStream::new() }
