//! `pull`: Rust source declaring `#[derive(Table)]` models for a schema read from a live
//! database ([`Db::introspect`](crate::Db::introspect)).
//!
//! Each table becomes a struct named after it (`blog_posts` → `BlogPosts`, no guessing at
//! singulars), its columns fields of the Rust type their SQL type reads as; keys, unique
//! constraints, indexes, defaults and single-column foreign keys become attributes. From the
//! foreign keys come relations: `one` on the referencing table, `many` on the referenced one,
//! and for a junction table (a primary key of two columns, each a foreign key into a different
//! table) `many, through = Junction` on both ends instead. What a model cannot say (a foreign
//! key over several columns, a relation between two tables joined by several foreign keys, an
//! index under a name weft would not give it) is left as a comment saying so.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use super::snapshot::{Default, Snapshot, TableSnapshot};
use crate::value::SqlType;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// `name` as a snake_case field name, and whether it differs from the SQL name (which then
/// needs `name = "…"`).
fn field_ident(name: &str) -> (String, bool) {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if plain && !matches!(name, "self" | "super" | "crate" | "_") {
        if KEYWORDS.contains(&name) {
            return (format!("r#{name}"), false);
        }
        return (name.to_owned(), false);
    }
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let mut out = out.trim_matches('_').to_owned();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "c_");
    }
    if KEYWORDS.contains(&out.as_str()) || matches!(out.as_str(), "self" | "super" | "crate") {
        out.push('_');
    }
    (out, true)
}

/// `blog_posts` → `BlogPosts`.
fn pascal(name: &str) -> String {
    let (snake, _) = field_ident(name);
    let snake = snake.trim_start_matches("r#");
    let mut out = String::new();
    for part in snake.split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

fn rust_type(ty: SqlType) -> &'static str {
    use SqlType::*;
    match ty {
        Bool => "bool",
        SmallInt => "i16",
        Int => "i32",
        BigInt => "i64",
        Real => "f32",
        Double => "f64",
        Text => "String",
        Blob => "Vec<u8>",
        Timestamp => "chrono::DateTime<chrono::Utc>",
        LocalTimestamp => "chrono::NaiveDateTime",
        Date => "chrono::NaiveDate",
        Time => "chrono::NaiveTime",
        // A snapshot keeps a native enum column as text (see snapshot.rs).
        Enum(_) => "String",
        Uuid => "uuid::Uuid",
        Decimal => "rust_decimal::Decimal",
        Json => "serde_json::Value",
    }
}

fn default_attr(d: &Default, ty: SqlType) -> String {
    match d {
        Default::Bool(b) => b.to_string(),
        Default::Int(i) if matches!(ty, SqlType::Real | SqlType::Double) => {
            format!("{:?}", *i as f64)
        }
        Default::Int(i) => i.to_string(),
        Default::Float(f) => format!("{f:?}"),
        Default::Text(t) => format!("{t:?}"),
        Default::Now => "now()".into(),
        Default::Uuid => "uuid()".into(),
        Default::Sql(s) => format!("sql({s:?})"),
    }
}

/// A relation field to add to a struct.
struct Rel {
    field: String,
    attr: String,
}

