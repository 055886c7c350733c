//! Dialects: how SQL is spelled for each database, and what each can do.
//!
//! A [`Dialect`] renders the statement tree (`crate::ast`) with default methods written for
//! standard SQL; each dialect overrides only where it differs. Its [`Capabilities`] are a
//! `const` record read wherever weft decides something per database, so a new engine that
//! speaks an existing wire protocol with its own rules is one new file (see [`Cockroach`]).

mod apply;
mod capabilities;
mod cockroach;
mod ddl;
mod grouping;
mod in_list;
mod json;
mod mariadb;
mod mysql;
mod postgres;
mod raw;
mod relation;
mod render;
mod sqlite;
mod stmt;
mod storable;
mod vitess;
mod write;
mod writer;

pub use capabilities::{
    BatchKeyOrder, Capabilities, DateRange, RowLocks, StatementKind, Strategy, Upsert,
};
pub use cockroach::Cockroach;
pub use ddl::{create_table_sql, drop_table_sql};
pub(crate) use grouping::reads_aggregate;
pub use json::{JsonSpelling, LongInList};
pub use mariadb::MariaDb;
pub use mysql::MySql;
pub use postgres::Postgres;
pub(crate) use raw::RAW_MARK;
pub(crate) use render::SET_OP_ARM;
pub use render::render;
pub use sqlite::Sqlite;
#[cfg(feature = "postgres")]
pub(crate) use stmt::Elements;
pub use stmt::Sql;
pub(crate) use stmt::{BindRef, Binds, Stmt};
pub(crate) use storable::check_elements;
pub use vitess::Vitess;
pub(crate) use writer::{Limit, Renderer, TOO_DEEP, UNSUPPORTED, UNSUPPORTED_MARK};

use std::time::Duration;

use crate::backend::Backend;

