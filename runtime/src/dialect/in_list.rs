//! Long `IN` lists: one bind for the whole list instead of one per value, so a list of any
//! length fits under the dialect's bind-parameter limit.
//!
//! A list of more than [`INLINE_MAX`] values, all bound values of one type, is rendered as
//!
//! - PostgreSQL: `x = ANY($1)` (`x <> ALL($1)` for `NOT IN`), one array of the values' type;
//! - SQLite: `x IN (SELECT "v1"."value" FROM json_each(?) AS "v1")`, one JSON array (blobs and
//!   uuids as hex, read back with `unhex`);
//! - MySQL/MariaDB: `x IN (SELECT "v2"."v" FROM (SELECT DISTINCT "v1"."v" AS "v" FROM
//!   JSON_TABLE(?, '$[*]' COLUMNS ("v" T PATH '$')) AS "v1") AS "v2")`, one JSON array read as
//!   the column type `T` (blobs and uuids as hex, `UNHEX`); `NOT IN` as a `CASE` over
//!   `EXISTS (SELECT 1 FROM (…) AS "v2" WHERE "v2"."v" = x)` (see `Renderer::mysql_in`). The
//!   derived table is materialized once, with an index: without it MariaDB 10.x reads the JSON
//!   again for each row of an UPDATE or DELETE. Text is compared under `x`'s own collation, as
//!   bound values are, by `CASE WHEN COLLATION(x) IN (<binary NO PAD>) THEN <bytes> ELSE
//!   <coercible text> END` (see `Renderer::mysql_text_in`).
//!
//! Each form is SQL's own `IN` / `NOT IN` over the same values, NULLs included: `IN` is true
//! where some value is equal, NULL where none is but some comparison is NULL (a NULL value, or
//! a NULL `x`), false otherwise; `NOT IN` is its negation. The JSON forms hold only values that
//! read back as exactly the value a bind would send: SQLite parses some JSON numbers one ulp off,
//! so floats stay bound one by one there (past its 32,766 binds the statement is refused with
//! `Error::TooManyBinds` before it is sent), as does any value outside what the JSON form carries
//! exactly (a date past year 9999 on MySQL, a value a bind would refuse). SQLite dates and
//! timestamps go in as the text sqlx binds for them. Such values are matched by an ordinary `IN (?, …)`
//! beside the JSON one — `(x IN (json…) OR x IN (?, …))`, `(x NOT IN (json…) AND x NOT IN (?, …))`
//! — which is the same condition, since `IN` over a union is the `OR` of `IN` over its parts in
//! SQL's three-valued logic.

use std::fmt::Write as _;

use crate::dialect::Dialect;
use crate::dialect::LongInList;
use crate::dialect::Renderer;
use crate::expr::Node;
use crate::value::{SqlType, Value};

/// Lists of at most this many values are rendered as `IN (?, ?, …)`, one bind per value; longer
/// ones as one bind. MariaDB itself turns `IN` lists of 1,000 values or more into a table
/// (`in_predicate_conversion_threshold`); PostgreSQL plans `IN (…)` as `= ANY(array)` anyway.
pub(crate) const INLINE_MAX: usize = 1000;

