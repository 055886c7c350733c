//! `#[derive(Selectable)]`: a struct read from named columns, `select(…).columns(Row::as_select())`.
//!
//! ```text
//! #[derive(Selectable)]
//! #[selectable(table = User)]           // where fields without their own column come from
//! struct Row {
//!     id: i64,                          // User::id
//!     #[selectable(column = Post::title)]
//!     title: Option<String>,            // Post::title, nullable for a left join
//!     #[selectable(column = Inviter::col(User::name))]
//!     inviter: Option<String>,          // a column read through a `weft::alias!`
//! }
//! ```

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path};

use crate::ctxt::Ctxt;

/// Tuples implement `Selection` up to this length; longer field lists nest.
const MAX_TUPLE: usize = 12;

struct Field<'a> {
    ident: &'a Ident,
    ty: &'a syn::Type,
    /// `User` for `User::id`.
    table: Path,
    /// `User::id`.
    column: TokenStream,
}

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::default();
    let fields = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Named(named),
            ..
        }) => &named.named,
        _ => {
            cx.error_spanned(
                &input.ident,
                "`#[derive(Selectable)]` needs a struct with named fields: `struct Row { id: i64 }`",
            );
            return cx
                .finish()
                .map(|e| e.to_compile_error())
                .unwrap_or_default();
        }
    };
    if !input.generics.params.is_empty() {
        cx.error_spanned(
            &input.generics,
            "`#[derive(Selectable)]` does not support generic parameters",
        );
    }
    let mut table: Option<Path> = None;
    let mut krate: Option<Path> = None;
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("selectable"))
    {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                table = Some(meta.value()?.parse()?);
                Ok(())
            } else if meta.path.is_ident("crate") {
                krate = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error("unknown `selectable` attribute; expected one of: table, crate"))
            }
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    let krate = krate.unwrap_or_else(|| syn::parse_quote!(::weft));
    let p = quote!(#krate::__private);

    let mut model = Vec::new();
    for field in fields {
        let ident = field.ident.as_ref().expect("named fields have names");
        let mut column: Option<Path> = None;
        // `Alias::col(Table::field)`: the alias is the column's table.
        let mut through: Option<syn::ExprCall> = None;
        for attr in field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("selectable"))
        {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("column") {
                    match meta.value()?.parse::<syn::Expr>()? {
                        syn::Expr::Path(p) if p.qself.is_none() => column = Some(p.path),
                        syn::Expr::Call(call) => match &*call.func {
                            syn::Expr::Path(f)
                                if f.path.segments.len() >= 2
                                    && f.path.segments.last().is_some_and(|s| s.ident == "col") =>
                            {
                                let mut alias = f.path.clone();
                                alias.segments =
                                    f.path.segments.iter().take(f.path.segments.len() - 1).cloned().collect();
                                column = Some(alias);
                                through = Some(call.clone());
                            }
                            _ => return Err(meta.error(
                                "expected `column = Table::field` or `column = Alias::col(Table::field)`",
                            )),
                        },
                        _ => return Err(meta.error(
                            "expected `column = Table::field` or `column = Alias::col(Table::field)`",
                        )),
                    }
                    Ok(())
                } else {
                    Err(meta.error("unknown `selectable` field attribute; expected: column"))
                }
            });
            if let Err(e) = result {
                cx.syn_error(e);
            }
        }
        let (table, column) = match (column, &table, through) {
            (Some(alias), _, Some(call)) => (alias, quote_spanned!(call.span()=> #call)),
            (Some(path), _, None) if path.segments.len() >= 2 => {
                let mut table = path.clone();
                table.segments = path
                    .segments
                    .iter()
                    .take(path.segments.len() - 1)
                    .cloned()
                    .collect();
                (table, quote_spanned!(path.span()=> #path))
            }
            (Some(path), _, None) => {
                cx.error_spanned(
                    &path,
                    "expected `column = Table::field`, e.g. `column = User::name`",
                );
                continue;
            }
            (None, Some(table), _) => {
                (table.clone(), quote_spanned!(ident.span()=> #table::#ident))
            }
            (None, None, _) => {
                cx.error_spanned(
                    ident,
                    "say where this field comes from: `#[selectable(table = User)]` on the struct, or `#[selectable(column = User::id)]` here",
                );
                continue;
            }
        };
        model.push(Field {
            ident,
            ty: &field.ty,
            table,
            column,
        });
    }
    if fields.is_empty() {
        cx.error_spanned(&input.ident, "a selectable struct needs at least one field");
    }
    if let Some(errors) = cx.finish() {
        return errors.to_compile_error();
    }

    let ident = &input.ident;
    let bindings: Vec<Ident> = (0..model.len())
        .map(|i| format_ident!("__f{}", i))
        .collect();
    let column_types = nest(model.iter().map(|f| {
        let ty = f.ty;
        let table = &f.table;
        quote!(#p::Column<#table, #ty>)
    }));
    let values = nest(model.iter().map(|f| {
        let ty = f.ty;
        let column = &f.column;
        quote_spanned!(ty.span()=> #column.__select_as::<#ty>())
    }));
    let pattern = nest(bindings.iter().map(|b| quote!(#b)));
    let names = model.iter().map(|f| f.ident);
    let vis = &input.vis;
    quote! {
        impl #ident {
            /// The selection that reads this struct: `.columns(Self::as_select())`.
            #[allow(dead_code)]
            #vis fn as_select() -> #p::As<#ident> {
                #p::As::new()
            }
        }

        const _: () = {
            #[automatically_derived]
            impl #p::Selectable for #ident {
                type Columns = #column_types;
                #[inline]
                fn columns() -> Self::Columns {
                    #values
                }
                #[inline]
                fn from_output(__output: <Self::Columns as #p::Selection>::Output) -> Self {
                    let #pattern = __output;
                    Self { #(#names: #bindings),* }
                }
            }
        };
    }
}

/// `(a, b, …)` for up to [`MAX_TUPLE`] items, nested tuples of tuples beyond.
fn nest(items: impl Iterator<Item = TokenStream>) -> TokenStream {
    let items: Vec<TokenStream> = items.collect();
    if items.len() <= MAX_TUPLE {
        return quote!((#(#items,)*));
    }
    let chunks = items.chunks(MAX_TUPLE).map(|c| quote!((#(#c,)*)));
    quote!((#(#chunks,)*))
}