/// How one database spells SQL, and what it can do.
///
/// Every method but [`name`](Dialect::name), [`backend`](Dialect::backend) and
/// [`capabilities`](Dialect::capabilities) has a default; a dialect overrides what it spells
/// differently. Rendering needs no connection: `query.to_sql(&weft::dialect::Postgres)`.
pub trait Dialect: Send + Sync + 'static {
    /// The database's name, as messages show it.
    fn name(&self) -> &'static str;

    /// The wire protocol (and driver family) the database speaks.
    fn backend(&self) -> Backend;

    /// What the dialect can do.
    fn capabilities(&self) -> &'static Capabilities;

    /// The character that quotes identifiers.
    fn identifier_quote(&self) -> char {
        '"'
    }

    /// Appends `ident` quoted. Quote characters inside the name are doubled, so any string is
    /// a safe identifier.
    fn quote_ident_into(&self, out: &mut String, ident: &str) {
        crate::backend::quote_into(out, ident, self.identifier_quote());
    }

    /// Appends the placeholder of the `n`th bind parameter (1-based).
    fn push_placeholder(&self, out: &mut String, n: usize) {
        let _ = n;
        out.push('?');
    }

    /// How JSON aggregation (relations loaded in one statement) and long IN lists are spelled.
    fn json(&self) -> &'static JsonSpelling;

    /// Appends the JSON-exact projection of `column` (already rendered SQL) of type `ty`: the
    /// form in which a value goes into relation JSON so that it reads back exactly (floats
    /// as their bits or shortest text, bytes as hex, …). By default the column itself.
    fn json_projection(&self, out: &mut String, ty: crate::value::SqlType, column: &str) {
        let _ = ty;
        out.push_str(column);
    }

    /// The server's clock, in UTC, spelled so that it compares with stored values of its type
    /// (`Now` with timestamps, `Today` with dates) and reads back as one. By default
    /// PostgreSQL's: the statement's start, not the transaction's (as on the other servers).
    fn clock(&self, clock: crate::ast::Clock) -> &'static str {
        match clock {
            crate::ast::Clock::Now => "statement_timestamp()",
            crate::ast::Clock::Today => "CAST(statement_timestamp() AT TIME ZONE 'UTC' AS DATE)",
        }
    }

    /// The type a `CAST` converts to.
    fn cast_type(&self, ty: crate::value::SqlType) -> &'static str {
        self.column_type(ty, false)
    }

    /// A column's type: `keyed` when it is part of a key or index (MySQL indexes only bounded
    /// text). By default PostgreSQL's names.
    fn column_type(&self, ty: crate::value::SqlType, keyed: bool) -> &'static str {
        use crate::value::SqlType::*;
        let _ = keyed;
        match ty {
            Bool => "BOOLEAN",
            SmallInt => "SMALLINT",
            Int => "INTEGER",
            BigInt => "BIGINT",
            Real => "REAL",
            Double => "DOUBLE PRECISION",
            Text | Enum(_) => "TEXT",
            Blob => "BYTEA",
            Timestamp => "TIMESTAMPTZ",
            LocalTimestamp => "TIMESTAMP",
            Date => "DATE",
            Time => "TIME",
            Uuid => "UUID",
            Decimal => "NUMERIC",
            Json => "JSONB",
        }
    }

    /// Whether a native enum column ([`SqlType::Enum`](crate::value::SqlType::Enum)) has a
    /// type of its own here (PostgreSQL's `CREATE TYPE`, MySQL's `ENUM(…)`); where it has not
    /// (SQLite), it is text under a `CHECK` constraint naming its labels.
    fn native_enums(&self) -> bool {
        false
    }

    /// Appends the type of a native enum column, where [`native_enums`](Dialect::native_enums):
    /// by default PostgreSQL's, the type's quoted name.
    fn push_enum_type(&self, out: &mut String, ty: &crate::value::EnumType) {
        self.quote_ident_into(out, ty.name);
    }

    /// The statement that creates native enum type `ty` unless a type of its name exists,
    /// run before a table that uses it; `None` where there is nothing to create (the type is
    /// written inline, or the column is text).
    fn create_enum_type(&self, ty: &crate::value::EnumType) -> Option<String> {
        let _ = ty;
        None
    }

    /// Appends what follows the placeholder of a value of type `ty`: PostgreSQL casts a
    /// native enum's label (or NULL), sent as text, to its type (`$1::"role"`). Nothing by
    /// default.
    fn push_bind_cast(&self, out: &mut String, ty: crate::value::SqlType) {
        let _ = (out, ty);
    }

    /// The column definition of a table's single auto-incremented key, from its type.
    fn auto_key(&self, ty: crate::value::SqlType) -> &'static str {
        use crate::value::SqlType::*;
        match ty {
            SmallInt => "SMALLINT GENERATED BY DEFAULT AS IDENTITY",
            Int => "INTEGER GENERATED BY DEFAULT AS IDENTITY",
            _ => "BIGINT GENERATED BY DEFAULT AS IDENTITY",
        }
    }

    /// Whether [`auto_key`](Dialect::auto_key) already declares the primary key (SQLite's
    /// `INTEGER PRIMARY KEY AUTOINCREMENT`), so no `PRIMARY KEY (…)` follows.
    fn auto_key_inline(&self) -> bool {
        false
    }

    /// What follows a column's type for columns of type `ty` (a collation).
    fn column_collation(&self, ty: crate::value::SqlType) -> &'static str {
        let _ = ty;
        ""
    }

    /// What follows `CREATE TABLE t (…)`: engine, character set, collation.
    fn table_options(&self) -> &'static str {
        ""
    }

    /// A new UUID in the form a UUID column stores, for `default = uuid()`. By default
    /// PostgreSQL's (13+), random.
    fn generated_uuid(&self) -> &'static str {
        "gen_random_uuid()"
    }

    /// Appends a column default as a SQL literal.
    fn push_default(&self, out: &mut String, default: crate::schema::DefaultValue) {
        push_standard_default(self, out, default);
    }

    /// Whether `DROP INDEX` names the table (`DROP INDEX i ON t`).
    fn drop_index_names_table(&self) -> bool {
        false
    }

    /// Whether a column's type and nullability change with `MODIFY name type` rather than
    /// `ALTER COLUMN name TYPE type, ALTER COLUMN name SET NOT NULL`.
    fn modify_column(&self) -> bool {
        false
    }

    /// Appends the value of a column an inserted row leaves out: `DEFAULT` where `VALUES`
    /// takes it.
    fn left_out(&self, out: &mut String, column: &crate::schema::ColumnMeta) {
        let _ = column;
        out.push_str("DEFAULT");
    }

    /// The text before and after the argument of a function over one value.
    fn function(&self, function: crate::ast::Function) -> (&'static str, &'static str) {
        use crate::ast::Function;
        match function {
            Function::Lower => ("LOWER(", ")"),
            Function::Upper => ("UPPER(", ")"),
            // Characters, not bytes, as a 64-bit integer on every dialect.
            Function::CharLength => ("CAST(char_length(", ") AS BIGINT)"),
            Function::Trim => ("TRIM(", ")"),
        }
    }

    /// The text around and between the operands of a null-safe comparison: "is distinct
    /// from" when `distinct`, "is not distinct from" otherwise.
    fn null_safe_eq(&self, distinct: bool) -> (&'static str, &'static str, &'static str) {
        if distinct {
            ("(", " IS DISTINCT FROM ", ")")
        } else {
            ("(", " IS NOT DISTINCT FROM ", ")")
        }
    }

    /// Whether text is joined with `CONCAT(a, b)` rather than `a || b` (the MySQL family, where
    /// `||` means OR).
    fn concat_function(&self) -> bool {
        false
    }

    /// The operator dividing two integers, truncating toward zero.
    fn integer_division(&self) -> &'static str {
        " / "
    }

    /// ` LIMIT ` before a bound row count.
    fn bound_limit(&self) -> &'static str {
        " LIMIT "
    }

    /// "No limit", where `OFFSET` needs a `LIMIT` before it.
    fn offset_without_limit(&self) -> Option<&'static str> {
        None
    }

    /// Appends the value an upsert proposed for `column`: `excluded."c"` by default.
    fn excluded(&self, out: &mut String, column: &str) {
        out.push_str("excluded.");
        self.quote_ident_into(out, column);
    }

    /// Whether an upsert can name its conflict target by constraint (`ON CONFLICT ON
    /// CONSTRAINT "c"`, PostgreSQL's); SQLite cannot, and names the constraint's columns.
    fn conflict_on_constraint(&self) -> bool {
        true
    }

    /// The row-lock clause of a `SELECT`: exclusive (`FOR UPDATE`) or shared.
    fn lock_clause(&self, exclusive: bool) -> &'static str {
        if exclusive {
            " FOR UPDATE"
        } else {
            " FOR SHARE"
        }
    }

    /// How a statement is given `timeout` (see [`StatementTimeout`]). By default PostgreSQL's:
    /// `SET statement_timeout` to whole milliseconds (rounded up, at least 1, at most
    /// `i32::MAX`: 0 would mean none) before the statement, `RESET statement_timeout` after.
    fn statement_timeout(&self, timeout: Duration, text: &str) -> StatementTimeout {
        let _ = text;
        StatementTimeout::Around {
            set: format!(
                "SET statement_timeout = {}",
                whole_ms(timeout, i32::MAX as u64)
            ),
            reset: "RESET statement_timeout",
        }
    }

    /// The statements that take and release the session lock weft's migrations hold for a
    /// run, when the dialect has one ([`Capabilities::advisory_locks`]). By default
    /// PostgreSQL's advisory lock, keyed on the database and schema.
    fn migration_lock(&self) -> Option<MigrationLock> {
        Some(MigrationLock {
            acquire: "SELECT pg_advisory_lock(hashtext(current_database() || '.' || \
                      current_schema() || '.__weft_migrations'))",
            release: "SELECT pg_advisory_unlock(hashtext(current_database() || '.' || \
                      current_schema() || '.__weft_migrations'))",
            acquired: None,
        })
    }

    /// Whether a backslash inside a string literal is an escape character (MySQL's, unless
    /// `NO_BACKSLASH_ESCAPES`): literals then double it.
    fn backslash_escapes(&self) -> bool {
        false
    }

    /// Appends a string literal (used only for schema text such as column defaults, never for
    /// values a query binds).
    fn push_string_literal(&self, out: &mut String, s: &str) {
        let backslash = self.backslash_escapes();
        out.push('\'');
        for c in s.chars() {
            match c {
                '\'' => out.push_str("''"),
                '\\' if backslash => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        out.push('\'');
    }
}

/// How a dialect keeps a statement from running longer than a timeout
/// ([`Dialect::statement_timeout`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementTimeout {
    /// The statement rewritten to carry its timeout: MariaDB's
    /// `SET STATEMENT max_statement_time=… FOR …`, MySQL's `/*+ MAX_EXECUTION_TIME(…) */`.
    Rewrite(String),
    /// A statement run on the same connection before it (`set`) and one after it (`reset`,
    /// also after a failure outside a transaction; a transaction the failure aborted undoes
    /// `set` itself). A connection whose `reset` failed is closed, never reused with the
    /// timeout still set.
    Around {
        /// Sets the timeout for the session.
        set: String,
        /// Sets it back.
        reset: &'static str,
    },
    /// The server cannot stop it: weft stops waiting when the time is up, and the driver
    /// interrupts the statement (SQLite in memory) or closes its connection.
    Client,
}