/// Picks a name not in `taken` (adding `_2`, `_3`… when needed) and takes it.
fn fresh(base: String, taken: &mut HashSet<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// The Rust source of models for `snapshot`, ending with a `pub const SCHEMA: weft::Schema`
/// listing them (named `schema_name`).
pub fn models_source(snapshot: &Snapshot, schema_name: &str) -> String {
    let mut tables: Vec<&TableSnapshot> = snapshot.tables.iter().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));

    // Struct names, distinct and clear of what the file imports.
    let mut struct_names: HashMap<&str, String> = HashMap::new();
    let mut used: HashSet<String> = ["Table", "NotLoaded", "Option", "String", "Vec", "Self"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    for t in &tables {
        let mut name = pascal(&t.name);
        if used.contains(&name) {
            name.push_str("Table");
        }
        let name = fresh(name, &mut used);
        struct_names.insert(&t.name, name);
    }
    // Field names per table (column → field).
    let mut fields: HashMap<&str, HashMap<&str, String>> = HashMap::new();
    let mut taken: HashMap<&str, HashSet<String>> = HashMap::new();
    for t in &tables {
        let mut names = HashSet::new();
        let mut map = HashMap::new();
        for c in &t.columns {
            let name = fresh(field_ident(&c.name).0, &mut names);
            map.insert(c.name.as_str(), name);
        }
        fields.insert(&t.name, map);
        taken.insert(&t.name, names);
    }
    let in_schema = |name: &str| tables.iter().any(|t| t.name == name);

    // Relations from single-column foreign keys between two different tables joined once.
    let mut pairs: HashMap<(&str, &str), usize> = HashMap::new();
    for t in &tables {
        for k in &t.foreign_keys {
            *pairs.entry((&t.name, &k.table)).or_default() += 1;
        }
    }
    let junction = |t: &TableSnapshot| -> Option<(String, String)> {
        let pk = t.primary_key.as_ref()?;
        if pk.columns.len() != 2 {
            return None;
        }
        let target = |col: &str| {
            t.foreign_keys
                .iter()
                .find(|k| k.columns.len() == 1 && k.columns[0] == col)
                .map(|k| k.table.clone())
        };
        let (a, b) = (target(&pk.columns[0])?, target(&pk.columns[1])?);
        (a != b && a != t.name && b != t.name && in_schema(&a) && in_schema(&b)).then_some((a, b))
    };
    let mut rels: HashMap<&str, Vec<Rel>> = HashMap::new();
    let mut skipped: HashMap<&str, Vec<String>> = HashMap::new();
    for t in &tables {
        let jt = junction(t);
        let position = |col: &str| t.columns.iter().position(|c| c.name == col);
        let mut keys: Vec<_> = t.foreign_keys.iter().collect();
        keys.sort_by_key(|k| k.columns.first().and_then(|c| position(c)));
        for k in keys {
            if k.table == t.name || !in_schema(&k.table) || k.columns.len() != 1 {
                continue;
            }
            if pairs.get(&(t.name.as_str(), k.table.as_str())) != Some(&1) {
                skipped.entry(&t.name).or_default().push(format!(
                    "// No relation to {} inferred: several foreign keys lead there; declare it with `from = …, to = …`.",
                    struct_names[k.table.as_str()]
                ));
                continue;
            }
            let target = &struct_names[k.table.as_str()];
            // `one` on this table, named after the key without its `_id`.
            let col = &k.columns[0];
            let base = col
                .strip_suffix("_id")
                .filter(|b| !b.is_empty())
                .map_or_else(|| field_ident(&k.table).0, |b| field_ident(b).0);
            let Some(names) = taken.get_mut(t.name.as_str()) else {
                continue;
            };
            let field = fresh(base, names);
            rels.entry(&t.name).or_default().push(Rel {
                field,
                attr: format!("one = {target}"),
            });
            if jt.is_none() {
                // `many` on the referenced table, named after this one.
                let Some(names) = taken.get_mut(k.table.as_str()) else {
                    continue;
                };
                let field = fresh(field_ident(&t.name).0, names);
                rels.entry(&k.table).or_default().push(Rel {
                    field,
                    attr: format!("many = {}", struct_names[t.name.as_str()]),
                });
            }
        }
        if let Some((a, b)) = jt {
            let j = &struct_names[t.name.as_str()];
            for (from, to) in [(&a, &b), (&b, &a)] {
                let Some(from) = tables
                    .iter()
                    .find(|x| x.name == *from)
                    .map(|x| x.name.as_str())
                else {
                    continue;
                };
                let Some(names) = taken.get_mut(from) else {
                    continue;
                };
                let field = fresh(field_ident(to).0, names);
                rels.entry(from).or_default().push(Rel {
                    field,
                    attr: format!("many, through = {j}"),
                });
            }
        }
    }

    let mut out = String::new();
    out.push_str(
        "//! Models pulled from a live database by `weft pull`. Review them: names of structs\n",
    );
    out.push_str(
        "//! and relations are derived from the tables', types from the columns' SQL types.\n\n",
    );
    if rels.values().any(|r| !r.is_empty()) {
        out.push_str("use weft::{NotLoaded, Table};\n");
    } else {
        out.push_str("use weft::Table;\n");
    }
    for t in &tables {
        let sname = &struct_names[t.name.as_str()];
        let fmap = &fields[t.name.as_str()];
        let f = |c: &str| fmap.get(c).cloned().unwrap_or_else(|| c.to_owned());
        let list = |cols: &[String]| cols.iter().map(|c| f(c)).collect::<Vec<_>>().join(", ");
        let mut table_attrs = vec![format!("name = {:?}", t.name)];
        let mut notes: Vec<String> = skipped.remove(t.name.as_str()).unwrap_or_default();
        let single_pk = t
            .primary_key
            .as_ref()
            .filter(|k| k.columns.len() == 1)
            .map(|k| k.columns[0].clone());
        if let Some(k) = &t.primary_key
            && k.columns.len() > 1
        {
            table_attrs.push(format!("primary_key({})", list(&k.columns)));
        }
        let mut single_unique: HashSet<&str> = HashSet::new();
        for u in &t.uniques {
            if u.columns.len() == 1 && !single_unique.contains(u.columns[0].as_str()) {
                single_unique.insert(&u.columns[0]);
            } else {
                table_attrs.push(format!("unique({})", list(&u.columns)));
            }
        }
        for i in &t.indexes {
            table_attrs.push(format!("index({})", list(&i.columns)));
            let conventional = format!("{}_{}_idx", t.name, i.columns.join("_"));
            if i.name != conventional {
                notes.push(format!(
                    "// Index ({}) is named {:?} in the database; weft names it {conventional:?}.",
                    i.columns.join(", "),
                    i.name
                ));
            }
        }
        let table_rels = rels.remove(t.name.as_str()).unwrap_or_default();
        let params: Vec<String> = {
            let mut seen: HashSet<String> = struct_names.values().cloned().collect();
            seen.extend(["String", "Vec", "Option", "NotLoaded", "Table"].map(String::from));
            table_rels
                .iter()
                .map(|r| {
                    let mut p = pascal(&r.field);
                    if seen.contains(&p) {
                        p.push_str("Rel");
                    }
                    fresh(p, &mut seen)
                })
                .collect()
        };
        let _ = writeln!(out);
        for n in &notes {
            let _ = writeln!(out, "{n}");
        }
        let _ = writeln!(out, "#[derive(Table, Debug)]");
        let _ = writeln!(out, "#[table({})]", table_attrs.join(", "));
        if params.is_empty() {
            let _ = writeln!(out, "pub struct {sname} {{");
        } else {
            let generics: Vec<String> = params.iter().map(|p| format!("{p} = NotLoaded")).collect();
            let _ = writeln!(out, "pub struct {sname}<{}> {{", generics.join(", "));
        }
        for c in &t.columns {
            let (field, renamed) = field_ident(&c.name);
            let field = fmap.get(c.name.as_str()).cloned().unwrap_or(field);
            let mut attrs: Vec<String> = Vec::new();
            let mut comments: Vec<String> = Vec::new();
            if renamed || field.trim_start_matches("r#") != c.name {
                attrs.push(format!("name = {:?}", c.name));
            }
            if single_pk.as_deref() == Some(c.name.as_str()) {
                attrs.push("primary_key".into());
                if c.auto {
                    attrs.push("auto".into());
                }
            }
            if single_unique.contains(c.name.as_str()) {
                attrs.push("unique".into());
            }
            if let Some(d) = &c.default {
                attrs.push(format!("default = {}", default_attr(d, c.sql_type)));
            }
            for k in t
                .foreign_keys
                .iter()
                .filter(|k| k.columns.first() == Some(&c.name))
            {
                if k.columns.len() != 1 || !in_schema(&k.table) {
                    comments.push(format!(
                        "// Foreign key ({}) -> {}({}): a model declares single-column keys only.",
                        k.columns.join(", "),
                        k.table,
                        k.references.join(", ")
                    ));
                    continue;
                }
                let target = &struct_names[k.table.as_str()];
                let tf = fields
                    .get(k.table.as_str())
                    .and_then(|m| m.get(k.references[0].as_str()))
                    .cloned()
                    .unwrap_or_else(|| k.references[0].clone());
                attrs.push(format!("references = {target}::{tf}"));
                match k.on_delete.as_deref() {
                    Some("set_null") if !c.nullable => comments
                        .push("// ON DELETE SET NULL on a NOT NULL column: left out.".to_owned()),
                    Some(action) => attrs.push(format!("on_delete = {action}")),
                    None => {}
                }
            }
            for comment in comments {
                let _ = writeln!(out, "    {comment}");
            }
            if !attrs.is_empty() {
                let _ = writeln!(out, "    #[column({})]", attrs.join(", "));
            }
            let ty = rust_type(c.sql_type);
            if c.nullable {
                let _ = writeln!(out, "    pub {field}: Option<{ty}>,");
            } else {
                let _ = writeln!(out, "    pub {field}: {ty},");
            }
        }
        for (r, p) in table_rels.iter().zip(&params) {
            let _ = writeln!(out, "    #[relation({})]", r.attr);
            let _ = writeln!(out, "    pub {}: {p},", r.field);
        }
        let _ = writeln!(out, "}}");
    }
    let metas: Vec<String> = tables
        .iter()
        .map(|t| format!("{}::META", struct_names[t.name.as_str()]))
        .collect();
    let _ = writeln!(out);
    let _ = writeln!(out, "/// The pulled tables, for the `weft` command line.");
    let _ = writeln!(
        out,
        "pub const SCHEMA: weft::Schema = weft::Schema::new({schema_name:?}, &[{}]);",
        metas.join(", ")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(field_ident("user_id"), ("user_id".into(), false));
        assert_eq!(field_ident("type"), ("r#type".into(), false));
        assert_eq!(field_ident("Full Name"), ("full_name".into(), true));
        assert_eq!(field_ident("createdAt"), ("created_at".into(), true));
        assert_eq!(pascal("users_to_groups"), "UsersToGroups");
        assert_eq!(pascal("2fa"), "C2fa");
    }

    fn col(name: &str, ty: SqlType, nullable: bool) -> super::super::ColumnSnapshot {
        super::super::ColumnSnapshot {
            name: name.into(),
            sql_type: ty,
            nullable,
            auto: false,
            keyed: false,
            default: None,
            renamed_from: None,
        }
    }

    fn fk(name: &str, columns: &[&str], table: &str) -> super::super::ForeignKeySnapshot {
        super::super::ForeignKeySnapshot {
            name: name.into(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            table: table.into(),
            references: vec!["id".into(); columns.len()],
            on_delete: Some("set_null".into()),
        }
    }

    /// What a model cannot say is a comment: two keys into one table (no relation guessed),
    /// SET NULL on a NOT NULL column, a composite key, an index under another name.
    #[test]
    fn what_a_model_cannot_say_is_a_comment() {
        use super::super::KeySnapshot;
        let table = |name: &str, columns, foreign_keys, indexes| TableSnapshot {
            name: name.into(),
            columns,
            primary_key: Some(KeySnapshot {
                name: format!("{name}_pkey"),
                columns: vec!["id".into()],
            }),
            uniques: Vec::new(),
            indexes,
            foreign_keys,
            renamed_from: None,
        };
        let snapshot = Snapshot {
            version: 1,
            tables: vec![
                table(
                    "users",
                    vec![col("id", SqlType::BigInt, false)],
                    vec![],
                    vec![],
                ),
                table(
                    "Follows",
                    vec![
                        col("id", SqlType::BigInt, false),
                        col("from_id", SqlType::BigInt, false),
                        col("to_id", SqlType::BigInt, true),
                        col("type", SqlType::Text, false),
                        col("Made At", SqlType::Timestamp, true),
                    ],
                    vec![
                        fk("f1", &["from_id"], "users"),
                        fk("f2", &["to_id"], "users"),
                        fk("f3", &["from_id", "to_id"], "users"),
                    ],
                    vec![KeySnapshot {
                        name: "by_type".into(),
                        columns: vec!["type".into()],
                    }],
                ),
            ],
        };
        let source = models_source(&snapshot, "app");
        for expected in [
            "// No relation to Users inferred: several foreign keys lead there",
            "// ON DELETE SET NULL on a NOT NULL column: left out.",
            "    #[column(references = Users::id, on_delete = set_null)]\n    pub to_id: Option<i64>,",
            "// Foreign key (from_id, to_id) -> users(id, id): a model declares single-column keys only.",
            "// Index (type) is named \"by_type\" in the database; weft names it \"Follows_type_idx\".",
            "#[table(name = \"Follows\", index(r#type))]\npub struct Follows {",
            "    pub r#type: String,",
            "    #[column(name = \"Made At\")]\n    pub made_at: Option<chrono::DateTime<chrono::Utc>>,",
            "use weft::Table;\n",
        ] {
            assert!(source.contains(expected), "{expected}\n---\n{source}");
        }
    }
}
