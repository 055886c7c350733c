//! PostgreSQL.

use super::{Capabilities, Dialect, RowLocks, Strategy, Upsert};
use crate::backend::Backend;

/// PostgreSQL 12 or later.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

pub(super) const CAPABILITIES: Capabilities = Capabilities {
    returning_on_insert: true,
    returning_on_update: true,
    returning_on_delete: true,
    // The wire protocol counts parameters in a u16.
    max_bind_params: 65_535,
    array_binds: true,
    json_agg_order_limit: false,
    json_agg_ordered: true,
    lateral: true,
    upsert: Upsert::OnConflict,
    savepoints: true,
    transactional_ddl: true,
    row_locks: RowLocks::ALL,
    default_strategy: Strategy::Batched,
    stores_nan: true,
    stores_infinity: true,
    stores_negative_zero: true,
    decimal_keeps_scale: true,
    timestamp_nanoseconds: false,
    text_holds_nul: false,
    integer_booleans: false,
    // 4713 BC is year -4712 with year 0 = 1 BC; the last year is past chrono's.
    years: (-4712, i32::MAX),
};

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "PostgreSQL"
    }
    fn backend(&self) -> Backend {
        Backend::Postgres
    }
    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }
    fn push_placeholder(&self, out: &mut String, n: usize) {
        use std::fmt::Write;
        let _ = write!(out, "${n}");
    }
}
