//! A small model of the table, built from the parsed attributes and checked across fields.
//! Nothing here knows about `quote!`.

use proc_macro2::Span;
use syn::{Ident, Path, Type, Visibility};

use crate::attr::{self, DefaultLit, OnDelete};
use crate::ctxt::Ctxt;

pub struct Table<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub relations: Vec<Relation<'a>>,
    /// `#[table(serialize)]`: generate `serde::Serialize`, leaving unloaded relations out.
    pub serialize: bool,
    pub sql_name: String,
    pub columns: Vec<Column<'a>>,
    pub primary_key: Vec<usize>,
    pub uniques: Vec<Vec<usize>>,
    pub indexes: Vec<Vec<usize>>,
    pub insert_ident: Ident,
    pub insert_derive: Vec<Path>,
    pub krate: Path,
}

pub struct Column<'a> {
    pub field: &'a Ident,
    pub ty: &'a Type,
    pub sql_name: String,
    pub auto: Option<Span>,
    pub unique: bool,
    pub keyed: bool,
    pub default: Option<DefaultLit>,
    pub references: Option<Reference>,
}

/// A `#[relation(…)]` field.
pub struct Relation<'a> {
    pub field: &'a Ident,
    /// The type parameter the field's type is.
    pub param: Ident,
    pub kind: RelKind,
    /// `many = Post`; `None` with `through`, where the junction names it.
    pub target: Option<Path>,
    pub through: Option<Path>,
    pub from: Vec<Path>,
    pub to: Vec<Path>,
    pub filter: Option<syn::Expr>,
    pub span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RelKind {
    Many,
    One,
    OptionalOne,
}

pub struct Reference {
    /// `User` in `references = User::id`.
    pub table: Path,
    /// `id` in `references = User::id`.
    pub column: Ident,
    pub span: Span,
    pub on_delete: Option<(Ident, OnDelete)>,
}

impl Column<'_> {
    /// Whether an insert may leave this column out.
    pub fn optional_in_insert(&self) -> bool {
        self.auto.is_some() || self.default.is_some()
    }
}

