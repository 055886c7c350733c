//! MariaDB: the MySQL wire protocol, with `RETURNING` on inserts and deletes, an ordered
//! and limited `JSON_ARRAYAGG`, and no `LATERAL`.

use super::{BatchKeyOrder, Capabilities, DateRange, Dialect, RowLocks, Strategy, Upsert};
use super::{null_safe, wrap};
use crate::backend::Backend;
use crate::value::SqlType;

/// MariaDB 10.6 or later.
#[derive(Debug, Clone, Copy, Default)]
pub struct MariaDb;

const CAPABILITIES: Capabilities = Capabilities {
    returning_on_insert: true,
    returning_on_update: false,
    returning_on_delete: true,
    max_bind_params: 65_535,
    packet_limited: true,
    array_binds: false,
    json_agg_order_limit: true,
    json_agg_ordered: true,
    exact_json_floats: true,
    full_join: false,
    intersect_except_all: true,
    distinct_on: false,
    exact_decimal_sum: true,
    limit_in_subquery: false,
    lateral: false,
    upsert: Upsert::OnDuplicateKey,
    savepoints: true,
    transactional_ddl: false,
    row_locks: RowLocks {
        for_update: true,
        for_share: true,
        nowait: true,
        skip_locked: true,
    },
    default_strategy: Strategy::Batched,
    default_strategy_through: Strategy::Batched,
    batch_key_order: BatchKeyOrder::Never,
    limit_in_text: false,
    stores_nan: false,
    stores_infinity: false,
    stores_negative_zero: false,
    decimal_keeps_scale: false,
    // MariaDB stores years 10000–65535 as zero dates (read back as NULL or an error) and the
    // driver cannot send other years; years 1–999 round-trip though only 1000–9999 are
    // documented. Year 0 (1 BC) is left out: MariaDB's calendar has no 0000-02-29.
    dates: Some(MYSQL_DATES),
    json_keeps_negative_zero: true,
    timestamp_nanoseconds: false,
    text_holds_nul: true,
    integer_booleans: true,
    // `UPDATE … SET` and `ON DUPLICATE KEY UPDATE` apply their assignments in turn.
    sequential_assignments: true,
    server_statement_timeouts: true,
    advisory_locks: true,
    retries_required: false,
    foreign_keys: true,
};

/// The dates the MySQL family's DATE and DATETIME hold.
pub(super) const MYSQL_DATES: DateRange = DateRange {
    first: (1, 1, 1),
    last: (9999, 12, 31),
    why: "MySQL and MariaDB DATE/DATETIME hold years 0001 to 9999 (MariaDB would store a later year as a zero date)",
};

impl Dialect for MariaDb {
    /// UTC, as weft stores instants (`DATETIME(6)` in UTC), to the microsecond.
    /// `UUID()` (version 1: time and node based, MariaDB has no random one) as the 16 bytes
    /// of a `BINARY(16)` column.
    fn generated_uuid(&self) -> &'static str {
        "UNHEX(REPLACE(UUID(), '-', ''))"
    }
    fn clock(&self, clock: crate::ast::Clock) -> &'static str {
        match clock {
            crate::ast::Clock::Now => "UTC_TIMESTAMP(6)",
            crate::ast::Clock::Today => "UTC_DATE()",
        }
    }
    fn name(&self) -> &'static str {
        "MariaDB"
    }
    /// `SET STATEMENT max_statement_time=S FOR …`: seconds, to the microsecond (rounded up,
    /// at least 1 µs: 0 would mean none), in the statement itself (no round trip of its own).
    fn statement_timeout(
        &self,
        timeout: std::time::Duration,
        text: &str,
    ) -> super::StatementTimeout {
        let us = timeout.as_nanos().div_ceil(1_000).max(1);
        super::StatementTimeout::Rewrite(format!(
            "SET STATEMENT max_statement_time={}.{:06} FOR {text}",
            us / 1_000_000,
            us % 1_000_000
        ))
    }
    /// `GET_LOCK` on a name made of the database's, waiting up to 10 minutes.
    fn migration_lock(&self) -> Option<super::MigrationLock> {
        Some(super::MigrationLock {
            acquire: "SELECT GET_LOCK(CONCAT(LEFT(DATABASE(), 40), '.__weft_migrations'), 600)",
            release: "DO RELEASE_LOCK(CONCAT(LEFT(DATABASE(), 40), '.__weft_migrations'))",
            acquired: Some(1),
        })
    }
    fn backend(&self) -> Backend {
        Backend::MySql
    }
    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }
    fn identifier_quote(&self) -> char {
        '`'
    }
    fn backslash_escapes(&self) -> bool {
        true
    }
    fn lock_clause(&self, exclusive: bool) -> &'static str {
        if exclusive {
            " FOR UPDATE"
        } else {
            " LOCK IN SHARE MODE"
        }
    }
    fn json(&self) -> &'static super::JsonSpelling {
        &super::json::MARIADB
    }
    fn json_projection(&self, out: &mut String, ty: SqlType, column: &str) {
        json_projection(out, ty, column)
    }
    fn function(&self, function: crate::ast::Function) -> (&'static str, &'static str) {
        match function {
            crate::ast::Function::CharLength => ("CAST(CHAR_LENGTH(", ") AS SIGNED)"),
            other => super::standard_function(other),
        }
    }
    fn offset_without_limit(&self) -> Option<&'static str> {
        Some(" LIMIT 18446744073709551615")
    }
    fn column_type(&self, ty: SqlType, keyed: bool) -> &'static str {
        column_type(ty, keyed)
    }
    fn native_enums(&self) -> bool {
        true
    }
    /// `ENUM('a', 'b')`, inline: MySQL has no named types.
    fn push_enum_type(&self, out: &mut String, ty: &crate::value::EnumType) {
        out.push_str("ENUM(");
        for (i, label) in ty.labels.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.push_string_literal(out, label);
        }
        out.push(')');
    }
    fn auto_key(&self, ty: SqlType) -> &'static str {
        auto_key(ty)
    }
    fn push_default(&self, out: &mut String, default: crate::schema::DefaultValue) {
        push_default(self, out, default)
    }
    fn drop_index_names_table(&self) -> bool {
        true
    }
    fn modify_column(&self) -> bool {
        true
    }
    /// MariaDB's JSON is LONGTEXT with its own collation (`utf8mb4_bin`), which a JSON_ARRAY
    /// over it and the table's text columns would refuse to mix.
    fn column_collation(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Json => " COLLATE utf8mb4_nopad_bin",
            _ => "",
        }
    }
    /// utf8mb4 so every character (emoji included) is stored; the table's collation, not the
    /// database's, so every text column of the table compares exactly: binary (case- and
    /// accent-sensitive, like SQLite and PostgreSQL) and NO PAD, so `'a'` and `'a '` differ in
    /// `=`, `IN`, joins and unique keys (the PAD SPACE `utf8mb4_bin` ignores trailing spaces).
    fn table_options(&self) -> &'static str {
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"
    }
    fn excluded(&self, out: &mut String, column: &str) {
        out.push_str("VALUES(");
        self.quote_ident_into(out, column);
        out.push(')');
    }
    /// The MySQL family casts to its own type names (`SIGNED`, `CHAR`, …), not to column types.
    fn cast_type(&self, ty: SqlType) -> &'static str {
        cast_type(ty)
    }
    /// `/` returns a decimal here; `DIV` divides integers.
    fn integer_division(&self) -> &'static str {
        " DIV "
    }
    fn concat_function(&self) -> bool {
        true
    }
    /// `<=>` is the MySQL family's null-safe equality.
    fn null_safe_eq(&self, distinct: bool) -> (&'static str, &'static str, &'static str) {
        if distinct {
            ("NOT (", " <=> ", ")")
        } else {
            ("(", " <=> ", ")")
        }
    }
}

