//! The database families weft's drivers speak: a wire protocol each. How SQL is spelled and
//! what a database can do belong to its [`Dialect`](crate::dialect::Dialect).

use std::fmt;

/// A database family: the wire protocol (and sqlx driver) a database speaks. Several dialects
/// share one (MariaDB and MySQL proper; PostgreSQL and CockroachDB).
///
/// As a rendering target (`to_sql(Backend::MySql)`) it stands for its family's reference
/// dialect (see [`AsDialect`](crate::AsDialect)): `Backend::MySql` renders MySQL proper, and MariaDB is
/// [`crate::dialect::MariaDb`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite 3 (embedded).
    Sqlite,
    /// PostgreSQL 12 or later, and engines speaking its protocol.
    Postgres,
    /// The MySQL family: MySQL proper and MariaDB.
    MySql,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MySQL/MariaDB",
        })
    }
}

impl Backend {
    /// Every family, in a fixed order.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

    /// Appends `ident` quoted as every dialect of this family quotes identifiers (quote
    /// characters inside doubled, so any string is a safe identifier).
    pub fn quote_ident_into(self, out: &mut String, ident: &str) {
        let quote = match self {
            Backend::MySql => '`',
            Backend::Sqlite | Backend::Postgres => '"',
        };
        quote_into(out, ident, quote);
    }

    /// `ident` quoted for this family.
    pub fn quote_ident(self, ident: &str) -> String {
        let mut s = String::new();
        self.quote_ident_into(&mut s, ident);
        s
    }
}

/// Appends `ident` between `quote` characters, doubling any inside: any string is then a safe
/// identifier.
pub(crate) fn quote_into(out: &mut String, ident: &str, quote: char) {
    out.reserve(ident.len() + 2);
    out.push(quote);
    // The common case: no quote character inside (both quotes are ASCII).
    if quote.is_ascii() && !ident.as_bytes().contains(&(quote as u8)) {
        out.push_str(ident);
        out.push(quote);
        return;
    }
    // Copied a run at a time: between quote characters, each doubled.
    let mut rest = ident;
    while let Some(at) = rest.find(quote) {
        let end = at + quote.len_utf8();
        out.push_str(&rest[..end]);
        out.push(quote);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.push(quote);
}

#[cfg(test)]
mod quoting {
    use super::quote_into;

    fn quoted(ident: &str, quote: char) -> String {
        let mut out = String::new();
        quote_into(&mut out, ident, quote);
        out
    }

    #[test]
    fn quotes_inside_are_doubled() {
        assert_eq!(quoted("users", '"'), r#""users""#);
        assert_eq!(quoted(r#"a"b"#, '"'), r#""a""b""#);
        assert_eq!(quoted(r#""""#, '"'), r#""""""""#);
        assert_eq!(quoted("x`y`", '`'), "`x``y```");
        assert_eq!(quoted("é\"ü", '"'), "\"é\"\"ü\"");
        assert_eq!(quoted("", '"'), r#""""#);
    }
}