/// Builds the model, reporting every problem to `cx`. Returns `None` when the input is not a
/// struct with named fields at all (nothing sensible can be generated then).
pub fn build<'a>(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Table<'a>> {
    let fields = match &input.data {
        syn::Data::Struct(s) => match &s.fields {
            syn::Fields::Named(named) => &named.named,
            syn::Fields::Unnamed(_) => {
                cx.error_spanned(
                    &input.ident,
                    "`#[derive(Table)]` needs named fields: a tuple struct has no column names; write `struct Name { id: i64, … }`",
                );
                return None;
            }
            syn::Fields::Unit => {
                cx.error_spanned(
                    &input.ident,
                    "`#[derive(Table)]` needs named fields: a unit struct has no columns; write `struct Name { id: i64, … }`",
                );
                return None;
            }
        },
        syn::Data::Enum(e) => {
            cx.error_spanned(
                e.enum_token,
                "`#[derive(Table)]` works on structs with named fields, not enums",
            );
            return None;
        }
        syn::Data::Union(u) => {
            cx.error_spanned(
                u.union_token,
                "`#[derive(Table)]` works on structs with named fields, not unions",
            );
            return None;
        }
    };
    let params = relation_params(cx, &input.generics);
    if fields
        .iter()
        .all(|f| f.attrs.iter().any(|a| a.path().is_ident("relation")))
    {
        cx.error_spanned(&input.ident, "a table needs at least one column");
    }

    let attrs = attr::parse_table_attrs(cx, &input.attrs);
    let mut column_pk: Vec<(usize, Span)> = Vec::new();
    let mut columns: Vec<Column<'a>> = Vec::new();
    let mut relations: Vec<(usize, &'a syn::Field, Span, attr::RelationAttrs)> = Vec::new();
    for field in fields.iter() {
        let ident = field.ident.as_ref().expect("named fields have names");
        if let Some((span, rel)) = attr::parse_relation_attrs(cx, &field.attrs) {
            if field.attrs.iter().any(|a| a.path().is_ident("column")) {
                cx.error_at(span, "a field is either a column or a relation, not both");
            }
            relations.push((relations.len(), field, span, rel));
            continue;
        }
        if let Some(param) = mentions_param(&field.ty, &params) {
            cx.error_spanned(
                &field.ty,
                format!("only relation fields can use the type parameter `{param}`; mark the field `#[relation(…)]`"),
            );
        }
        let i = columns.len();
        let col = attr::parse_column_attrs(cx, &field.attrs);
        if let Some(span) = col.primary_key {
            column_pk.push((i, span));
        }
        let references = col
            .references
            .and_then(|path| reference(cx, path, col.on_delete.clone()));
        if references.is_none()
            && let Some((action, _)) = &col.on_delete
        {
            cx.error_spanned(
                action,
                "`on_delete` needs `references = Table::column` on the same column",
            );
        }
        if let (Some(auto), Some(_)) = (col.auto, &col.default) {
            cx.error_at(
                auto,
                "a column cannot be both `auto` and `default`: the database generates auto values",
            );
        }
        let sql_name = col
            .name
            .as_ref()
            .map_or_else(|| unraw(ident), |n| n.value());
        if let Some(name) = &col.name
            && name.value().is_empty()
        {
            cx.error_spanned(name, "a column name cannot be empty");
        }
        columns.push(Column {
            field: ident,
            ty: &field.ty,
            sql_name,
            auto: col.auto,
            unique: col.unique,
            keyed: col.unique || col.primary_key.is_some() || references.is_some(),
            default: col.default,
            references,
        });
    }

    for (i, a) in columns.iter().enumerate() {
        if let Some(b) = columns[..i].iter().find(|b| b.sql_name == a.sql_name) {
            cx.error_spanned(
                a.field,
                format!(
                    "column name `{}` is already used by field `{}`",
                    a.sql_name, b.field
                ),
            );
        }
    }

    let find = |name: &Ident| -> Option<usize> {
        let position = columns.iter().position(|c| c.field == name);
        if position.is_none() {
            let known: Vec<String> = columns.iter().map(|c| unraw(c.field)).collect();
            cx.error_spanned(
                name,
                format!(
                    "no field `{name}` in `{}`; its fields are: {}",
                    input.ident,
                    known.join(", ")
                ),
            );
        }
        position
    };
    let resolve = |names: &[Ident]| -> Option<Vec<usize>> {
        let found: Vec<Option<usize>> = names.iter().map(find).collect();
        found.into_iter().collect()
    };

    let primary_key = match (&attrs.primary_key, column_pk.as_slice()) {
        (Some((span, _)), [_, ..]) => {
            cx.error_at(
                *span,
                "the primary key is given twice: use either `#[table(primary_key(…))]` or `#[column(primary_key)]`",
            );
            Vec::new()
        }
        (Some((_, names)), []) => resolve(names).unwrap_or_default(),
        (None, many) => many.iter().map(|(i, _)| *i).collect(),
    };
    if primary_key.len() > 1 && attrs.primary_key.is_none() {
        cx.error_at(
            column_pk[1].1,
            "only one field can be `#[column(primary_key)]`; for a composite key write `#[table(primary_key(a, b))]`",
        );
    }
    let uniques: Vec<Vec<usize>> = attrs.uniques.iter().filter_map(|u| resolve(u)).collect();
    let indexes: Vec<Vec<usize>> = attrs.indexes.iter().filter_map(|u| resolve(u)).collect();

    for (i, col) in columns.iter().enumerate() {
        if let Some(auto) = col.auto
            && primary_key != [i]
        {
            cx.error_at(
                auto,
                "`auto` needs the column to be the table's only primary key: `#[column(primary_key, auto)]`",
            );
        }
    }

    for &i in primary_key
        .iter()
        .chain(uniques.iter().flatten())
        .chain(indexes.iter().flatten())
    {
        columns[i].keyed = true;
    }

    let sql_name = match &attrs.name {
        Some(n) => {
            if n.value().is_empty() {
                cx.error_spanned(n, "a table name cannot be empty");
            }
            n.value()
        }
        None => snake_case(&unraw(&input.ident)),
    };
    let relations = relations
        .into_iter()
        .filter_map(|(_, field, span, rel)| relation(cx, field, span, rel, &params, &columns))
        .collect::<Vec<_>>();
    for param in &params {
        if !relations.iter().any(|r| r.param == *param) {
            cx.error_spanned(param, format!("`{param}` is not the type of a relation field; weft tables take one type parameter per `#[relation(…)]` field"));
        }
    }

    let insert_ident = attrs
        .insert
        .clone()
        .unwrap_or_else(|| Ident::new(&format!("New{}", unraw(&input.ident)), input.ident.span()));
    Some(Table {
        ident: &input.ident,
        vis: &input.vis,
        relations,
        serialize: attrs.serialize,
        sql_name,
        columns,
        primary_key,
        uniques,
        indexes,
        insert_ident,
        insert_derive: attrs.insert_derive,
        krate: attrs.krate.unwrap_or_else(|| syn::parse_quote!(::weft)),
    })
}

/// The struct's type parameters; each must default to `NotLoaded`.
fn relation_params(cx: &Ctxt, generics: &syn::Generics) -> Vec<Ident> {
    let mut params = Vec::new();
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
                params.push(tp.ident.clone());
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
    params
}

/// The first of `params` that `ty` mentions.
fn mentions_param<'p>(ty: &Type, params: &'p [Ident]) -> Option<&'p Ident> {
    let text = quote::ToTokens::to_token_stream(ty);
    fn walk(ts: proc_macro2::TokenStream, params: &[Ident]) -> Option<&Ident> {
        for tt in ts {
            match tt {
                proc_macro2::TokenTree::Ident(i) => {
                    if let Some(p) = params.iter().find(|p| **p == i) {
                        return Some(p);
                    }
                }
                proc_macro2::TokenTree::Group(g) => {
                    if let Some(p) = walk(g.stream(), params) {
                        return Some(p);
                    }
                }
                _ => {}
            }
        }
        None
    }
    walk(text, params)
}

