//! Parsing `#[table(…)]` and `#[column(…)]`. Unknown keys are errors at their span that list
//! the valid keys.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::parse::Parse;
use syn::{Ident, LitStr, Path, Token};

use crate::ctxt::Ctxt;

const TABLE_KEYS: &str = "name, primary_key(…), index(…), unique(…), insert, insert_derive(…), serialize, crate, renamed_from";
const COLUMN_KEYS: &str =
    "name, primary_key, auto, unique, default, references, on_delete, renamed_from";

/// `#[table(…)]` as written.
#[derive(Default)]
pub struct TableAttrs {
    /// `name = "…"`.
    pub name: Option<LitStr>,
    /// `primary_key(a, b)`, with the key's span.
    pub primary_key: Option<(Span, Vec<Ident>)>,
    /// Each `index(…)`.
    pub indexes: Vec<Vec<Ident>>,
    /// Each `unique(…)`.
    pub uniques: Vec<Vec<Ident>>,
    /// `insert = Name`.
    pub insert: Option<Ident>,
    /// `insert_derive(…)`.
    pub insert_derive: Vec<Path>,
    /// `serialize`.
    pub serialize: bool,
    /// `crate = path`.
    pub krate: Option<Path>,
    /// `renamed_from = "…"`: the table's previous SQL name, for migrations.
    pub renamed_from: Option<LitStr>,
}

/// `#[column(…)]` as written.
#[derive(Default)]
pub struct ColumnAttrs {
    /// `name = "…"`.
    pub name: Option<LitStr>,
    /// `primary_key`, at its span.
    pub primary_key: Option<Span>,
    /// `auto`, at its span.
    pub auto: Option<Span>,
    /// `unique`.
    pub unique: bool,
    /// `default = …`.
    pub default: Option<DefaultLit>,
    /// `references = Table::column`.
    pub references: Option<Path>,
    /// `on_delete = …`: the action as written and parsed.
    pub on_delete: Option<(Ident, OnDelete)>,
    /// `renamed_from = "…"`: the column's previous SQL name, for migrations.
    pub renamed_from: Option<LitStr>,
}

/// A literal default, with the sign folded in.
pub struct DefaultLit {
    /// The value.
    pub kind: LitKind,
    /// The literal's span.
    pub span: Span,
}

/// The kinds of literal a default can be.
pub enum LitKind {
    /// `default = -1`.
    Int(i64),
    /// `default = 1.5`.
    Float(f64),
    /// `default = "text"`.
    Str(String),
    /// `default = true`.
    Bool(bool),
}

/// `on_delete = …` actions.
#[derive(Clone, Copy)]
pub enum OnDelete {
    /// `cascade`.
    Cascade,
    /// `set_null`.
    SetNull,
    /// `restrict`.
    Restrict,
    /// `no_action`.
    NoAction,
}