impl Renderer {
    /// Renders `expr [NOT] IN (list)` with one bind for the values, when `list` is a long list
    /// of bound values of one type; returns `false` (rendering nothing) otherwise.
    pub(crate) fn long_in_list(&mut self, expr: &Node, list: &[Node], negated: bool) -> bool {
        if list.len() <= INLINE_MAX {
            return false;
        }
        let mut ty = None;
        for item in list {
            match item {
                Node::Bind(v) if v.sql_type().is_some() && (ty.is_none() || v.sql_type() == ty) => {
                    ty = v.sql_type();
                }
                _ => return false,
            }
        }
        let Some(ty) = ty else { return false };
        let values = list.iter().filter_map(|item| match item {
            Node::Bind(v) => Some(v),
            _ => None,
        });
        match self.dialect.json().long_in_list {
            LongInList::Array => {
                // An array bind checks each value as a bind of its own would (`check_elements`).
                self.node(expr);
                self.push(if negated { " <> ALL(" } else { " = ANY(" });
                self.bind(Value::Array(ty, values.cloned().collect()));
                self.array_cast(ty);
                self.push(")");
                true
            }
            LongInList::JsonEach | LongInList::JsonTable => {
                let Some(form) = JsonForm::of(ty, self.dialect) else {
                    return false;
                };
                let mut json = String::with_capacity(list.len() * 8);
                let mut rest = Vec::new();
                let mut widest = 0;
                let mut has_null = false;
                json.push('[');
                for v in values {
                    let start = json.len();
                    if start > 1 {
                        json.push(',');
                    }
                    match form.push(&mut json, v, self.dialect) {
                        Some(width) => {
                            widest = widest.max(width);
                            has_null |= matches!(v, Value::Null(_));
                        }
                        None => {
                            json.truncate(start);
                            rest.push(v);
                        }
                    }
                }
                json.push(']');
                if json.len() == 2 {
                    return false;
                }
                if !rest.is_empty() {
                    self.push("(");
                }
                let list = JsonList {
                    form,
                    widest,
                    has_null,
                    json: Value::Text(json),
                };
                match self.dialect.json().long_in_list {
                    LongInList::JsonTable => self.mysql_in(expr, negated, list),
                    _ => {
                        self.node(expr);
                        self.push(if negated { " NOT IN (" } else { " IN (" });
                        let alias = self.fresh_alias("v");
                        self.push(if list.form == JsonForm::Hex {
                            "SELECT unhex("
                        } else {
                            "SELECT "
                        });
                        self.ident(&alias);
                        self.push(".");
                        self.ident("value");
                        if list.form == JsonForm::Hex {
                            self.push(")");
                        }
                        self.push(" FROM json_each(");
                        self.bind(list.json);
                        self.push(") AS ");
                        self.ident(&alias);
                        self.push(")");
                    }
                }
                if !rest.is_empty() {
                    self.push(if negated { " AND " } else { " OR " });
                    self.node(expr);
                    self.push(if negated { " NOT IN (" } else { " IN (" });
                    for (i, v) in rest.into_iter().enumerate() {
                        if i > 0 {
                            self.push(", ");
                        }
                        self.bind(v.clone());
                    }
                    self.push("))");
                }
                true
            }
        }
    }

    /// `expr [NOT] IN` the values of `list`, on MySQL.
    ///
    /// `IN` is `expr IN (SELECT … FROM <the values, materialized>)`, which MariaDB runs as a
    /// semi-join (or, in an UPDATE or DELETE, as a lookup into the materialized values).
    /// `NOT IN` is spelt out, since MariaDB 10.x runs `NOT IN (subquery)` in an UPDATE or
    /// DELETE as a scan of the values per row (see [`Renderer::mysql_exists`]). Text goes
    /// through [`Renderer::mysql_text_in`].
    fn mysql_in(&mut self, expr: &Node, negated: bool, list: JsonList) {
        if list.form == JsonForm::Text {
            return self.mysql_text_in(expr, negated, list);
        }
        if negated {
            let has_null = list.has_null;
            let derived = |r: &mut Renderer, inner: &str, outer: &str| {
                r.mysql_derived(list, Derived::Typed, inner, outer);
            };
            return self.mysql_exists(&|r| r.node(expr), true, has_null, derived);
        }
        self.node(expr);
        self.push(" IN (SELECT ");
        let (inner, outer) = (self.fresh_alias("v"), self.fresh_alias("v"));
        self.ident(&outer);
        self.push(".");
        self.ident("v");
        self.push(" FROM ");
        self.mysql_derived(list, Derived::Typed, &inner, &outer);
        self.push(")");
    }

