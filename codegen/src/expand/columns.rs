//! Typed column handles: `User::name` is a `Column<User, String>`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::model::Table;

pub fn column_handles(t: &Table) -> TokenStream {
    let p = super::private(t);
    let ident = t.ident;
    let vis = t.vis;
    let table = &t.sql_name;
    let consts = t.columns.iter().map(|c| {
        let field = c.field;
        let ty = c.ty;
        let name = &c.sql_name;
        let doc = format!("The `{table}.{name}` column, for queries.");
        quote_spanned! {field.span()=>
            #[doc = #doc]
            #vis const #field: #p::Column<#ident, #ty> = #p::Column::new(#table, #name);
        }
    });
    let relations = super::relations::handles(t);
    quote! {
        #[allow(non_upper_case_globals, dead_code)]
        impl #ident {
            #(#consts)*
            #(#relations)*
        }
    }
}