/// Parses every `#[table(…)]` of a struct, reporting bad keys to `cx`.
pub fn parse_table_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> TableAttrs {
    let mut out = TableAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("table")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                set_once(cx, &meta, &mut out.name, meta.value()?.parse()?)
            } else if meta.path.is_ident("primary_key") {
                let span = meta
                    .path
                    .get_ident()
                    .map_or_else(Span::call_site, Ident::span);
                let fields = ident_list(&meta, "primary_key(a, b)")?;
                set_once(cx, &meta, &mut out.primary_key, (span, fields))
            } else if meta.path.is_ident("index") {
                out.indexes.push(ident_list(&meta, "index(a, b)")?);
                Ok(())
            } else if meta.path.is_ident("unique") {
                out.uniques.push(ident_list(&meta, "unique(a, b)")?);
                Ok(())
            } else if meta.path.is_ident("insert") {
                set_once(cx, &meta, &mut out.insert, meta.value()?.parse()?)
            } else if meta.path.is_ident("insert_derive") {
                meta.parse_nested_meta(|inner| {
                    out.insert_derive.push(inner.path);
                    Ok(())
                })
            } else if meta.path.is_ident("serialize") {
                out.serialize = true;
                Ok(())
            } else if meta.path.is_ident("crate") {
                set_once(cx, &meta, &mut out.krate, meta.value()?.parse()?)
            } else if meta.path.is_ident("renamed_from") {
                set_once(cx, &meta, &mut out.renamed_from, meta.value()?.parse()?)
            } else {
                Err(unknown_key(&meta, "table", TABLE_KEYS))
            }
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// Parses every `#[column(…)]` of a field, reporting bad keys to `cx`.
pub fn parse_column_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> ColumnAttrs {
    let mut out = ColumnAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("column")) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.get_ident().map_or_else(Span::call_site, Ident::span);
            if meta.path.is_ident("name") {
                set_once(cx, &meta, &mut out.name, meta.value()?.parse()?)
            } else if meta.path.is_ident("primary_key") {
                set_once(cx, &meta, &mut out.primary_key, span)
            } else if meta.path.is_ident("auto") {
                set_once(cx, &meta, &mut out.auto, span)
            } else if meta.path.is_ident("unique") {
                out.unique = true;
                Ok(())
            } else if meta.path.is_ident("renamed_from") {
                set_once(cx, &meta, &mut out.renamed_from, meta.value()?.parse()?)
            } else if meta.path.is_ident("default") {
                let value = parse_default(&meta)?;
                set_once(cx, &meta, &mut out.default, value)
            } else if meta.path.is_ident("references") {
                let path: Path = meta.value()?.parse().map_err(|e| {
                    syn::Error::new(e.span(), "expected a column path: `references = User::id`")
                })?;
                set_once(cx, &meta, &mut out.references, path)
            } else if meta.path.is_ident("on_delete") {
                let action: Ident = meta.value()?.parse()?;
                let parsed = match action.to_string().as_str() {
                    "cascade" => OnDelete::Cascade,
                    "set_null" => OnDelete::SetNull,
                    "restrict" => OnDelete::Restrict,
                    "no_action" => OnDelete::NoAction,
                    _ => {
                        return Err(syn::Error::new(
                            action.span(),
                            "unknown `on_delete` action; expected one of: cascade, set_null, restrict, no_action",
                        ));
                    }
                };
                set_once(cx, &meta, &mut out.on_delete, (action, parsed))
            } else {
                Err(unknown_key(&meta, "column", COLUMN_KEYS))
            }
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

fn set_once<T>(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    slot: &mut Option<T>,
    value: T,
) -> syn::Result<()> {
    if slot.is_some() {
        cx.error_spanned(
            &meta.path,
            format!("`{}` is given twice", path_name(&meta.path)),
        );
    } else {
        *slot = Some(value);
    }
    Ok(())
}

fn unknown_key(meta: &ParseNestedMeta, attr: &str, valid: &str) -> syn::Error {
    meta.error(format!(
        "unknown `{attr}` attribute `{}`; expected one of: {valid}",
        path_name(&meta.path)
    ))
}

/// `a::b::C`, for messages.
pub(crate) fn path_name(path: &Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn ident_list(meta: &ParseNestedMeta, example: &str) -> syn::Result<Vec<Ident>> {
    let mut idents = Vec::new();
    let content;
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!("expected a list of fields: `{example}`")));
    }
    syn::parenthesized!(content in meta.input);
    let list = content.parse_terminated(Ident::parse_any_ident, Token![,])?;
    idents.extend(list);
    if idents.is_empty() {
        return Err(meta.error(format!("expected at least one field: `{example}`")));
    }
    Ok(idents)
}

trait ParseAnyIdent {
    fn parse_any_ident(input: syn::parse::ParseStream) -> syn::Result<Ident>;
}

impl ParseAnyIdent for Ident {
    fn parse_any_ident(input: syn::parse::ParseStream) -> syn::Result<Ident> {
        syn::ext::IdentExt::parse_any(input)
    }
}

