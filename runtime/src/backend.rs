//! The database families weft's drivers speak: a wire protocol each. How SQL is spelled and
//! what a database can do belong to its [`Dialect`](crate::dialect::Dialect).

use std::fmt;

use crate::dialect::AsDialect;

/// A database family: the wire protocol (and sqlx driver) a database speaks. Several dialects
/// share one (MariaDB and MySQL proper; PostgreSQL and CockroachDB).
///
/// As a rendering target (`to_sql(Backend::MySql)`) it stands for its family's reference
/// dialect (see [`AsDialect`]): `Backend::MySql` renders MySQL proper, and MariaDB is
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

    /// Appends `ident` quoted for this family's dialect (see [`Dialect::quote_ident_into`](crate::dialect::Dialect::quote_ident_into)).
    pub fn quote_ident_into(self, out: &mut String, ident: &str) {
        self.as_dialect().quote_ident_into(out, ident);
    }

    /// `ident` quoted for this family's dialect.
    pub fn quote_ident(self, ident: &str) -> String {
        let mut s = String::new();
        self.quote_ident_into(&mut s, ident);
        s
    }

    /// The most bind parameters one statement may carry (the capability record's).
    pub fn max_bind_params(self) -> usize {
        self.as_dialect().capabilities().max_bind_params
    }
}