fn relation<'a>(
    cx: &Ctxt,
    field: &'a syn::Field,
    span: Span,
    rel: attr::RelationAttrs,
    params: &[Ident],
    columns: &[Column<'a>],
) -> Option<Relation<'a>> {
    let ident = field.ident.as_ref().expect("named fields have names");
    let param = match &field.ty {
        Type::Path(p)
            if p.qself.is_none() && p.path.get_ident().is_some_and(|i| params.contains(i)) =>
        {
            p.path.get_ident().cloned().expect("checked")
        }
        other => {
            cx.error_spanned(
                other,
                "a relation field's type is a type parameter of the struct: `struct User<Groups = weft::NotLoaded> { #[relation(…)] groups: Groups }`",
            );
            return None;
        }
    };
    let Some(many) = rel.many else {
        cx.error_at(span, "say whether the relation is `many` or `one`: `#[relation(many = Post)]`, `#[relation(one = User)]`");
        return None;
    };
    if rel.target.is_none() && rel.through.is_none() {
        cx.error_at(
            span,
            format!(
                "name the related table: `#[relation({} = Table)]`",
                if many { "many" } else { "one" }
            ),
        );
        return None;
    }
    if rel.from.len() != rel.to.len() && rel.through.is_none() {
        cx.error_at(span, "`from` and `to` name the same number of columns");
    }
    let kind = if many {
        RelKind::Many
    } else if rel.optional || rel.filter.is_some() || rel.through.is_some() {
        RelKind::OptionalOne
    } else {
        // Exactly one related row only when every key column is on this table, is a foreign
        // key into the target, and is not nullable.
        let target = rel.target.as_ref().map(path_text);
        let refers_to_target = |c: &Column| match (&c.references, &target) {
            (Some(r), Some(t)) => path_text(&r.table) == *t,
            _ => false,
        };
        let key_columns: Vec<&Column> = if rel.from.is_empty() {
            columns
                .iter()
                .filter(|c| refers_to_target(c))
                .take(1)
                .collect()
        } else {
            rel.from
                .iter()
                .map(|f| {
                    columns
                        .iter()
                        .find(|c| f.segments.last().is_some_and(|s| s.ident == *c.field))
                })
                .collect::<Option<Vec<_>>>()
                .unwrap_or_default()
        };
        if !key_columns.is_empty()
            && key_columns
                .iter()
                .all(|c| refers_to_target(c) && !is_option(c.ty))
        {
            RelKind::One
        } else {
            RelKind::OptionalOne
        }
    };
    Some(Relation {
        field: ident,
        param,
        kind,
        target: rel.target,
        through: rel.through,
        from: rel.from,
        to: rel.to,
        filter: rel.filter,
        span,
    })
}

/// The tokens of a path as text, for comparing paths.
pub fn path_text(path: &Path) -> String {
    quote::ToTokens::to_token_stream(path).to_string()
}

fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

fn reference(cx: &Ctxt, path: Path, on_delete: Option<(Ident, OnDelete)>) -> Option<Reference> {
    let span = syn::spanned::Spanned::span(&path);
    if path.segments.len() < 2 {
        cx.error_spanned(
            &path,
            "expected `references = Table::column`, e.g. `references = User::id`",
        );
        return None;
    }
    let mut table = path.clone();
    let last = table
        .segments
        .pop()
        .expect("checked: two or more segments")
        .into_value();
    // `pop` leaves the trailing `::`; drop it.
    let trimmed: Path = {
        let segs: Vec<_> = table.segments.iter().cloned().collect();
        Path {
            leading_colon: table.leading_colon,
            segments: segs.into_iter().collect(),
        }
    };
    Some(Reference {
        table: trimmed,
        column: last.ident,
        span,
        on_delete,
    })
}

/// `r#type` → `type`.
pub fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

/// `UsersToGroups` → `users_to_groups`, `HTTPLog` → `http_log`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("User"), "user");
        assert_eq!(snake_case("UsersToGroups"), "users_to_groups");
        assert_eq!(snake_case("HTTPLog"), "http_log");
        assert_eq!(snake_case("Post2Tag"), "post2_tag");
        assert_eq!(snake_case("already_snake"), "already_snake");
    }
}