    /// `expr [NOT] IN` a list of text values, on MySQL: compared under `expr`'s own collation,
    /// as bound values are (a bind is COERCIBLE, a column IMPLICIT, so the column's collation
    /// wins), whatever that collation is.
    ///
    /// An indexed lookup into the materialized values needs them stored under the collation of
    /// the comparison, which is not known here. So the statement asks the server: where `expr`
    /// has a binary NO PAD collation (weft's own tables: `utf8mb4_nopad_bin` on MariaDB,
    /// `utf8mb4_0900_bin` on MySQL 8), equality is equality of the UTF-8 bytes, and the values
    /// are looked up as `VARBINARY` by `CONVERT(expr USING binary)`; under any other collation
    /// they are `JSON_UNQUOTE(JSON_QUOTE(v))`, a COERCIBLE `utf8mb4_bin` string, which
    /// compares under `expr`'s collation (a lookup where that is `utf8mb4_bin`, otherwise each
    /// row is compared with each value). Both forms are spelt out as `EXISTS` inside one
    /// `CASE WHEN COLLATION(expr) IN (…)`, so the JSON is bound twice; only one is read.
    fn mysql_text_in(&mut self, expr: &Node, negated: bool, list: JsonList) {
        let has_null = list.has_null;
        let bytes = JsonList {
            json: list.json.clone(),
            ..list
        };
        self.push("CASE WHEN COLLATION(");
        self.node(expr);
        self.push(") IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin') THEN ");
        let binary = |r: &mut Renderer| {
            r.push("CONVERT(");
            r.node(expr);
            r.push(" USING binary)");
        };
        self.mysql_exists(&binary, negated, has_null, |r, inner, outer| {
            r.mysql_derived(bytes, Derived::Bytes, inner, outer);
        });
        self.push(" ELSE ");
        self.mysql_exists(&|r| r.node(expr), negated, has_null, |r, inner, outer| {
            r.mysql_derived(list, Derived::Coercible, inner, outer);
        });
        self.push(" END");
    }

    /// SQL's `operand [NOT] IN <values>` as lookups: with `E` = `EXISTS (SELECT 1 FROM
    /// <values> WHERE v = operand)`, `IN` is `CASE WHEN operand IS NULL THEN NULL ELSE E END`,
    /// or `CASE WHEN E THEN TRUE END` (NULL otherwise) when a value is NULL; `NOT IN` is the
    /// same with `NOT E` and `FALSE`.
    fn mysql_exists(
        &mut self,
        operand: &dyn Fn(&mut Renderer),
        negated: bool,
        has_null: bool,
        derived: impl FnOnce(&mut Renderer, &str, &str),
    ) {
        self.push("CASE WHEN ");
        if !has_null {
            operand(self);
            self.push(if negated {
                " IS NULL THEN NULL ELSE NOT EXISTS (SELECT 1 FROM "
            } else {
                " IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM "
            });
        } else {
            self.push("EXISTS (SELECT 1 FROM ");
        }
        let (inner, outer) = (self.fresh_alias("v"), self.fresh_alias("v"));
        derived(self, &inner, &outer);
        self.push(" WHERE ");
        self.ident(&outer);
        self.push(".");
        self.ident("v");
        self.push(" = ");
        operand(self);
        self.push(match (has_null, negated) {
            (false, _) => ") END",
            (true, false) => ") THEN TRUE END",
            (true, true) => ") THEN FALSE END",
        });
    }

    /// `(SELECT DISTINCT … AS "v" FROM JSON_TABLE(?, …) AS "inner") AS "outer"`.
    ///
    /// The derived table is materialized (DISTINCT keeps MariaDB from merging it into the outer
    /// query), once per statement, with an index on `v`; each value is read as the column type
    /// of its form, text and hex as a `VARCHAR` as wide as the longest value (a `LONGTEXT`
    /// cannot be indexed). `Derived::Coercible` text is materialized by a `LIMIT` instead: a
    /// DISTINCT under its PAD SPACE collation would merge `'a'` and `'a '`.
    fn mysql_derived(&mut self, list: JsonList, how: Derived, inner: &str, outer: &str) {
        let hex = list.form == JsonForm::Hex;
        self.push(match how {
            _ if hex => "(SELECT DISTINCT UNHEX(",
            Derived::Coercible => "(SELECT JSON_UNQUOTE(JSON_QUOTE(",
            Derived::Typed | Derived::Bytes => "(SELECT DISTINCT ",
        });
        self.ident(inner);
        self.push(".");
        self.ident("v");
        self.push(match how {
            _ if hex => ")",
            Derived::Coercible => "))",
            Derived::Typed | Derived::Bytes => "",
        });
        self.push(" AS ");
        self.ident("v");
        self.push(" FROM JSON_TABLE(");
        self.bind(list.json);
        self.push(", '$[*]' COLUMNS (");
        self.ident("v");
        self.push(" ");
        match how {
            Derived::Typed => list.form.push_mysql_type(&mut self.text, list.widest),
            // At most 4 bytes per character.
            Derived::Bytes if list.widest * 4 <= 65_532 => {
                let _ = write!(self.text, "VARBINARY({})", (list.widest * 4).max(1));
            }
            Derived::Bytes => self.push("LONGBLOB"),
            Derived::Coercible => list.form.push_mysql_type(&mut self.text, list.widest),
        }
        self.push(" PATH '$')) AS ");
        self.ident(inner);
        if how == Derived::Coercible {
            self.push(" LIMIT 18446744073709551615");
        }
        self.push(") AS ");
        self.ident(outer);
    }
}

