//! SQLite 3.

use super::null_safe;
use super::{BatchKeyOrder, Capabilities, Dialect, RowLocks, Strategy, Upsert};
use crate::backend::Backend;
use crate::value::SqlType;

/// SQLite 3.35 or later (RETURNING).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

const CAPABILITIES: Capabilities = Capabilities {
    returning_on_insert: true,
    returning_on_update: true,
    returning_on_delete: true,
    // SQLITE_MAX_VARIABLE_NUMBER defaults to 32766 since SQLite 3.32.
    max_bind_params: 32_766,
    packet_limited: false,
    array_binds: false,
    json_agg_order_limit: false,
    json_agg_ordered: true,
    exact_json_floats: false,
    full_join: true,
    intersect_except_all: false,
    distinct_on: false,
    exact_decimal_sum: false,
    limit_in_subquery: true,
    lateral: false,
    upsert: Upsert::OnConflict,
    savepoints: true,
    transactional_ddl: true,
    row_locks: RowLocks::NONE,
    default_strategy: Strategy::Batched,
    default_strategy_through: Strategy::SingleStatement,
    batch_key_order: BatchKeyOrder::Always,
    limit_in_text: false,
    stores_nan: false,
    stores_infinity: true,
    stores_negative_zero: false,
    decimal_keeps_scale: true,
    dates: None,
    json_keeps_negative_zero: true,
    timestamp_nanoseconds: false,
    text_holds_nul: true,
    integer_booleans: true,
    sequential_assignments: false,
    server_statement_timeouts: false,
    advisory_locks: false,
    retries_required: false,
    foreign_keys: true,
};

impl Dialect for Sqlite {
    /// In the text form weft stores (`2026-11-29T14:00:00.123+00:00`, as sqlx writes
    /// timestamps: ordered as text like the instants they name), to the millisecond.
    /// 16 random bytes with the version-4 and variant bits set (SQLite stores UUIDs as BLOB).
    fn generated_uuid(&self) -> &'static str {
        "unhex(hex(randomblob(6)) || '4' || substr(hex(randomblob(2)), 2) || substr('89AB', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || hex(randomblob(6)))"
    }
    fn clock(&self, clock: crate::ast::Clock) -> &'static str {
        match clock {
            crate::ast::Clock::Now => "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')",
            crate::ast::Clock::Today => "date('now')",
        }
    }
    fn name(&self) -> &'static str {
        "SQLite"
    }
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }
    /// No `ON CONFLICT ON CONSTRAINT`: an upsert names the constraint's columns.
    fn conflict_on_constraint(&self) -> bool {
        false
    }
    /// SQLite has no `DEFAULT` in `VALUES`: the rowid alias takes NULL as "generate", and a
    /// defaulted column gets its default literal.
    fn left_out(&self, out: &mut String, column: &crate::schema::ColumnMeta) {
        match column.default {
            Some(default) => self.push_default(out, default),
            None => out.push_str("NULL"),
        }
    }
    fn json(&self) -> &'static super::JsonSpelling {
        &super::json::SQLITE
    }
    fn json_projection(&self, out: &mut String, ty: SqlType, column: &str) {
        match ty {
            // printf() and hex() turn NULL into '': keep NULL a NULL.
            SqlType::Real | SqlType::Double => null_safe(out, column, "printf('%!.17g', ", ")"),
            SqlType::Blob | SqlType::Uuid => null_safe(out, column, "hex(", ")"),
            // A JSON document as a one-element array, so that a document that is JSON `null`
            // stays apart from a SQL NULL (`Option<Json<T>>` holding `Some(null)`).
            SqlType::Json => null_safe(out, column, "json_array(json(", "))"),
            _ => out.push_str(column),
        }
    }
    fn function(&self, function: crate::ast::Function) -> (&'static str, &'static str) {
        match function {
            crate::ast::Function::CharLength => ("length(", ")"),
            other => super::standard_function(other),
        }
    }
    /// SQLite reads a bare `LIMIT ?` into the query plan and so re-prepares the statement
    /// every time the parameter is bound again (about 4 µs); written as an expression, `+?`,
    /// the limit is read when the statement runs.
    fn bound_limit(&self) -> &'static str {
        " LIMIT +"
    }
    fn offset_without_limit(&self) -> Option<&'static str> {
        Some(" LIMIT -1")
    }
    fn column_type(&self, ty: SqlType, _keyed: bool) -> &'static str {
        use SqlType::*;
        match ty {
            Bool => "BOOLEAN",
            SmallInt => "SMALLINT",
            Int => "INTEGER",
            BigInt => "INTEGER",
            Real | Double => "REAL",
            Blob | Uuid => "BLOB",
            Text | Timestamp | LocalTimestamp | Date | Time | Decimal | Json | Enum(_) => "TEXT",
        }
    }
    /// Only this exact spelling makes the column an alias of the rowid.
    fn auto_key(&self, _ty: SqlType) -> &'static str {
        "INTEGER PRIMARY KEY AUTOINCREMENT"
    }
    fn auto_key_inline(&self) -> bool {
        true
    }
    /// SQLite has no server to stop a statement: weft stops waiting, and an in-memory
    /// database's statement is interrupted (its progress handler), a file database's
    /// connection closed (the statement runs to its end on the driver's thread).
    fn statement_timeout(
        &self,
        _timeout: std::time::Duration,
        _text: &str,
    ) -> super::StatementTimeout {
        super::StatementTimeout::Client
    }
    /// None: each migration takes the database's write lock instead (`BEGIN IMMEDIATE`).
    fn migration_lock(&self) -> Option<super::MigrationLock> {
        None
    }
    /// SQLite's `IS` and `IS NOT` compare NULLs as values.
    fn null_safe_eq(&self, distinct: bool) -> (&'static str, &'static str, &'static str) {
        if distinct {
            ("(", " IS NOT ", ")")
        } else {
            ("(", " IS ", ")")
        }
    }
}
