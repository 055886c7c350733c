//! CockroachDB: PostgreSQL's wire protocol and spelling, with its own rules. weft has no
//! CockroachDB server in its tests; this file shows that such an engine is one file: a
//! capability record and the overrides where it spells SQL differently (delegating the rest
//! to [`Postgres`]). A server reporting "CockroachDB" in its version gets this dialect.

use super::{Capabilities, Dialect, postgres};
use crate::backend::Backend;

/// CockroachDB 23.1 or later.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cockroach;

const CAPABILITIES: Capabilities = Capabilities {
    // Schema changes run asynchronously, outside the transaction's atomicity.
    transactional_ddl: false,
    // Its `pg_advisory_lock` is a stub that locks nothing: weft's `migrate` refuses to run.
    advisory_locks: false,
    // Every transaction is SERIALIZABLE across nodes: conflicts (40001) are routine.
    retries_required: true,
    // Every float is stored as given, as on PostgreSQL; decimals keep their scale.
    ..postgres::CAPABILITIES
};

impl Dialect for Cockroach {
    fn name(&self) -> &'static str {
        "CockroachDB"
    }
    fn backend(&self) -> Backend {
        Backend::Postgres
    }
    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }
    fn push_placeholder(&self, out: &mut String, n: usize) {
        Postgres.push_placeholder(out, n)
    }
    /// CockroachDB's identity columns are backed by a sequence, a point of contention across
    /// nodes; its own 64-bit keys come from `unique_rowid()`, which needs no coordination.
    fn auto_key(&self, ty: crate::value::SqlType) -> &'static str {
        match ty {
            crate::value::SqlType::BigInt => "INT8 NOT NULL DEFAULT unique_rowid()",
            other => Postgres.auto_key(other),
        }
    }
    /// None: CockroachDB's advisory-lock functions exist for compatibility and lock nothing,
    /// so two processes could apply the same migration at once; `migrate` refuses instead.
    fn migration_lock(&self) -> Option<super::MigrationLock> {
        None
    }
    fn json(&self) -> &'static super::JsonSpelling {
        Postgres.json()
    }
    fn json_projection(&self, out: &mut String, ty: crate::value::SqlType, column: &str) {
        super::postgres::json_projection(out, ty, column)
    }
    fn native_enums(&self) -> bool {
        true
    }
    fn create_enum_type(&self, ty: &crate::value::EnumType) -> Option<String> {
        Some(postgres::create_enum_type(self, ty))
    }
    fn push_bind_cast(&self, out: &mut String, ty: crate::value::SqlType) {
        postgres::push_bind_cast(self, out, ty)
    }
}

use super::Postgres;
