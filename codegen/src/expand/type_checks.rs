//! Type checks the compiler must make, emitted at the user's spans so the error points at
//! the attribute or field that is wrong. They live in a function that is never called.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};

use crate::attr::{LitKind, OnDelete};
use crate::model::Table;

pub fn checks(t: &Table) -> TokenStream {
    let p = super::private(t);
    let mut checks = Vec::new();
    for c in &t.columns {
        let ty = c.ty;
        checks.push(super::column_type_check(t, ty));
        if let Some(auto) = c.auto {
            let ty = respan_type(ty, auto);
            checks.push(quote_spanned!(auto=> #p::check_auto::<#ty>();));
        }
        if let Some(d) = &c.default {
            let kind = match d.kind {
                LitKind::Int(_) => Some(quote!(Int)),
                LitKind::Float(_) => Some(quote!(Float)),
                LitKind::Str(_) => Some(quote!(Str)),
                LitKind::Bool(_) => Some(quote!(Bool)),
                LitKind::Now => Some(quote!(Now)),
                LitKind::Uuid => Some(quote!(Uuid)),
                // Hand-written SQL: the database checks it when the table is created.
                LitKind::Sql(_) => None,
            };
            if let Some(kind) = kind {
                let ty = respan_type(ty, d.span);
                checks.push(quote_spanned!(d.span=> #p::check_default::<#ty, #p::lit::#kind>();));
            }
        }
        // `default_fn`'s type is checked by the function the insert form calls (`insert.rs`).
        if let Some(r) = &c.references {
            let path = &r.table;
            let col = &r.column;
            // A method of the referenced column: see `Column::__check_references`.
            let fk_ty = respan_type(ty, col.span());
            checks.push(quote_spanned!(r.span=> #path::#col.__check_references::<#fk_ty>();));
            if let Some((action, OnDelete::SetNull)) = &c.on_delete {
                let ty = respan_type(ty, action.span());
                checks.push(quote_spanned!(action.span()=> #p::check_nullable::<#ty>();));
            }
        }
    }
    quote! {
        #[allow(dead_code, clippy::all)]
        fn __weft_checks() {
            #(#checks)*
        }
    }
}

/// The tokens of `ty`, all at `span`: rustc points a failed bound on a generic argument at
/// that argument, and a check is about the attribute, not the field's type.
pub(super) fn respan_type(ty: &syn::Type, span: Span) -> TokenStream {
    super::respan(ty.to_token_stream(), span)
}
