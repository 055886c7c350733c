//! Vitess: MySQL's wire protocol and spelling in front of sharded MySQL servers. weft has no
//! Vitess server in its tests; like [`Cockroach`](super::Cockroach), the dialect is a
//! capability record over MySQL's spelling. A server reporting "Vitess" in its version gets it.
//!
//! What differs for weft: foreign keys are not enforced across shards, so none is declared
//! (`create_tables` and migrations leave them out; keeping references valid is the
//! application's, and related rows should share a shard key). TiDB before 8.5 is alike.

use super::{Capabilities, Dialect, MySql, mysql};
use crate::backend::Backend;
use crate::value::SqlType;

/// Vitess 18 or later, over MySQL 8.
#[derive(Debug, Clone, Copy, Default)]
pub struct Vitess;

const CAPABILITIES: Capabilities = Capabilities {
    // Not enforced across shards: none is declared.
    foreign_keys: false,
    ..mysql::CAPABILITIES
};

impl Dialect for Vitess {
    fn name(&self) -> &'static str {
        "Vitess"
    }
    fn backend(&self) -> Backend {
        Backend::MySql
    }
    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }
    // Everything else is MySQL's.
    fn migration_lock(&self) -> Option<super::MigrationLock> {
        MySql.migration_lock()
    }
    fn clock(&self, clock: crate::ast::Clock) -> &'static str {
        MySql.clock(clock)
    }
    fn identifier_quote(&self) -> char {
        MySql.identifier_quote()
    }
    fn backslash_escapes(&self) -> bool {
        MySql.backslash_escapes()
    }
    fn generated_uuid(&self) -> &'static str {
        MySql.generated_uuid()
    }
    fn json(&self) -> &'static super::JsonSpelling {
        MySql.json()
    }
    fn json_projection(&self, out: &mut String, ty: SqlType, column: &str) {
        MySql.json_projection(out, ty, column)
    }
    fn function(&self, function: crate::ast::Function) -> (&'static str, &'static str) {
        MySql.function(function)
    }
    fn offset_without_limit(&self) -> Option<&'static str> {
        MySql.offset_without_limit()
    }
    fn column_type(&self, ty: SqlType, keyed: bool) -> &'static str {
        MySql.column_type(ty, keyed)
    }
    fn auto_key(&self, ty: SqlType) -> &'static str {
        MySql.auto_key(ty)
    }
    fn push_default(&self, out: &mut String, default: crate::schema::DefaultValue) {
        MySql.push_default(out, default)
    }
    fn drop_index_names_table(&self) -> bool {
        MySql.drop_index_names_table()
    }
    fn modify_column(&self) -> bool {
        MySql.modify_column()
    }
    fn table_options(&self) -> &'static str {
        MySql.table_options()
    }
    fn excluded(&self, out: &mut String, column: &str) {
        MySql.excluded(out, column)
    }
    fn cast_type(&self, ty: SqlType) -> &'static str {
        MySql.cast_type(ty)
    }
    fn integer_division(&self) -> &'static str {
        MySql.integer_division()
    }
    fn concat_function(&self) -> bool {
        MySql.concat_function()
    }
    fn null_safe_eq(&self, distinct: bool) -> (&'static str, &'static str, &'static str) {
        MySql.null_safe_eq(distinct)
    }
    fn lock_clause(&self, exclusive: bool) -> &'static str {
        MySql.lock_clause(exclusive)
    }
    fn statement_timeout(
        &self,
        timeout: std::time::Duration,
        text: &str,
    ) -> super::StatementTimeout {
        MySql.statement_timeout(timeout, text)
    }
}