/// The statements that take and release a migration run's lock ([`Dialect::migration_lock`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationLock {
    /// Waits for the lock and takes it.
    pub acquire: &'static str,
    /// Releases it.
    pub release: &'static str,
    /// When `acquire` returns a row, the value it holds when the lock was taken (MySQL's
    /// `GET_LOCK` returns 1, or 0 when it waited out its timeout); `None` when `acquire`
    /// waits as long as it takes.
    pub acquired: Option<i64>,
}

/// `timeout` in whole milliseconds, rounded up, between 1 and `max`.
pub(crate) fn whole_ms(timeout: Duration, max: u64) -> u64 {
    let ms = timeout.as_nanos().div_ceil(1_000_000);
    u64::try_from(ms).unwrap_or(u64::MAX).clamp(1, max)
}

/// Appends `default` as a SQL literal, the standard way.
pub(crate) fn push_standard_default<D: Dialect + ?Sized>(
    dialect: &D,
    out: &mut String,
    default: crate::schema::DefaultValue,
) {
    use crate::schema::DefaultValue;
    use std::fmt::Write;
    match default {
        DefaultValue::Bool(b) => out.push_str(if b { "TRUE" } else { "FALSE" }),
        DefaultValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        DefaultValue::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        DefaultValue::Text(s) => dialect.push_string_literal(out, s),
        DefaultValue::Now => {
            out.push('(');
            out.push_str(dialect.clock(crate::ast::Clock::Now));
            out.push(')');
        }
        DefaultValue::Uuid => {
            out.push('(');
            out.push_str(dialect.generated_uuid());
            out.push(')');
        }
        DefaultValue::Sql(sql) => {
            out.push('(');
            out.push_str(sql);
            out.push(')');
        }
    }
}

