//! Code generation: one file per generated artifact. Generated code reaches the runtime only
//! through `weft::__private` (or the path given by `#[table(crate = …)]`).

mod columns;
mod insert;
mod relations;
mod serialize;
mod table;
mod type_checks;

use proc_macro2::TokenStream;
use quote::quote;

use crate::check;
use crate::ctxt::Ctxt;
use crate::model::{self, Table};

pub fn derive_table(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::default();
    let model = model::build(&cx, input);
    if let Some(table) = &model {
        check::check(&cx, input, table);
    }
    let errors = cx.finish().map(|e| e.to_compile_error());
    match model {
        // Even with errors, emit the items users refer to (column handles, the insert form,
        // the `Table` impl) so one mistake does not cascade into errors at every use.
        Some(table) => {
            let body = expand(&table, errors.is_none());
            quote!(#errors #body)
        }
        None => errors.unwrap_or_default(),
    }
}

fn expand(t: &Table, valid: bool) -> TokenStream {
    let columns = columns::column_handles(t);
    let table_impl = table::table_impl(t, valid);
    let insert = insert::insert_form(t);
    // Type checks only make sense on a valid model: they would repeat the errors above.
    let checks = if valid {
        type_checks::checks(t)
    } else {
        TokenStream::new()
    };
    let relations = if valid {
        relations::relations(t)
    } else {
        TokenStream::new()
    };
    let through = if valid {
        relations::through(t)
    } else {
        TokenStream::new()
    };
    let serialize = if t.serialize {
        serialize::serialize(t)
    } else {
        TokenStream::new()
    };
    quote! {
        #columns
        #insert
        #relations
        const _: () = {
            #table_impl
            #checks
            #through
            #serialize
        };
    }
}

/// `::weft::__private`, or the override.
fn private(t: &Table) -> TokenStream {
    let krate = &t.krate;
    quote!(#krate::__private)
}

/// `let _ = <ty as SqlValue>::SQL_TYPE;` at the field type's span: requires `ty` to be a
/// column type.
///
/// An unsupported field type must give one error, not one per use. Generated code therefore
/// names `ty: SqlValue` only as `<ty as SqlValue>::…` at the type's span (rustc prints such
/// identical errors from different bodies once), and a body that needs the bound some other
/// way (`RowReader::column::<ty>` in `decode`) starts with this statement: rustc reports a
/// failed bound once per span within a body.
fn column_type_check(t: &Table, ty: &syn::Type) -> TokenStream {
    let p = private(t);
    quote::quote_spanned!(syn::spanned::Spanned::span(ty)=> let _ = <#ty as #p::SqlValue>::SQL_TYPE;)
}

/// `tokens`, every one at `span`: rustc reports an error at the span of the token it blames,
/// and a check is about the user's attribute, not about where the tokens came from.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                TokenTree::Group(group)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}
