//! MariaDB: the MySQL wire protocol, with `RETURNING` on inserts and deletes, an ordered
//! and limited `JSON_ARRAYAGG`, and no `LATERAL`.

use super::{Capabilities, Dialect, RowLocks, Strategy, Upsert};
use crate::backend::Backend;

/// MariaDB 10.6 or later.
#[derive(Debug, Clone, Copy, Default)]
pub struct MariaDb;

const CAPABILITIES: Capabilities = Capabilities {
    returning_on_insert: true,
    returning_on_update: false,
    returning_on_delete: true,
    max_bind_params: 65_535,
    array_binds: false,
    json_agg_order_limit: true,
    json_agg_ordered: true,
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
    stores_nan: false,
    stores_infinity: false,
    stores_negative_zero: false,
    decimal_keeps_scale: false,
    timestamp_nanoseconds: false,
    text_holds_nul: true,
    integer_booleans: true,
    years: (1, 9999),
};

impl Dialect for MariaDb {
    fn name(&self) -> &'static str {
        "MariaDB"
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
