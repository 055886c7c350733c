//! `#[table(serialize)]`: `serde::Serialize` in the nested shape Drizzle returns, with
//! unloaded relations left out: `{"id":1,"name":"Dan","groups":[…]}`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Table, unraw};

pub fn serialize(t: &Table) -> TokenStream {
    let p = super::private(t);
    let ident = t.ident;
    let name = unraw(ident);
    let params: Vec<_> = t.relations.iter().map(|r| &r.param).collect();
    let columns = t.columns.len();
    let column_fields = t.columns.iter().map(|c| {
        let field = c.field;
        let key = unraw(field);
        quote!(#p::serde::ser::SerializeStruct::serialize_field(&mut __s, #key, &self.#field)?;)
    });
    let relation_fields: Vec<_> = t
        .relations
        .iter()
        .map(|r| {
            let field = r.field;
            let key = unraw(field);
            quote! {
                if #p::IsLoaded::is_loaded(&self.#field) {
                    #p::serde::ser::SerializeStruct::serialize_field(&mut __s, #key, &self.#field)?;
                } else {
                    #p::serde::ser::SerializeStruct::skip_field(&mut __s, #key)?;
                }
            }
        })
        .collect();
    let counted = t.relations.iter().map(|r| {
        let field = r.field;
        quote!(usize::from(#p::IsLoaded::is_loaded(&self.#field)))
    });
    let column_types = t.columns.iter().map(|c| c.ty);
    quote! {
        #[automatically_derived]
        impl<#(#params),*> #p::serde::Serialize for #ident<#(#params),*>
        where
            #(#params: #p::serde::Serialize + #p::IsLoaded,)*
            #(#column_types: #p::serde::Serialize,)*
        {
            fn serialize<__S: #p::serde::Serializer>(&self, __serializer: __S) -> #p::Result<__S::Ok, __S::Error> {
                let __len = #columns #(+ #counted)*;
                let mut __s = #p::serde::Serializer::serialize_struct(__serializer, #name, __len)?;
                #(#column_fields)*
                #(#relation_fields)*
                #p::serde::ser::SerializeStruct::end(__s)
            }
        }
    }
}