/// How `Renderer::mysql_derived` reads the values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Derived {
    /// As the column type of their form.
    Typed,
    /// Text as its UTF-8 bytes (`VARBINARY`).
    Bytes,
    /// Text as a COERCIBLE string, so that it compares under the other operand's collation.
    Coercible,
}

/// The values of a long list that go into one JSON bind.
struct JsonList {
    form: JsonForm,
    /// The widest text or hex value, in characters.
    widest: usize,
    /// Whether a value is NULL.
    has_null: bool,
    /// The JSON array, as a text bind.
    json: Value,
}

/// How the values of one type are written into the JSON array.
#[derive(Clone, Copy, PartialEq, Eq)]
enum JsonForm {
    /// JSON integers (booleans as 0 and 1).
    Integer,
    /// JSON numbers, shortest round-trip form (MySQL only).
    Float,
    /// JSON strings holding the text a bind sends (on SQLite also dates and timestamps, as the
    /// text sqlx binds for them).
    Text,
    /// JSON strings of lowercase hex digits, decoded by `unhex`.
    Hex,
    /// JSON strings holding a decimal's digits (MySQL; SQLite stores decimals as text).
    Decimal,
    /// `YYYY-MM-DD` (MySQL only).
    Date,
    /// `YYYY-MM-DD HH:MM:SS.ffffff` (MySQL only; a `DateTime<Utc>` as its UTC wall-clock time,
    /// as it is bound).
    DateTime,
}

impl JsonForm {
    /// The form for values of `ty` on `dialect` (SQLite or MySQL), if there is an exact one.
    fn of(ty: SqlType, dialect: &'static dyn Dialect) -> Option<JsonForm> {
        use SqlType as T;
        let mysql = dialect.json().long_in_list == LongInList::JsonTable;
        Some(match ty {
            T::Bool | T::SmallInt | T::Int | T::BigInt => JsonForm::Integer,
            T::Text | T::Enum(_) => JsonForm::Text,
            T::Blob | T::Uuid => JsonForm::Hex,
            // SQLite binds a decimal as its text.
            T::Decimal if mysql => JsonForm::Decimal,
            T::Decimal => JsonForm::Text,
            // SQLite's JSON parser rounds some numbers to a neighbouring double; MariaDB's is
            // exact.
            T::Real | T::Double if mysql => JsonForm::Float,
            T::Date if mysql => JsonForm::Date,
            T::Timestamp | T::LocalTimestamp if mysql => JsonForm::DateTime,
            // SQLite binds dates and timestamps as sqlx's text: the JSON holds that text.
            T::Date | T::Timestamp | T::LocalTimestamp => JsonForm::Text,
            _ => return None,
        })
    }

    /// The `JSON_TABLE` column type reading this form on MySQL, for text or hex values of at
    /// most `widest` characters.
    fn push_mysql_type(self, out: &mut String, widest: usize) {
        // Text and hex as wide as the longest value, so that nothing is cut short; VARCHAR
        // rather than LONGTEXT so that the materialized values get an index. The widest
        // VARCHAR holds 65,532 bytes, 4 per utf8mb4 character.
        let (charset, max) = match self {
            JsonForm::Text => ("utf8mb4", 16_383),
            JsonForm::Hex => ("ascii", 65_532),
            JsonForm::Integer => return out.push_str("BIGINT"),
            JsonForm::Float => return out.push_str("DOUBLE"),
            JsonForm::Decimal => return out.push_str("DECIMAL(65,30)"),
            JsonForm::Date => return out.push_str("DATE"),
            JsonForm::DateTime => return out.push_str("DATETIME(6)"),
        };
        if widest > max {
            let _ = write!(out, "LONGTEXT CHARACTER SET {charset}");
        } else {
            let _ = write!(out, "VARCHAR({}) CHARACTER SET {charset}", widest.max(1));
        }
    }

