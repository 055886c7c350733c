//! PostgreSQL.

use super::{BatchKeyOrder, Capabilities, DateRange, Dialect, RowLocks, Strategy, Upsert};
use super::{null_safe, wrap};
use crate::backend::Backend;
use crate::value::SqlType;

/// PostgreSQL 12 or later.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

pub(super) const CAPABILITIES: Capabilities = Capabilities {
    returning_on_insert: true,
    returning_on_update: true,
    returning_on_delete: true,
    // The wire protocol counts parameters in a u16.
    max_bind_params: 65_535,
    packet_limited: false,
    array_binds: true,
    json_agg_order_limit: false,
    json_agg_ordered: true,
    exact_json_floats: true,
    full_join: true,
    intersect_except_all: true,
    distinct_on: true,
    exact_decimal_sum: true,
    limit_in_subquery: true,
    lateral: true,
    upsert: Upsert::OnConflict,
    savepoints: true,
    transactional_ddl: true,
    row_locks: RowLocks::ALL,
    default_strategy: Strategy::Batched,
    default_strategy_through: Strategy::Batched,
    batch_key_order: BatchKeyOrder::Junctions,
    limit_in_text: true,
    stores_nan: true,
    stores_infinity: true,
    stores_negative_zero: true,
    decimal_keeps_scale: true,
    // The server's first day; its last ones lie past chrono's.
    dates: Some(DateRange {
        first: (-4713, 11, 24),
        last: (i32::MAX, 12, 31),
        why: "PostgreSQL dates and timestamps start at 4714-11-24 BC (-4713-11-24)",
    }),
    json_keeps_negative_zero: false,
    timestamp_nanoseconds: false,
    text_holds_nul: false,
    integer_booleans: false,
    sequential_assignments: false,
    server_statement_timeouts: true,
    advisory_locks: true,
    retries_required: false,
    foreign_keys: true,
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
    fn json(&self) -> &'static super::JsonSpelling {
        &super::json::POSTGRES
    }
    fn json_projection(&self, out: &mut String, ty: SqlType, column: &str) {
        json_projection(out, ty, column)
    }
    fn native_enums(&self) -> bool {
        true
    }
    fn create_enum_type(&self, ty: &crate::value::EnumType) -> Option<String> {
        Some(create_enum_type(self, ty))
    }
    fn push_bind_cast(&self, out: &mut String, ty: SqlType) {
        push_bind_cast(self, out, ty)
    }
}

/// `DO $weft$ … $weft$`: creates the enum type unless a type of that name is visible, and
/// refuses one of that name that is not an enum (a table's row type, say).
pub(super) fn create_enum_type(dialect: &dyn Dialect, ty: &crate::value::EnumType) -> String {
    let mut name = String::new();
    dialect.quote_ident_into(&mut name, ty.name);
    // A dollar-quote tag none of the labels contains.
    let mut tag = String::from("$weft$");
    let mut n = 0;
    while ty.labels.iter().any(|l| l.contains(&tag)) || name.contains(&tag) {
        n += 1;
        tag = format!("$weft{n}$");
    }
    let mut quoted_name = String::new();
    dialect.push_string_literal(&mut quoted_name, &name);
    let mut out = format!(
        "DO {tag} BEGIN IF to_regtype({quoted_name}) IS NULL THEN CREATE TYPE {name} AS ENUM ("
    );
    for (i, label) in ty.labels.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        dialect.push_string_literal(&mut out, label);
    }
    out.push_str(&format!(
        "); ELSIF (SELECT typtype FROM pg_type WHERE oid = to_regtype({quoted_name})) <> 'e' THEN RAISE EXCEPTION 'type % exists and is not an enum', {quoted_name}; END IF; END {tag}"
    ));
    out
}

/// `$n::"type"` for a native enum's label or typed NULL.
pub(super) fn push_bind_cast(dialect: &dyn Dialect, out: &mut String, ty: SqlType) {
    if let SqlType::Enum(ty) = ty {
        out.push_str("::");
        dialect.quote_ident_into(out, ty.name);
    }
}

/// PostgreSQL's JSON-exact projections (shared with the dialects speaking its protocol).
pub(super) fn json_projection(out: &mut String, ty: SqlType, column: &str) {
    match ty {
        // Floats as their bits in hex (`x3ff0…`): every value, NaN payloads included.
        SqlType::Real => wrap(out, column, "'x' || encode(float4send(", "), 'hex')"),
        SqlType::Double => wrap(out, column, "'x' || encode(float8send(", "), 'hex')"),
        SqlType::Decimal => wrap(out, column, "(", ")::text"),
        SqlType::Blob => wrap(out, column, "encode(", ", 'hex')"),
        SqlType::Timestamp => wrap(out, column, "(", " AT TIME ZONE 'UTC')"),
        SqlType::Json => null_safe(out, column, "jsonb_build_array(", ")"),
        _ => out.push_str(column),
    }
}
