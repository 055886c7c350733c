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
    for c in ident.chars() {
        if c == quote {
            out.push(quote);
        }
        out.push(c);
    }
    out.push(quote);
}
