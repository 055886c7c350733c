//! The rules of `#[derive(Table)]` that span several attributes or fields, one `check_*`
//! function per rule, all run by [`check`] on a built model. Every broken rule is reported to
//! the context; none stops the others.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::{Ident, Type};

use crate::ctxt::Ctxt;
use crate::model::Table;

/// Runs every rule on `t`, the model built from `input`.
pub fn check(cx: &Ctxt, input: &syn::DeriveInput, t: &Table) {
    check_has_a_column(cx, input, t);
    check_column_or_relation(cx, input);
    check_type_params(cx, &input.generics);
    check_columns_do_not_use_params(cx, t);
    check_on_delete_has_references(cx, t);
    check_auto_without_default(cx, t);
    check_names_not_empty(cx, t);
    check_column_names_unique(cx, t);
    check_primary_key_given_once(cx, t);
    check_auto_is_sole_primary_key(cx, t);
    check_relation_keys_line_up(cx, t);
    check_every_param_is_a_relation(cx, t);
}

fn check_has_a_column(cx: &Ctxt, input: &syn::DeriveInput, t: &Table) {
    if t.columns.is_empty() {
        cx.error_spanned(&input.ident, "a table needs at least one column");
    }
}

fn check_column_or_relation(cx: &Ctxt, input: &syn::DeriveInput) {
    let syn::Data::Struct(s) = &input.data else {
        return;
    };
    for field in &s.fields {
        let relation = field.attrs.iter().find(|a| a.path().is_ident("relation"));
        let column = field.attrs.iter().any(|a| a.path().is_ident("column"));
        if let (Some(relation), true) = (relation, column) {
            let span = relation
                .path()
                .get_ident()
                .map_or_else(Span::call_site, Ident::span);
            cx.error_at(span, "a field is either a column or a relation, not both");
        }
    }
}

/// Each type parameter is a relation field's type, defaulting to `NotLoaded`, unbounded.
fn check_type_params(cx: &Ctxt, generics: &syn::Generics) {
    for param in &generics.params {
        match param {
            syn::GenericParam::Type(tp) => {
                let defaults_to_not_loaded = matches!(
                    &tp.default,
                    Some(syn::Type::Path(p)) if p.path.segments.last().is_some_and(|s| s.ident == "NotLoaded")
                );
                if !defaults_to_not_loaded {
                    cx.error_spanned(
                        &tp.ident,
                        format!("a relation's type parameter defaults to `NotLoaded`: write `{} = weft::NotLoaded`", tp.ident),
                    );
                }
                if !tp.bounds.is_empty() {
                    cx.error_spanned(&tp.bounds, "relation type parameters take no bounds");
                }
            }
            other => cx.error_spanned(
                other,
                "weft tables take only type parameters, one per `#[relation(…)]` field",
            ),
        }
    }
    if let Some(w) = &generics.where_clause {
        cx.error_spanned(w, "weft tables take no where clause");
    }
}

fn check_columns_do_not_use_params(cx: &Ctxt, t: &Table) {
    for c in &t.columns {
        if let Some(param) = mentions_param(c.ty, &t.params) {
            cx.error_spanned(
                c.ty,
                format!("only relation fields can use the type parameter `{param}`; mark the field `#[relation(…)]`"),
            );
        }
    }
}

fn check_on_delete_has_references(cx: &Ctxt, t: &Table) {
    for c in &t.columns {
        if let (None, Some((action, _))) = (&c.references, &c.on_delete) {
            cx.error_spanned(
                action,
                "`on_delete` needs `references = Table::column` on the same column",
            );
        }
    }
}

fn check_auto_without_default(cx: &Ctxt, t: &Table) {
    for c in &t.columns {
        if let (Some(auto), Some(_)) = (c.auto, &c.default) {
            cx.error_at(
                auto,
                "a column cannot be both `auto` and `default`: the database generates auto values",
            );
        }
    }
}

fn check_names_not_empty(cx: &Ctxt, t: &Table) {
    for name in t.columns.iter().filter_map(|c| c.name_attr.as_ref()) {
        if name.value().is_empty() {
            cx.error_spanned(name, "a column name cannot be empty");
        }
    }
    if let Some(name) = &t.name_attr
        && name.value().is_empty()
    {
        cx.error_spanned(name, "a table name cannot be empty");
    }
}

fn check_column_names_unique(cx: &Ctxt, t: &Table) {
    for (i, a) in t.columns.iter().enumerate() {
        if let Some(b) = t.columns[..i].iter().find(|b| b.sql_name == a.sql_name) {
            cx.error_spanned(
                a.field,
                format!(
                    "column name `{}` is already used by field `{}`",
                    a.sql_name, b.field
                ),
            );
        }
    }
}

fn check_primary_key_given_once(cx: &Ctxt, t: &Table) {
    let source = &t.primary_key_source;
    match (source.table, source.columns.as_slice()) {
        (Some(span), [_, ..]) => cx.error_at(
            span,
            "the primary key is given twice: use either `#[table(primary_key(…))]` or `#[column(primary_key)]`",
        ),
        (None, [_, (_, second), ..]) => cx.error_at(
            *second,
            "only one field can be `#[column(primary_key)]`; for a composite key write `#[table(primary_key(a, b))]`",
        ),
        _ => {}
    }
}

fn check_auto_is_sole_primary_key(cx: &Ctxt, t: &Table) {
    for (i, c) in t.columns.iter().enumerate() {
        if let Some(auto) = c.auto
            && t.primary_key != [i]
        {
            cx.error_at(
                auto,
                "`auto` needs the column to be the table's only primary key: `#[column(primary_key, auto)]`",
            );
        }
    }
}

fn check_relation_keys_line_up(cx: &Ctxt, t: &Table) {
    for r in &t.relations {
        if r.from.len() != r.to.len() && r.through.is_none() {
            cx.error_at(r.span, "`from` and `to` name the same number of columns");
        }
    }
}

fn check_every_param_is_a_relation(cx: &Ctxt, t: &Table) {
    for param in &t.params {
        if !t.relations.iter().any(|r| r.param == *param) {
            cx.error_spanned(param, format!("`{param}` is not the type of a relation field; weft tables take one type parameter per `#[relation(…)]` field"));
        }
    }
}

/// The first of `params` that `ty` mentions.
fn mentions_param<'p>(ty: &Type, params: &'p [Ident]) -> Option<&'p Ident> {
    fn walk(ts: TokenStream, params: &[Ident]) -> Option<&Ident> {
        ts.into_iter().find_map(|tt| match tt {
            TokenTree::Ident(i) => params.iter().find(|p| **p == i),
            TokenTree::Group(g) => walk(g.stream(), params),
            _ => None,
        })
    }
    walk(quote::ToTokens::to_token_stream(ty), params)
}
