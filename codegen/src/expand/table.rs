//! `impl Table` (static metadata) and `impl DecodeRow` (row decoding).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::attr::{LitKind, OnDelete};
use crate::model::Table;
use crate::names;

pub fn table_impl(t: &Table, valid: bool) -> TokenStream {
    let p = super::private(t);
    let krate = &t.krate;
    let ident = t.ident;
    let insert = &t.insert_ident;
    let table = &t.sql_name;
    let rust_name = ident.to_string();

    let columns = t.columns.iter().enumerate().map(|(i, c)| {
        let name = &c.sql_name;
        let field = crate::model::unraw(c.field);
        let ty = c.ty;
        let auto = c.auto.is_some();
        let unique = if c.unique {
            let name = names::unique(t, &[i]);
            quote!(#p::Some(#name))
        } else {
            quote!(#p::None)
        };
        let keyed = c.keyed;
        let default = match c.default.as_ref().map(|d| &d.kind) {
            None => quote!(#p::None),
            Some(LitKind::Int(i)) => quote!(#p::Some(#p::DefaultValue::Int(#i))),
            Some(LitKind::Float(f)) => quote!(#p::Some(#p::DefaultValue::Float(#f))),
            Some(LitKind::Str(s)) => quote!(#p::Some(#p::DefaultValue::Text(#s))),
            Some(LitKind::Bool(b)) => quote!(#p::Some(#p::DefaultValue::Bool(#b))),
            Some(LitKind::Now) => quote!(#p::Some(#p::DefaultValue::Now)),
            Some(LitKind::Uuid) => quote!(#p::Some(#p::DefaultValue::Uuid)),
            Some(LitKind::Sql(s)) => quote!(#p::Some(#p::DefaultValue::Sql(#s))),
        };
        // With errors elsewhere, a reference may name a missing field: leave it out so the
        // only error is the one already reported.
        let references = match (&c.references, valid) {
            (Some(r), true) => {
                let path = &r.table;
                let col = &r.column;
                let on_delete = match c.on_delete.as_ref().map(|(_, a)| a) {
                    None => quote!(#p::None),
                    Some(OnDelete::Cascade) => quote!(#p::Some(#p::OnDelete::Cascade)),
                    Some(OnDelete::SetNull) => quote!(#p::Some(#p::OnDelete::SetNull)),
                    Some(OnDelete::Restrict) => quote!(#p::Some(#p::OnDelete::Restrict)),
                    Some(OnDelete::NoAction) => quote!(#p::Some(#p::OnDelete::NoAction)),
                };
                let name = names::foreign_key(t, i);
                quote_spanned! {r.span=>
                    #p::Some(#p::ForeignKey {
                        name: #name,
                        table: #path::#col.table_name(),
                        column: #path::#col.name(),
                        on_delete: #on_delete,
                    })
                }
            }
            _ => quote!(#p::None),
        };
        let sql_type = quote_spanned!(ty.span()=> <#ty as #p::SqlValue>::SQL_TYPE);
        let nullable = quote_spanned!(ty.span()=> <#ty as #p::SqlValue>::NULLABLE);
        let allowed = quote_spanned!(ty.span()=> <#ty as #p::SqlValue>::ALLOWED);
        let renamed_from = option_str(&p, c.renamed_from.as_deref());
        quote! {
            #p::ColumnMeta {
                name: #name,
                field: #field,
                sql_type: #sql_type,
                nullable: #nullable,
                auto: #auto,
                unique: #unique,
                keyed: #keyed,
                default: #default,
                references: #references,
                allowed: #allowed,
                renamed_from: #renamed_from,
            }
        }
    });
    let primary_key = &t.primary_key;
    let primary_key_name = if primary_key.is_empty() {
        quote!(#p::None)
    } else {
        let name = names::primary_key(t);
        quote!(#p::Some(#name))
    };
    let uniques = t.uniques.iter().map(|u| {
        let name = names::unique(t, u);
        quote!(#p::UniqueMeta { name: #name, columns: &[#(#u),*] })
    });
    let indexes = t.indexes.iter().map(|u| {
        let name = names::index(t, u);
        quote!(#p::IndexMeta { name: #name, columns: &[#(#u),*] })
    });
    // With errors, the relation markers are not generated.
    let relations = t.relations.iter().filter(|_| valid).map(|r| {
        let marker = super::relations::marker(t, r);
        quote!(<#marker as #p::Relation>::META)
    });

    let decoders = t.columns.iter().map(|c| {
        let field = c.field;
        let ty = c.ty;
        let name = &c.sql_name;
        quote_spanned!(ty.span()=> #field: __reader.column::<#ty>(#table, #name)?)
    });
    let type_checks: Vec<_> = t
        .columns
        .iter()
        .map(|c| super::column_type_check(t, c.ty))
        .collect();
    let json_decoders = t.columns.iter().map(|c| {
        let field = c.field;
        let ty = c.ty;
        let name = &c.sql_name;
        quote_spanned!(ty.span()=> #field: __row.column::<#ty>(#name)?)
    });
    let not_loaded: Vec<_> = t
        .relations
        .iter()
        .map(|r| {
            let field = r.field;
            quote!(#field: #p::NotLoaded)
        })
        .collect();

    // With errors in the model, the struct literal may not match the struct (a dropped
    // relation field): the bodies never run, since compilation fails, so they only return.
    let decode = if valid {
        quote! {
            #[inline]
            fn decode(__reader: &mut #p::RowReader<'_>) -> #p::Result<Self, #krate::Error> {
                #(#type_checks)*
                #p::Ok(Self { #(#decoders,)* #(#not_loaded,)* })
            }

            #[inline]
            fn decode_json<__R: #p::JsonRow>(__row: &mut __R) -> #p::Result<Self, #p::JsonStop> {
                #(#type_checks)*
                #p::Ok(Self { #(#json_decoders,)* #(#not_loaded,)* })
            }
        }
    } else {
        quote! {
            fn decode(_: &mut #p::RowReader<'_>) -> #p::Result<Self, #krate::Error> {
                #p::Err(#krate::Error::NotFound { sql: #p::String::new() })
            }
            fn decode_json<__R: #p::JsonRow>(_: &mut __R) -> #p::Result<Self, #p::JsonStop> {
                #p::Err(#p::JsonStop)
            }
        }
    };
    // The columns' types in order, as a tuple: what a derived table or CTE of this shape
    // must select.
    let row_types = t.columns.iter().map(|c| c.ty);
    let row = quote!((#(#row_types,)*));
    let table_renamed_from = option_str(&p, t.renamed_from.as_deref());
    let meta = quote! {
        const META: &'static #p::TableMeta = &#p::TableMeta {
            relations: &[#(#relations),*],
            ..*<Self as #p::Table>::META_WITHOUT_RELATIONS
        };
    };
    // A relation that cannot be resolved makes `META` erroneous too; rustc notes that at the
    // item, so the item is at the first relation, where the relation's own error points.
    let meta = match t.relations.first() {
        Some(r) if valid => super::respan(meta, r.span),
        _ => meta,
    };
    quote! {
        #[automatically_derived]
        impl #p::Table for #ident {
            #meta
            const META_WITHOUT_RELATIONS: &'static #p::TableMeta = &#p::TableMeta {
                name: #table,
                rust_name: #rust_name,
                columns: &[#(#columns),*],
                primary_key: &[#(#primary_key),*],
                primary_key_name: #primary_key_name,
                uniques: &[#(#uniques),*],
                indexes: &[#(#indexes),*],
                relations: &[],
                renamed_from: #table_renamed_from,
            };
            type Insert = #insert;
            type Row = #row;
        }

        #[automatically_derived]
        impl #p::DecodeRow for #ident {
            #decode
        }
    }
}

/// `Some("…")` or `None`, for an optional name in the metadata.
fn option_str(p: &TokenStream, name: Option<&str>) -> TokenStream {
    match name {
        Some(name) => quote!(#p::Some(#name)),
        None => quote!(#p::None),
    }
}
