//! A small model of the table, built from the parsed attributes. Building reports only what
//! stops it (a struct without named fields, a name that resolves to nothing, a relation it
//! cannot make sense of); the rules across fields are in [`crate::check`]. Nothing here knows
//! about `quote!`.

use proc_macro2::Span;
use syn::{Ident, LitStr, Path, Type, Visibility};

use crate::attr::{self, DefaultLit, OnDelete};
use crate::ctxt::Ctxt;

/// A `#[derive(Table)]` struct.
pub struct Table<'a> {
    /// The struct's name.
    pub ident: &'a Ident,
    /// The struct's visibility, given to the generated items.
    pub vis: &'a Visibility,
    /// The struct's type parameters, one per relation field.
    pub params: Vec<Ident>,
    /// The `#[relation(…)]` fields that could be understood.
    pub relations: Vec<Relation<'a>>,
    /// `#[table(serialize)]`: generate `serde::Serialize`, leaving unloaded relations out.
    pub serialize: bool,
    /// The SQL name.
    pub sql_name: String,
    /// `#[table(name = "…")]` as written.
    pub name_attr: Option<LitStr>,
    /// The column fields, in declaration order.
    pub columns: Vec<Column<'a>>,
    /// Positions in `columns`; empty when the key is given twice (see [`PrimaryKeySource`]).
    pub primary_key: Vec<usize>,
    /// Where the primary key was declared, for the rules about it.
    pub primary_key_source: PrimaryKeySource,
    /// `#[table(unique(…))]`, as positions in `columns`.
    pub uniques: Vec<Vec<usize>>,
    /// `#[table(index(…))]`, as positions in `columns`.
    pub indexes: Vec<Vec<usize>>,
    /// The insert form's name (`NewUser`).
    pub insert_ident: Ident,
    /// Derives for the insert form.
    pub insert_derive: Vec<Path>,
    /// Where generated code finds `weft`.
    pub krate: Path,
    /// `#[table(renamed_from = "…")]`.
    pub renamed_from: Option<String>,
}

/// Where the primary key was declared: on the table, on columns, or (wrongly) both.
#[derive(Default)]
pub struct PrimaryKeySource {
    /// The `primary_key` of `#[table(primary_key(…))]`.
    pub table: Option<Span>,
    /// Each `#[column(primary_key)]`: the column's position and the attribute's span.
    pub columns: Vec<(usize, Span)>,
}

/// A column field.
pub struct Column<'a> {
    /// The field's name.
    pub field: &'a Ident,
    /// The field's type.
    pub ty: &'a Type,
    /// The SQL name.
    pub sql_name: String,
    /// `#[column(name = "…")]` as written.
    pub name_attr: Option<LitStr>,
    /// `#[column(auto)]`.
    pub auto: Option<Span>,
    /// `#[column(renamed_from = "…")]`.
    pub renamed_from: Option<String>,
    /// `#[column(unique)]`.
    pub unique: bool,
    /// Part of a key, a unique constraint, an index or a foreign key.
    pub keyed: bool,
    /// `#[column(default = …)]`.
    pub default: Option<DefaultLit>,
    /// `default_fn = path`.
    pub default_fn: Option<syn::Path>,
    /// `#[column(references = …)]`, when it names a column.
    pub references: Option<Reference>,
    /// `#[column(on_delete = …)]`: the action as written and parsed.
    pub on_delete: Option<(Ident, OnDelete)>,
}

/// A `#[relation(…)]` field.
pub struct Relation<'a> {
    /// The field's name.
    pub field: &'a Ident,
    /// The type parameter the field's type is.
    pub param: Ident,
    /// Many, one or optional one.
    pub kind: RelKind,
    /// `many = Post`; `None` with `through`, where the junction names it.
    pub target: Option<Path>,
    /// `through = Junction`.
    pub through: Option<Path>,
    /// `from = …`: key columns on this table (on the junction with `through`).
    pub from: Vec<Path>,
    /// `to = …`: key columns on the target (on the junction with `through`).
    pub to: Vec<Path>,
    /// `filter = …`: a predefined condition on the target (and the junction).
    pub filter: Option<syn::Expr>,
    /// `filter_source = …`: a predefined condition on this table, the parent row.
    pub filter_source: Option<syn::Expr>,
    /// The attribute's span.
    pub span: Span,
}