fn parse_default(meta: &ParseNestedMeta) -> syn::Result<DefaultLit> {
    let expr: syn::Expr = meta.value()?.parse()?;
    let span = syn::spanned::Spanned::span(&expr);
    let (negative, lit) = match &expr {
        syn::Expr::Lit(l) => (false, &l.lit),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            syn::Expr::Lit(l) => (true, &l.lit),
            _ => return Err(default_error(span)),
        },
        _ => return Err(default_error(span)),
    };
    let kind = match lit {
        syn::Lit::Int(i) => {
            let value: i64 = if negative {
                format!("-{}", i.base10_digits())
                    .parse()
                    .map_err(|e| syn::Error::new(span, e))?
            } else {
                i.base10_parse()?
            };
            LitKind::Int(value)
        }
        syn::Lit::Float(f) => {
            let v: f64 = f.base10_parse()?;
            LitKind::Float(if negative { -v } else { v })
        }
        syn::Lit::Str(s) if !negative => LitKind::Str(s.value()),
        syn::Lit::Bool(b) if !negative => LitKind::Bool(b.value),
        _ => return Err(default_error(span)),
    };
    Ok(DefaultLit { kind, span })
}

fn default_error(span: Span) -> syn::Error {
    syn::Error::new(
        span,
        "expected a literal default: `default = 0`, `default = 1.5`, `default = \"text\"` or `default = true`",
    )
}

const RELATION_KEYS: &str = "many, one, through, from, to, filter, optional";

/// `#[relation(…)]` on a field.
#[derive(Default)]
pub struct RelationAttrs {
    /// `many` (`true`) or `one`.
    pub many: Option<bool>,
    /// `many = Post` / `one = User`.
    pub target: Option<Path>,
    /// `through = Junction`.
    pub through: Option<Path>,
    /// `from = …`.
    pub from: Vec<Path>,
    /// `to = …`.
    pub to: Vec<Path>,
    /// `filter = …`.
    pub filter: Option<syn::Expr>,
    /// `optional`.
    pub optional: bool,
}

/// Parses the `#[relation(…)]` attributes of a field; `None` when it has none.
pub fn parse_relation_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> Option<(Span, RelationAttrs)> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("relation")) {
        let span = attr
            .path()
            .get_ident()
            .map_or_else(Span::call_site, Ident::span);
        let out: &mut RelationAttrs = &mut found
            .get_or_insert_with(|| (span, RelationAttrs::default()))
            .1;
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("many") || meta.path.is_ident("one") {
                let many = meta.path.is_ident("many");
                if meta.input.peek(Token![=]) {
                    let target: Path = meta.value()?.parse()?;
                    set_once(cx, &meta, &mut out.target, target)?;
                }
                set_once(cx, &meta, &mut out.many, many)
            } else if meta.path.is_ident("through") {
                set_once(cx, &meta, &mut out.through, meta.value()?.parse()?)
            } else if meta.path.is_ident("from") {
                out.from = path_list(&meta)?;
                Ok(())
            } else if meta.path.is_ident("to") {
                out.to = path_list(&meta)?;
                Ok(())
            } else if meta.path.is_ident("filter") {
                set_once(cx, &meta, &mut out.filter, meta.value()?.parse()?)
            } else if meta.path.is_ident("optional") {
                out.optional = true;
                Ok(())
            } else {
                Err(unknown_key(&meta, "relation", RELATION_KEYS))
            }
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    found
}

/// `= Table::column` or `= (Table::a, Table::b)`.
fn path_list(meta: &ParseNestedMeta) -> syn::Result<Vec<Path>> {
    let input = meta.value()?;
    if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        let list = content.parse_terminated(Path::parse, Token![,])?;
        Ok(list.into_iter().collect())
    } else {
        Ok(vec![input.parse()?])
    }
}
