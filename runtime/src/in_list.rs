//! Long `IN` lists: one bind for the whole list instead of one per value, so a list of any
//! length fits under the backend's bind-parameter limit.
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
//!   again for each row of an UPDATE or DELETE.
//!
//! Each form is SQL's own `IN` / `NOT IN` over the same values, NULLs included: `IN` is true
//! where some value is equal, NULL where none is but some comparison is NULL (a NULL value, or
//! a NULL `x`), false otherwise; `NOT IN` is its negation. The JSON forms hold only values that
//! read back as exactly the value a bind would send: SQLite parses some JSON numbers one ulp off,
//! so floats, and the dates and timestamps sqlx binds as text in its own format, stay bound one
//! by one there, as does any value outside what the JSON form carries exactly (a date past year
//! 9999 on MySQL, a value a bind would refuse). Such values are matched by an ordinary `IN (?, …)`
//! beside the JSON one — `(x IN (json…) OR x IN (?, …))`, `(x NOT IN (json…) AND x NOT IN (?, …))`
//! — which is the same condition, since `IN` over a union is the `OR` of `IN` over its parts in
//! SQL's three-valued logic.

use std::fmt::Write as _;

use crate::backend::Backend;
use crate::expr::Node;
use crate::render::Renderer;
use crate::value::{SqlType, Value};

/// Lists of at most this many values are rendered as `IN (?, ?, …)`, one bind per value; longer
/// ones as one bind. MariaDB itself turns `IN` lists of 1,000 values or more into a table
/// (`in_predicate_conversion_threshold`); PostgreSQL plans `IN (…)` as `= ANY(array)` anyway.
pub(crate) const INLINE_MAX: usize = 1000;

/// The collation `schema/ddl.rs` creates MariaDB tables with (MySQL 8 proper would want
/// `utf8mb4_0900_bin`; dialects are not told apart here yet). A long text list on a column of
/// another binary collation is refused by the server ("Illegal mix of collations"); on a
/// column of a `_ci` collation (a table weft did not create) it compares case-sensitively.
const MYSQL_TEXT_COLLATION: &str = "utf8mb4_nopad_bin";

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
        match self.backend {
            Backend::Postgres => {
                // An array bind checks each value as a bind of its own would (`check_elements`).
                self.node(expr);
                self.push(if negated { " <> ALL(" } else { " = ANY(" });
                self.bind(Value::Array(ty, values.cloned().collect()));
                self.push(")");
                true
            }
            Backend::Sqlite | Backend::MySql => {
                let Some(form) = JsonForm::of(ty, self.backend) else {
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
                    match form.push(&mut json, v, self.backend) {
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
                match self.backend {
                    Backend::MySql => self.mysql_in(expr, negated, list),
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
    /// DELETE as a scan of the values per row: with `E` = `EXISTS (SELECT 1 FROM <the values>
    /// WHERE v = expr)`, a lookup, it is `CASE WHEN expr IS NULL THEN NULL ELSE NOT E END`, or
    /// `CASE WHEN E THEN FALSE END` (NULL otherwise) when a value is NULL: SQL's own `NOT IN`.
    fn mysql_in(&mut self, expr: &Node, negated: bool, list: JsonList) {
        match (negated, list.has_null) {
            (false, _) => {
                self.node(expr);
                self.push(" IN (SELECT ");
                let (inner, outer) = (self.fresh_alias("v"), self.fresh_alias("v"));
                self.ident(&outer);
                self.push(".");
                self.ident("v");
                self.push(" FROM ");
                self.mysql_derived(list, &inner, &outer);
                self.push(")");
            }
            (true, has_null) => {
                if has_null {
                    self.push("CASE WHEN EXISTS (SELECT 1 FROM ");
                } else {
                    self.push("CASE WHEN ");
                    self.node(expr);
                    self.push(" IS NULL THEN NULL ELSE NOT EXISTS (SELECT 1 FROM ");
                }
                let (inner, outer) = (self.fresh_alias("v"), self.fresh_alias("v"));
                self.mysql_derived(list, &inner, &outer);
                self.push(" WHERE ");
                self.ident(&outer);
                self.push(".");
                self.ident("v");
                self.push(" = ");
                self.node(expr);
                self.push(if has_null {
                    ") THEN FALSE END"
                } else {
                    ") END"
                });
            }
        }
    }

    /// `(SELECT DISTINCT … AS "v" FROM JSON_TABLE(?, …) AS "inner") AS "outer"`.
    ///
    /// The derived table is materialized (DISTINCT keeps MariaDB from merging it into the outer
    /// query), once per statement, with an index on `v`; each value is read as the column type
    /// of its form, text and hex as a `VARCHAR` as wide as the longest value (a `LONGTEXT`
    /// cannot be indexed).
    fn mysql_derived(&mut self, list: JsonList, inner: &str, outer: &str) {
        let hex = list.form == JsonForm::Hex;
        self.push(if hex {
            "(SELECT DISTINCT UNHEX("
        } else {
            "(SELECT DISTINCT "
        });
        self.ident(inner);
        self.push(".");
        self.ident("v");
        if hex {
            self.push(")");
        }
        self.push(" AS ");
        self.ident("v");
        self.push(" FROM JSON_TABLE(");
        self.bind(list.json);
        self.push(", '$[*]' COLUMNS (");
        self.ident("v");
        self.push(" ");
        list.form.push_mysql_type(&mut self.text, list.widest);
        self.push(" PATH '$')) AS ");
        self.ident(inner);
        self.push(") AS ");
        self.ident(outer);
    }
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
    /// JSON strings holding the text a bind sends.
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
    /// The form for values of `ty` on `backend` (SQLite or MySQL), if there is an exact one.
    fn of(ty: SqlType, backend: Backend) -> Option<JsonForm> {
        use SqlType as T;
        let mysql = backend == Backend::MySql;
        Some(match ty {
            T::Bool | T::SmallInt | T::Int | T::BigInt => JsonForm::Integer,
            T::Text => JsonForm::Text,
            T::Blob | T::Uuid => JsonForm::Hex,
            // SQLite binds a decimal as its text.
            T::Decimal if mysql => JsonForm::Decimal,
            T::Decimal => JsonForm::Text,
            // SQLite's JSON parser rounds some numbers to a neighbouring double; MariaDB's is
            // exact.
            T::Real | T::Double if mysql => JsonForm::Float,
            T::Date if mysql => JsonForm::Date,
            T::Timestamp | T::LocalTimestamp if mysql => JsonForm::DateTime,
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
        if self == JsonForm::Text {
            // The collation of weft's text columns (see `schema/ddl.rs`), so that the values
            // compare as bound values do and the index on them serves the comparison (under
            // another collation MariaDB compares each row with each value).
            out.push_str(" COLLATE ");
            out.push_str(MYSQL_TEXT_COLLATION);
        }
    }

    /// Appends `v` to the JSON array and returns its width in characters (for text and hex),
    /// or returns `None` when this form does not carry it exactly (or a bind would refuse it):
    /// it is then bound on its own.
    fn push(self, out: &mut String, v: &Value, backend: Backend) -> Option<usize> {
        if v.check_storable(backend).is_err() {
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
            (JsonForm::Text, Value::Text(s)) => {
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
