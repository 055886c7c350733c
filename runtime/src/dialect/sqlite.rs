//! SQLite 3.

use super::{Capabilities, Dialect, RowLocks, Strategy, Upsert};
use crate::backend::Backend;

/// SQLite 3.35 or later (RETURNING).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

const CAPABILITIES: Capabilities = Capabilities {
    returning_on_insert: true,
    returning_on_update: true,
    returning_on_delete: true,
    // SQLITE_MAX_VARIABLE_NUMBER defaults to 32766 since SQLite 3.32.
    max_bind_params: 32_766,
    array_binds: false,
    json_agg_order_limit: false,
    json_agg_ordered: true,
    lateral: false,
    upsert: Upsert::OnConflict,
    savepoints: true,
    transactional_ddl: true,
    row_locks: RowLocks::NONE,
    default_strategy: Strategy::SingleStatement,
    stores_nan: false,
    stores_infinity: true,
    stores_negative_zero: false,
    decimal_keeps_scale: true,
    timestamp_nanoseconds: true,
    text_holds_nul: true,
    integer_booleans: true,
    years: (i32::MIN, i32::MAX),
};

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        "SQLite"
    }
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }
}
