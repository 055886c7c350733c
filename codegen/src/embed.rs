//! `embed_migrations!`: the migration folders of a directory, read at compile time.

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

/// Expands `"dir"` (relative to `CARGO_MANIFEST_DIR`) to
/// `&[::weft::Migration::embedded("0001_init", include_str!("…/0001_init/migration.sql")), …]`.
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let lit: LitStr = match syn::parse2(input) {
        Ok(lit) => lit,
        Err(e) => {
            let msg = format!("{e}; write `embed_migrations!(\"migrations\")`");
            return quote!(::core::compile_error!(#msg));
        }
    };
    let base = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let dir = std::path::Path::new(&base).join(lit.value());
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) => {
            let msg = format!(
                "cannot read the migrations folder `{}`: {e}; the path is relative to the crate's Cargo.toml (run `weft generate` to create it)",
                dir.display()
            );
            return syn::Error::new(lit.span(), msg).to_compile_error();
        }
    };
    let mut found: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("migration.sql").is_file())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            let file = p.join("migration.sql").to_str()?.to_owned();
            Some((name, file))
        })
        .collect();
    found.sort();
    let items = found.iter().map(
        |(name, file)| quote!(::weft::Migration::embedded(#name, ::core::include_str!(#file))),
    );
    quote!(&[#(#items),*])
}