/// The MySQL family's JSON-exact projections.
fn json_projection(out: &mut String, ty: SqlType, column: &str) {
    match ty {
        SqlType::Json => null_safe(out, column, "JSON_ARRAY(", ")"),
        SqlType::Real => wrap(out, column, "CAST(CAST(", " AS DOUBLE) AS CHAR)"),
        SqlType::Double => wrap(out, column, "CAST(", " AS CHAR)"),
        // DECIMAL comes padded to the column's scale: trimmed as flat reads trim it.
        SqlType::Decimal => {
            wrap(
                out,
                column,
                "CASE WHEN LOCATE('.', CAST(",
                " AS CHAR)) > 0 THEN ",
            );
            wrap(
                out,
                column,
                "TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST(",
                " AS CHAR))) ",
            );
            wrap(out, column, "ELSE CAST(", " AS CHAR) END");
        }
        SqlType::Blob | SqlType::Uuid => wrap(out, column, "HEX(", ")"),
        _ => out.push_str(column),
    }
}

/// The MySQL family's column types: MySQL indexes only bounded text and bytes.
fn column_type(ty: SqlType, keyed: bool) -> &'static str {
    use SqlType::*;
    match ty {
        Bool => "BOOLEAN",
        SmallInt => "SMALLINT",
        Int => "INT",
        BigInt => "BIGINT",
        Real => "FLOAT",
        Double => "DOUBLE",
        Text | Enum(_) if keyed => "VARCHAR(255)",
        Text | Enum(_) => "LONGTEXT",
        Blob if keyed => "VARBINARY(255)",
        Blob => "LONGBLOB",
        Timestamp | LocalTimestamp => "DATETIME(6)",
        Date => "DATE",
        Time => "TIME(6)",
        Uuid => "BINARY(16)",
        Decimal => "DECIMAL(65,28)",
        Json => "JSON",
    }
}

/// The MySQL family's auto-incremented key.
fn auto_key(ty: SqlType) -> &'static str {
    match ty {
        SqlType::SmallInt => "SMALLINT NOT NULL AUTO_INCREMENT",
        SqlType::Int => "INT NOT NULL AUTO_INCREMENT",
        _ => "BIGINT NOT NULL AUTO_INCREMENT",
    }
}

/// MariaDB accepts literal defaults on TEXT/JSON columns only as expressions.
fn push_default(dialect: &dyn Dialect, out: &mut String, default: crate::schema::DefaultValue) {
    if let crate::schema::DefaultValue::Text(s) = default {
        out.push('(');
        dialect.push_string_literal(out, s);
        out.push(')');
    } else {
        super::push_standard_default(dialect, out, default);
    }
}

/// The MySQL family's `CAST` targets.
fn cast_type(ty: SqlType) -> &'static str {
    use SqlType::*;
    match ty {
        Bool | SmallInt | Int | BigInt => "SIGNED",
        Real | Double => "DOUBLE",
        Text | Json | Enum(_) => "CHAR",
        Blob => "BINARY",
        Uuid => "BINARY(16)",
        Timestamp | LocalTimestamp => "DATETIME(6)",
        Date => "DATE",
        Time => "TIME(6)",
        Decimal => "DECIMAL(65,28)",
    }
}
