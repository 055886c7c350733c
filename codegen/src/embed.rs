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
            return syn::Error::new(e.span(), msg).to_compile_error();
        }
    };
    let base = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let dir = std::path::Path::new(&base).join(lit.value());
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) => {
            let msg = format!(
                "cannot read the migrations folder `{}` ({}): the path is relative to the crate's Cargo.toml; create it with `weft generate`, or fix the path",
                lit.value(),
                io_reason(&e)
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

/// The reason an I/O error gives, without the OS's error number (which differs by platform).
fn io_reason(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such folder",
        std::io::ErrorKind::PermissionDenied => "permission denied",
        std::io::ErrorKind::NotADirectory => "not a folder",
        _ => "unreadable",
    }
}