/// How many rows a relation loads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RelKind {
    /// `Vec<T>`.
    Many,
    /// `T`: a non-null foreign key on this table.
    One,
    /// `Option<T>`.
    OptionalOne,
}

/// A foreign key: `references = User::id`.
pub struct Reference {
    /// `User` in `references = User::id`.
    pub table: Path,
    /// `id` in `references = User::id`.
    pub column: Ident,
    /// The path's span.
    pub span: Span,
}

impl Column<'_> {
    /// Whether an insert may leave this column out.
    pub fn optional_in_insert(&self) -> bool {
        self.auto.is_some() || self.default.is_some() || self.default_fn.is_some()
    }
}

/// Builds the model, reporting to `cx` what stops it. Returns `None` when the input is not a
/// struct with named fields at all (nothing sensible can be generated then).
pub fn build<'a>(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Table<'a>> {
    let fields = named_fields(cx, input)?;
    let params: Vec<Ident> = input
        .generics
        .type_params()
        .map(|tp| tp.ident.clone())
        .collect();

    let attrs = attr::parse_table_attrs(cx, &input.attrs);
    let mut primary_key_source = PrimaryKeySource {
        table: attrs.primary_key.as_ref().map(|(span, _)| *span),
        columns: Vec::new(),
    };
    let mut columns: Vec<Column<'a>> = Vec::new();
    let mut renames: Vec<(usize, LitStr)> = Vec::new();
    let mut relations: Vec<(&'a syn::Field, Span, attr::RelationAttrs)> = Vec::new();
    for field in fields.iter() {
        let ident = field.ident.as_ref().expect("named fields have names");
        if let Some((span, rel)) = attr::parse_relation_attrs(cx, &field.attrs) {
            relations.push((field, span, rel));
            continue;
        }
        let col = attr::parse_column_attrs(cx, &field.attrs);
        if let Some(span) = col.primary_key {
            primary_key_source.columns.push((columns.len(), span));
        }
        let references = col.references.and_then(|path| reference(cx, path));
        let sql_name = col
            .name
            .as_ref()
            .map_or_else(|| unraw(ident), |n| n.value());
        if let Some(lit) = &col.renamed_from {
            renames.push((columns.len(), lit.clone()));
        }
        columns.push(Column {
            field: ident,
            ty: &field.ty,
            sql_name,
            name_attr: col.name,
            auto: col.auto,
            renamed_from: col.renamed_from.as_ref().map(LitStr::value),
            unique: col.unique,
            keyed: col.unique || col.primary_key.is_some() || references.is_some(),
            default: col.default,
            default_fn: col.default_fn,
            references,
            on_delete: col.on_delete,
        });
    }

    check_renames(cx, &input.ident, &columns, &renames);

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

    // Given twice, there is no key: `check` reports it.
    let primary_key = match (&attrs.primary_key, primary_key_source.columns.as_slice()) {
        (Some(_), [_, ..]) => Vec::new(),
        (Some((_, names)), []) => resolve(names).unwrap_or_default(),
        (None, many) => many.iter().map(|(i, _)| *i).collect(),
    };
    let uniques: Vec<Vec<usize>> = attrs.uniques.iter().filter_map(|u| resolve(u)).collect();
    let indexes: Vec<Vec<usize>> = attrs.indexes.iter().filter_map(|u| resolve(u)).collect();
    for &i in primary_key
        .iter()
        .chain(uniques.iter().flatten())
        .chain(indexes.iter().flatten())
    {
        columns[i].keyed = true;
    }

    let sql_name = match &attrs.name {
        Some(n) => n.value(),
        None => snake_case(&unraw(&input.ident)),
    };
    if let Some(lit) = &attrs.renamed_from {
        let old = lit.value();
        if old.is_empty() {
            cx.error_spanned(
                lit,
                "`renamed_from` is empty; give the table's previous SQL name: `#[table(renamed_from = \"old_name\")]`",
            );
        } else if old == sql_name {
            cx.error_spanned(
                lit,
                format!(
                    "`{old}` is the table's current name; `renamed_from` names the one it had before (and can go once the migration that renames it is written)"
                ),
            );
        }
    }
    let relations = relations
        .into_iter()
        .filter_map(|(field, span, rel)| relation(cx, field, span, rel, &params, &columns))
        .collect::<Vec<_>>();

    let insert_ident = attrs
        .insert
        .clone()
        .unwrap_or_else(|| Ident::new(&format!("New{}", unraw(&input.ident)), input.ident.span()));
    Some(Table {
        ident: &input.ident,
        vis: &input.vis,
        params,
        relations,
        serialize: attrs.serialize,
        sql_name,
        name_attr: attrs.name,
        columns,
        primary_key,
        primary_key_source,
        uniques,
        indexes,
        insert_ident,
        insert_derive: attrs.insert_derive,
        krate: attrs.krate.unwrap_or_else(|| syn::parse_quote!(::weft)),
        renamed_from: attrs.renamed_from.as_ref().map(LitStr::value),
    })
}

/// `#[column(renamed_from = "…")]` names a column that is gone: not empty, not the column's
/// own name, not another column of the table, and not on two columns.
fn check_renames(cx: &Ctxt, table: &Ident, columns: &[Column], renames: &[(usize, LitStr)]) {
    for (n, (i, lit)) in renames.iter().enumerate() {
        let old = lit.value();
        let column = &columns[*i];
        if old.is_empty() {
            cx.error_spanned(
                lit,
                "`renamed_from` is empty; give the column's previous SQL name: `#[column(renamed_from = \"old_name\")]`",
            );
        } else if old == column.sql_name {
            cx.error_spanned(
                lit,
                format!(
                    "`{old}` is the column's current name; `renamed_from` names the one it had before (and can go once the migration that renames it is written)"
                ),
            );
        } else if let Some(other) = columns.iter().find(|c| c.sql_name == old) {
            cx.error_spanned(
                lit,
                format!(
                    "`{table}` still has a column `{old}` (field `{}`): a column renamed from it cannot stand beside it; drop `renamed_from`, or rename that column too",
                    unraw(other.field)
                ),
            );
        } else if let Some((j, _)) = renames[..n].iter().find(|(_, l)| l.value() == old) {
            cx.error_spanned(
                lit,
                format!(
                    "field `{}` is already renamed from `{old}`: only one column can be the old `{old}`",
                    unraw(columns[*j].field)
                ),
            );
        }
    }
}

fn named_fields<'a>(
    cx: &Ctxt,
    input: &'a syn::DeriveInput,
) -> Option<&'a syn::punctuated::Punctuated<syn::Field, syn::Token![,]>> {
    match &input.data {
        syn::Data::Struct(s) => match &s.fields {
            syn::Fields::Named(named) => Some(&named.named),
            syn::Fields::Unnamed(_) => {
                cx.error_spanned(
                    &input.ident,
                    "`#[derive(Table)]` needs named fields: a tuple struct has no column names; write `struct Name { id: i64, … }`",
                );
                None
            }
            syn::Fields::Unit => {
                cx.error_spanned(
                    &input.ident,
                    "`#[derive(Table)]` needs named fields: a unit struct has no columns; write `struct Name { id: i64, … }`",
                );
                None
            }
        },
        syn::Data::Enum(e) => {
            cx.error_spanned(
                e.enum_token,
                "`#[derive(Table)]` works on structs with named fields, not enums",
            );
            None
        }
        syn::Data::Union(u) => {
            cx.error_spanned(
                u.union_token,
                "`#[derive(Table)]` works on structs with named fields, not unions",
            );
            None
        }
    }
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
    let kind = if many {
        RelKind::Many
    } else if rel.optional
        || rel.filter.is_some()
        || rel.filter_source.is_some()
        || rel.through.is_some()
    {
        RelKind::OptionalOne
    } else {
        one_kind(&rel, columns)
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
        filter_source: rel.filter_source,
        span,
    })
}

/// Exactly one related row only when every key column is on this table, is a foreign key into
/// the target, and is not nullable.
fn one_kind(rel: &attr::RelationAttrs, columns: &[Column]) -> RelKind {
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
}

/// The tokens of a path as text, for comparing paths.
pub fn path_text(path: &Path) -> String {
    quote::ToTokens::to_token_stream(path).to_string()
}

fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

fn reference(cx: &Ctxt, path: Path) -> Option<Reference> {
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
