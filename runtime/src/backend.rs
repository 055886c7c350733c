//! The three SQL dialects weft speaks. All SQL text is produced here or from these primitives:
//! identifier quoting, placeholders, type names and per-backend limits.

use std::fmt;

/// A database backend, which is also the SQL dialect weft renders for it.
///
/// Rendering needs no connection: [`crate::Select::to_sql`] and friends take a `Backend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite 3 (embedded).
    Sqlite,
    /// PostgreSQL 12 or later.
    Postgres,
    /// The MySQL family. Tested against MariaDB; see `docs/design.md` for what differs on MySQL.
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
    /// Every backend, in a fixed order (handy for tests and examples that render all dialects).
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

    /// Appends `ident` quoted for this dialect. Quote characters inside the name are doubled, so
    /// any string is a safe identifier.
    pub fn quote_ident_into(self, out: &mut String, ident: &str) {
        let q = match self {
            Backend::MySql => '`',
            Backend::Sqlite | Backend::Postgres => '"',
        };
        out.reserve(ident.len() + 2);
        out.push(q);
        for c in ident.chars() {
            if c == q {
                out.push(q);
            }
            out.push(c);
        }
        out.push(q);
    }

    /// `ident` quoted for this dialect.
    pub fn quote_ident(self, ident: &str) -> String {
        let mut s = String::new();
        self.quote_ident_into(&mut s, ident);
        s
    }

    /// Appends the placeholder for the `n`th bind parameter (1-based).
    pub(crate) fn push_placeholder(self, out: &mut String, n: usize) {
        match self {
            Backend::Postgres => {
                out.push('$');
                push_usize(out, n);
            }
            Backend::Sqlite | Backend::MySql => {
                let _ = n;
                out.push('?')
            }
        }
    }

    /// The most bind parameters one statement may carry. Multi-row inserts are split under it.
    pub fn max_bind_params(self) -> usize {
        match self {
            // SQLITE_MAX_VARIABLE_NUMBER defaults to 32766 since SQLite 3.32.
            Backend::Sqlite => 32_766,
            // Both wire protocols count parameters in a u16.
            Backend::Postgres | Backend::MySql => 65_535,
        }
    }

    /// Appends a string literal (used only for schema text such as column defaults, never for
    /// values a query binds).
    pub(crate) fn push_string_literal(self, out: &mut String, s: &str) {
        out.push('\'');
        for c in s.chars() {
            match c {
                '\'' => out.push_str("''"),
                // MySQL treats backslash as an escape inside literals unless NO_BACKSLASH_ESCAPES.
                '\\' if self == Backend::MySql => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        out.push('\'');
    }
}

fn push_usize(out: &mut String, n: usize) {
    use std::fmt::Write;
    let _ = write!(out, "{n}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(Backend::Postgres.quote_ident(r#"a"b"#), r#""a""b""#);
        assert_eq!(Backend::MySql.quote_ident("a`b"), "`a``b`");
        assert_eq!(Backend::Sqlite.quote_ident("order"), "\"order\"");
    }

    #[test]
    fn string_literals_escape_quotes_and_mysql_backslashes() {
        let mut s = String::new();
        Backend::MySql.push_string_literal(&mut s, r"it's \ ok");
        assert_eq!(s, r"'it''s \\ ok'");
        let mut s = String::new();
        Backend::Postgres.push_string_literal(&mut s, r"it's \ ok");
        assert_eq!(s, r"'it''s \ ok'");
    }
}