/// The standard spelling of a function over one value (what [`Dialect::function`] does by
/// default), for overrides that change only some functions.
pub(crate) fn standard_function(function: crate::ast::Function) -> (&'static str, &'static str) {
    Postgres.function(function)
}

/// Appends `CASE WHEN column IS NULL THEN NULL ELSE before column after END`: functions that
/// turn NULL into something else (SQLite's `printf`, `hex`) keep NULL a NULL.
pub(crate) fn null_safe(out: &mut String, column: &str, before: &str, after: &str) {
    out.push_str("CASE WHEN ");
    out.push_str(column);
    out.push_str(" IS NULL THEN NULL ELSE ");
    out.push_str(before);
    out.push_str(column);
    out.push_str(after);
    out.push_str(" END");
}

/// Appends `before column after`.
pub(crate) fn wrap(out: &mut String, column: &str, before: &str, after: &str) {
    out.push_str(before);
    out.push_str(column);
    out.push_str(after);
}

impl std::fmt::Debug for dyn Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for dyn Dialect {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

/// The built-in dialects, in a fixed order (handy for tests and examples that render all).
pub const ALL: [&dyn Dialect; 4] = [&Sqlite, &Postgres, &MariaDb, &MySql];

/// What `to_sql` renders for: a dialect (`&weft::dialect::MariaDb`, `db.dialect()`) or a
/// [`Backend`], which stands for its family's reference dialect (`Backend::MySql` is MySQL
/// proper; MariaDB is [`MariaDb`]).
pub trait AsDialect {
    /// The dialect.
    fn as_dialect(&self) -> &'static dyn Dialect;
}

impl AsDialect for Backend {
    fn as_dialect(&self) -> &'static dyn Dialect {
        match self {
            Backend::Sqlite => &Sqlite,
            Backend::Postgres => &Postgres,
            Backend::MySql => &MySql,
        }
    }
}

