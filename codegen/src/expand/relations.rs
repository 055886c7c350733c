//! Relations: a hidden marker type per relation with its `Relation` impl (keys resolved at
//! compile time), `SetRelation` to fill the field in, the `User::groups` handle, and, on a
//! junction table, `Through` impls naming the table on its other side.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use crate::attr::path_name;
use crate::model::{RelKind, Relation, Table, path_text, unraw};

pub fn marker(t: &Table, r: &Relation) -> syn::Ident {
    format_ident!("__weft_rel_{}_{}", unraw(t.ident), unraw(r.field))
}

/// The related table's type.
pub fn target_type(t: &Table, r: &Relation) -> TokenStream {
    let p = super::private(t);
    let ident = t.ident;
    match (&r.target, &r.through) {
        (Some(target), _) => quote!(#target),
        // Every token at the junction's path, so that a junction without the keys is one
        // error there however many places name the target.
        (None, Some(through)) => {
            let span = syn::spanned::Spanned::span(through);
            super::respan(quote!(<#through as #p::Through<#ident>>::Other), span)
        }
        (None, None) => quote!(()),
    }
}

pub fn relations(t: &Table) -> TokenStream {
    let p = super::private(t);
    let ident = t.ident;
    let vis = t.vis;
    let params: Vec<&syn::Ident> = t.relations.iter().map(|r| &r.param).collect();
    let source_name = unraw(ident);
    let items = t.relations.iter().map(|r| {
        let marker = marker(t, r);
        let target = target_type(t, r);
        let field = r.field;
        let name = unraw(field);
        let kind = match r.kind {
            RelKind::Many => quote!(#p::kind::Many),
            RelKind::One => quote!(#p::kind::One),
            RelKind::OptionalOne => quote!(#p::kind::OptionalOne),
        };
        let many = r.kind == RelKind::Many;
        let cardinality = quote!(<#kind as #p::RelationKind>::CARDINALITY);
        let target_name = r.target.as_ref().map(path_name).unwrap_or_else(|| "the related table".into());
        let (no_key, ambiguous) = match &r.through {
            Some(j) => {
                let j = path_name(j);
                (
                    format!("weft: `{j}` needs a foreign key into each side of relation `{source_name}.{name}`: add `#[column(references = …)]` to its columns, or name them with `from = {j}::…, to = {j}::…`"),
                    format!("weft: `{j}` has several foreign keys into one side of relation `{source_name}.{name}`: name the junction columns with `from = {j}::…, to = {j}::…`"),
                )
            }
            None if many => (
                format!("weft: `{target_name}` has no foreign key into `{source_name}` for relation `{source_name}.{name}`: add `#[column(references = {source_name}::…)]` to it, or name the keys with `from = {source_name}::…, to = {target_name}::…`"),
                format!("weft: `{target_name}` has several foreign keys into `{source_name}`: say which relation `{source_name}.{name}` follows with `from = {source_name}::…, to = {target_name}::…`"),
            ),
            None => (
                format!("weft: no foreign key links `{source_name}` and `{target_name}` for relation `{source_name}.{name}`: add `#[column(references = …)]`, or name the keys with `from = …, to = …`"),
                format!("weft: several foreign keys link `{source_name}` and `{target_name}`: say which relation `{source_name}.{name}` follows with `from = …, to = …`"),
            ),
        };
        let mismatch = format!(
            "weft: the keys of relation `{source_name}.{name}` do not line up: `from` names columns of `{source_name}` (of the junction with `through`), `to` columns of the related table (of the junction with `through`), in matching numbers (at most four); key columns are integers, text, bytes or UUIDs"
        );
        let through = match &r.through {
            Some(j) => quote!(#p::Some(<#j as #p::Table>::META_WITHOUT_RELATIONS)),
            None => quote!(#p::None),
        };
        let from = r.from.iter().map(|c| quote!((#c.table_name(), #c.name())));
        let to = r.to.iter().map(|c| quote!((#c.table_name(), #c.name())));
        let junction = match &r.through {
            Some(j) => quote!(#j),
            None => quote!(#p::NoJunction),
        };
        let filter = r.filter.as_ref().map(|f| {
            quote! {
                const FILTER: #p::Option<fn() -> #p::Node> = #p::Some(|| {
                    #p::relation_filter_node::<#p::RelTables<#target, #junction>, _, _>(#f)
                });
            }
        });
        let filter_source = r.filter_source.as_ref().map(|f| {
            quote! {
                const SOURCE_FILTER: #p::Option<fn() -> #p::Node> = #p::Some(|| {
                    #p::relation_filter_node::<#p::RelSource<#ident>, _, _>(#f)
                });
            }
        });
        let span = r.span;
        // Where a target named through the junction is blamed: there, like every other use.
        let target_span = match (&r.target, &r.through) {
            (None, Some(j)) => syn::spanned::Spanned::span(j),
            _ => span,
        };
        // At the attribute: a key that cannot be resolved is reported there. The `from`/`to`
        // paths keep their own spans, so a misspelt column is blamed where it is written.
        let fields = super::respan(
            quote! {
                name: #name,
                source: <#ident as #p::Table>::META_WITHOUT_RELATIONS,
                target: <#target as #p::Table>::META_WITHOUT_RELATIONS,
                through: #through,
                kind: #cardinality,
                no_key: #no_key,
                ambiguous: #ambiguous,
                mismatch: #mismatch,
            },
            target_span,
        );
        let mut spec = proc_macro2::Group::new(
            proc_macro2::Delimiter::Brace,
            quote!(#fields from: &[#(#from),*], to: &[#(#to),*],),
        );
        spec.set_span(target_span);
        let call = super::respan(quote!(&#p::resolve), target_span);
        let spec_type = super::respan(quote!(#p::RelationSpec), target_span);
        let mut args = proc_macro2::Group::new(
            proc_macro2::Delimiter::Parenthesis,
            quote!(#spec_type #spec),
        );
        args.set_span(target_span);
        let resolve = quote!(#call #args);
        let target_item = quote_spanned!(target_span=> type Target = #target;);
        let force = quote_spanned!(span=> const _: &#p::RelationMeta = <#marker as #p::Relation>::META;);

        // `User<G1, G2>` → `User<G1, __X>` for this relation's parameter.
        let replaced = params.iter().map(|q| if **q == r.param { quote!(__X) } else { quote!(#q) });
        let param = &r.param;
        let moves = t.columns.iter().map(|c| c.field).chain(t.relations.iter().filter(|o| o.field != r.field).map(|o| o.field));
        let moves: Vec<_> = moves.map(|f| quote!(#f: self.#f)).collect();
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #vis struct #marker;

            const _: () = {
                #[automatically_derived]
                impl #p::Relation for #marker {
                    type Source = #ident;
                    #target_item
                    type Junction = #junction;
                    type Kind = #kind;
                    const META: &'static #p::RelationMeta = #resolve;
                    #filter
                    #filter_source
                }
                #force

                #[automatically_derived]
                impl #p::RelationOf<#ident> for #marker {}

                #[automatically_derived]
                impl<#(#params,)* __X> #p::SetRelation<#marker, __X> for #ident<#(#params),*> {
                    type Out = #ident<#(#replaced),*>;
                    // `.with` requires it `NotLoaded`: a second `.with` of the relation is an
                    // error, not a silent replacement of the first.
                    type Current = #param;
                    #[inline]
                    fn set_relation(self, __value: __X) -> Self::Out {
                        #ident { #(#moves,)* #field: __value }
                    }
                }
            };
        }
    });
    quote! {
        #(#items)*
        #[automatically_derived]
        impl<#(#params),*> #p::IsLoaded for #ident<#(#params),*> {}

        // A second `SetRelation` impl, so that passing another table's relation to `.with(…)`
        // is reported as a missing impl rather than a type mismatch against the only one.
        #[automatically_derived]
        impl<#(#params,)* __X> #p::SetRelation<#p::NoRelation, __X> for #ident<#(#params),*> {
            type Out = Self;
            type Current = #p::NotLoaded;
            fn set_relation(self, _: __X) -> Self {
                self
            }
        }
    }
}

/// `User::groups`: the relation handles, for the column-handle `impl`.
pub fn handles(t: &Table) -> Vec<TokenStream> {
    let p = super::private(t);
    let vis = t.vis;
    let ident = t.ident;
    t.relations
        .iter()
        .map(|r| {
            let marker = marker(t, r);
            let target = target_type(t, r);
            let field = r.field;
            let doc = format!(
                "The `{}` relation of [`{ident}`], for `find_many(…).with(…)` and `exists`.",
                unraw(field)
            );
            quote_spanned! {field.span()=>
                #[doc = #doc]
                #vis const #field: #p::Rel<#marker, #p::Base<#target>> = #p::Rel::new();
            }
        })
        .collect()
}

/// On a junction (exactly two foreign keys, into two different tables): `Through` both ways.
pub fn through(t: &Table) -> TokenStream {
    let p = super::private(t);
    let ident = t.ident;
    let refs: Vec<_> = t
        .columns
        .iter()
        .filter_map(|c| c.references.as_ref())
        .collect();
    match refs.as_slice() {
        [a, b] if path_text(&a.table) != path_text(&b.table) => {
            let (a, b) = (&a.table, &b.table);
            quote! {
                #[automatically_derived]
                impl #p::Through<#a> for #ident { type Other = #b; }
                #[automatically_derived]
                impl #p::Through<#b> for #ident { type Other = #a; }
            }
        }
        _ => TokenStream::new(),
    }
}