    /// Appends `v` to the JSON array and returns its width in characters (for text and hex),
    /// or returns `None` when this form does not carry it exactly (or a bind would refuse it):
    /// it is then bound on its own.
    fn push(self, out: &mut String, v: &Value, dialect: &'static dyn Dialect) -> Option<usize> {
        if v.check_storable(dialect.capabilities()).is_err() {
            return None;
        }
        let mut width = 0;
        match (self, v) {
            (_, Value::Null(_)) => out.push_str("null"),
            (JsonForm::Integer, Value::Bool(b)) => out.push(if *b { '1' } else { '0' }),
            (JsonForm::Integer, Value::I16(i)) => push_display(out, i),
            (JsonForm::Integer, Value::I32(i)) => push_display(out, i),
            (JsonForm::Integer, Value::I64(i)) => push_display(out, i),
            // `{:e}` is the shortest form that reads back as the same double (an f32 widened to
            // f64 exactly, as MySQL compares a FLOAT column).
            (JsonForm::Float, Value::F32(f)) if f.is_finite() => {
                let _ = write!(out, "{:e}", f64::from(*f));
            }
            (JsonForm::Float, Value::F64(f)) if f.is_finite() => {
                let _ = write!(out, "{f:e}");
            }
            (JsonForm::Text, Value::Text(s) | Value::Enum(_, s)) => {
                width = s.chars().count();
                push_json_string(out, s);
            }
            #[cfg(feature = "rust_decimal")]
            (JsonForm::Text | JsonForm::Decimal, Value::Decimal(d)) => {
                out.push('"');
                push_display(out, d);
                out.push('"');
            }
            (JsonForm::Hex, Value::Bytes(b)) => {
                width = b.len() * 2;
                push_hex(out, b);
            }
            #[cfg(feature = "uuid")]
            (JsonForm::Hex, Value::Uuid(u)) => {
                width = 32;
                push_hex(out, u.as_bytes());
            }
            // The text sqlx-sqlite binds for each (its `Encode` impls), so that `json_each`
            // yields what the column holds.
            #[cfg(feature = "chrono")]
            (JsonForm::Text, Value::Date(d)) => {
                push_json_string(out, &d.format("%F").to_string());
            }
            #[cfg(feature = "chrono")]
            (JsonForm::Text, Value::LocalTimestamp(t)) => {
                push_json_string(out, &t.format("%F %T%.f").to_string());
            }
            #[cfg(feature = "chrono")]
            (JsonForm::Text, Value::Timestamp(t)) => {
                let text = t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
                push_json_string(out, &text);
            }
            #[cfg(feature = "chrono")]
            (JsonForm::Date, Value::Date(d)) if year_fits(chrono::Datelike::year(d)) => {
                let _ = write!(out, "\"{}\"", d.format("%Y-%m-%d"));
            }
            #[cfg(feature = "chrono")]
            (JsonForm::DateTime, Value::LocalTimestamp(t)) if push_datetime(out, t) => {}
            #[cfg(feature = "chrono")]
            (JsonForm::DateTime, Value::Timestamp(t)) if push_datetime(out, &t.naive_utc()) => {}
            _ => return None,
        }
        Some(width)
    }
}

/// Years MySQL's DATE and DATETIME read from text as written (a later year becomes a zero
/// date).
#[cfg(feature = "chrono")]
fn year_fits(year: i32) -> bool {
    (1..=9999).contains(&year)
}

/// Appends `t` as MySQL reads a DATETIME, or returns `false` (appending nothing) for a year it
/// does not read as written.
#[cfg(feature = "chrono")]
fn push_datetime(out: &mut String, t: &chrono::NaiveDateTime) -> bool {
    if !year_fits(chrono::Datelike::year(t)) {
        return false;
    }
    let _ = write!(out, "\"{}\"", t.format("%Y-%m-%d %H:%M:%S%.6f"));
    true
}

fn push_display(out: &mut String, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2 + 2);
    out.push('"');
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out.push('"');
}

/// `s` as a JSON string.
fn push_json_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_quotes_backslashes_and_control_characters() {
        let mut s = String::new();
        push_json_string(&mut s, "a\"b\\c\n\0😀");
        assert_eq!(s, r#""a\"b\\c\u000a\u0000😀""#);
        let parsed: String = serde_json::from_str(&s).unwrap();
        assert_eq!(parsed, "a\"b\\c\n\0😀");
    }
}
