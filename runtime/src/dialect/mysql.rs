//! MySQL proper (8.0 and later): MariaDB's wire protocol, without `RETURNING`, and with a
//! `JSON_ARRAYAGG` that takes no `ORDER BY`, but with `LATERAL`.

use super::{Capabilities, Dialect, RowLocks, Strategy, Upsert};
use crate::backend::Backend;

/// MySQL 8.0 or later.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySql;

const CAPABILITIES: Capabilities = Capabilities {
    returning_on_insert: false,
    returning_on_update: false,
    returning_on_delete: false,
    max_bind_params: 65_535,
    array_binds: false,
    json_agg_order_limit: false,
    json_agg_ordered: false,
    lateral: true,
    upsert: Upsert::OnDuplicateKey,
    savepoints: true,
    transactional_ddl: false,
    row_locks: RowLocks::ALL,
    default_strategy: Strategy::Batched,
    stores_nan: false,
    stores_infinity: false,
    stores_negative_zero: false,
    decimal_keeps_scale: false,
    timestamp_nanoseconds: false,
    text_holds_nul: true,
    integer_booleans: true,
    years: (1, 9999),
};

impl Dialect for MySql {
    fn name(&self) -> &'static str {
        "MySQL"
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
}