impl AsDialect for &'static dyn Dialect {
    fn as_dialect(&self) -> &'static dyn Dialect {
        *self
    }
}

impl<D: Dialect> AsDialect for &'static D {
    fn as_dialect(&self) -> &'static dyn Dialect {
        *self
    }
}

/// The dialect of a server of `backend` that reported `version` (MariaDB and MySQL proper
/// share a wire protocol, which Vitess speaks too; CockroachDB speaks PostgreSQL's).
pub(crate) fn for_server(backend: Backend, version: &str) -> &'static dyn Dialect {
    match backend {
        Backend::Sqlite => &Sqlite,
        Backend::Postgres if version.contains("CockroachDB") => &Cockroach,
        Backend::Postgres => &Postgres,
        Backend::MySql if version.contains("MariaDB") => &MariaDb,
        Backend::MySql if version.contains("Vitess") => &Vitess,
        Backend::MySql => &MySql,
    }
}

#[cfg(test)]
mod alias_tests;
#[cfg(test)]
pub(crate) mod render_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        let quote = |d: &dyn Dialect, s: &str| {
            let mut out = String::new();
            d.quote_ident_into(&mut out, s);
            out
        };
        assert_eq!(quote(&Postgres, r#"a"b"#), r#""a""b""#);
        assert_eq!(quote(&MariaDb, "a`b"), "`a``b`");
        assert_eq!(quote(&Sqlite, "order"), "\"order\"");
    }

    #[test]
    fn string_literals_escape_quotes_and_mysql_backslashes() {
        let mut s = String::new();
        MySql.push_string_literal(&mut s, r"it's \ ok");
        assert_eq!(s, r"'it''s \\ ok'");
        let mut s = String::new();
        Postgres.push_string_literal(&mut s, r"it's \ ok");
        assert_eq!(s, r"'it''s \ ok'");
    }

    #[test]
    fn the_server_version_picks_the_dialect() {
        assert_eq!(
            for_server(Backend::MySql, "10.11.6-MariaDB").name(),
            "MariaDB"
        );
        assert_eq!(for_server(Backend::MySql, "8.0.36").name(), "MySQL");
        assert_eq!(for_server(Backend::MySql, "8.0.30-Vitess").name(), "Vitess");
        assert_eq!(
            for_server(Backend::Postgres, "PostgreSQL 15.4").name(),
            "PostgreSQL"
        );
        assert_eq!(
            for_server(Backend::Postgres, "CockroachDB CCL v23.1.11").name(),
            "CockroachDB"
        );
    }
}
