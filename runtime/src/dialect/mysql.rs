//! MySQL proper (8.0 and later): MariaDB's wire protocol, without `RETURNING`, and with a
//! `JSON_ARRAYAGG` that takes no `ORDER BY`, but with `LATERAL`.

use super::{BatchKeyOrder, Capabilities, Dialect, MariaDb, RowLocks, Strategy, Upsert};
use crate::backend::Backend;
use crate::value::SqlType;

/// MySQL 8.0 or later.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySql;

pub(super) const CAPABILITIES: Capabilities = Capabilities {
    returning_on_insert: false,
    returning_on_update: false,
    returning_on_delete: false,
    max_bind_params: 65_535,
    packet_limited: true,
    array_binds: false,
    json_agg_order_limit: false,
    json_agg_ordered: false,
    exact_json_floats: true,
    full_join: false,
    intersect_except_all: true,
    distinct_on: false,
    exact_decimal_sum: true,
    limit_in_subquery: false,
    lateral: true,
    upsert: Upsert::OnDuplicateKey,
    savepoints: true,
    transactional_ddl: false,
    row_locks: RowLocks::ALL,
    default_strategy: Strategy::Batched,
    default_strategy_through: Strategy::Batched,
    batch_key_order: BatchKeyOrder::Never,
    limit_in_text: false,
    stores_nan: false,
    stores_infinity: false,
    stores_negative_zero: false,
    decimal_keeps_scale: false,
    dates: Some(super::mariadb::MYSQL_DATES),
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

impl Dialect for MySql {
    fn clock(&self, clock: crate::ast::Clock) -> &'static str {
        MariaDb.clock(clock)
    }
    fn name(&self) -> &'static str {
        "MySQL"
    }
    fn backend(&self) -> Backend {
        Backend::MySql
    }
    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }
    // The MySQL family spells SQL alike: everything but the record, the JSON spelling (no
    // session limits to raise), the lock clause and the table options is MariaDB's.
    fn identifier_quote(&self) -> char {
        MariaDb.identifier_quote()
    }
    fn backslash_escapes(&self) -> bool {
        MariaDb.backslash_escapes()
    }
    fn generated_uuid(&self) -> &'static str {
        MariaDb.generated_uuid()
    }
    fn json(&self) -> &'static super::JsonSpelling {
        &super::json::MYSQL
    }
    fn json_projection(&self, out: &mut String, ty: SqlType, column: &str) {
        MariaDb.json_projection(out, ty, column)
    }
    fn function(&self, function: crate::ast::Function) -> (&'static str, &'static str) {
        MariaDb.function(function)
    }
    fn offset_without_limit(&self) -> Option<&'static str> {
        MariaDb.offset_without_limit()
    }
    fn column_type(&self, ty: SqlType, keyed: bool) -> &'static str {
        MariaDb.column_type(ty, keyed)
    }
    fn native_enums(&self) -> bool {
        MariaDb.native_enums()
    }
    fn push_enum_type(&self, out: &mut String, ty: &crate::value::EnumType) {
        MariaDb.push_enum_type(out, ty)
    }
    fn auto_key(&self, ty: SqlType) -> &'static str {
        MariaDb.auto_key(ty)
    }
    fn push_default(&self, out: &mut String, default: crate::schema::DefaultValue) {
        MariaDb.push_default(out, default)
    }
    fn drop_index_names_table(&self) -> bool {
        MariaDb.drop_index_names_table()
    }
    fn modify_column(&self) -> bool {
        MariaDb.modify_column()
    }
    /// As MariaDB's, with MySQL 8's binary NO PAD collation.
    fn table_options(&self) -> &'static str {
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin"
    }
    fn excluded(&self, out: &mut String, column: &str) {
        MariaDb.excluded(out, column)
    }
    fn cast_type(&self, ty: SqlType) -> &'static str {
        MariaDb.cast_type(ty)
    }
    fn integer_division(&self) -> &'static str {
        MariaDb.integer_division()
    }
    fn concat_function(&self) -> bool {
        MariaDb.concat_function()
    }
    fn null_safe_eq(&self, distinct: bool) -> (&'static str, &'static str, &'static str) {
        MariaDb.null_safe_eq(distinct)
    }
    /// MySQL has no `SET STATEMENT`: a `SELECT` carries the optimizer hint
    /// `/*+ MAX_EXECUTION_TIME(ms) */` (whole milliseconds, rounded up); the server stops no
    /// other statement, so weft stops waiting for it and closes its connection.
    fn statement_timeout(
        &self,
        timeout: std::time::Duration,
        text: &str,
    ) -> super::StatementTimeout {
        let head = text.trim_start();
        match head.get(..6) {
            Some(select) if select.eq_ignore_ascii_case("SELECT") => {
                super::StatementTimeout::Rewrite(format!(
                    "SELECT /*+ MAX_EXECUTION_TIME({}) */{}",
                    super::whole_ms(timeout, u32::MAX as u64),
                    &head[6..]
                ))
            }
            _ => super::StatementTimeout::Client,
        }
    }
    fn migration_lock(&self) -> Option<super::MigrationLock> {
        MariaDb.migration_lock()
    }
}
