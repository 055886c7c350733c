//! What weft logs of each statement, as `tracing` events under the `weft::exec` target (so
//! `RUST_LOG=weft=debug` shows them with the plain fmt subscriber):
//!
//! - `debug`: the SQL, the rows it returned or affected, how long it took (or its error);
//! - `trace`: the values bound to it (never at `debug`: values may be secrets);
//! - `warn`: a statement slower than the handle's threshold ([`Db::set_slow_statement_threshold`]).

use std::fmt;
use std::time::Duration;

use tracing::Level;

use super::db::Db;
use crate::dialect::{BindRef, Stmt};
use crate::error::Error;

/// The subscribers' filter name for every statement event (and the statement span).
const TARGET: &str = "weft::exec";

/// Logs one finished statement: `rows` when it succeeded, `error` when it failed.
pub(super) fn statement(
    db: &Db,
    sql: &Stmt<'_>,
    elapsed: Duration,
    rows: Option<u64>,
    error: Option<&Error>,
) {
    let system = sql.dialect.backend();
    match (rows, error) {
        (_, Some(error)) => tracing::event!(
            target: TARGET,
            Level::DEBUG,
            db.system = %system,
            ?elapsed,
            %error,
            "{}",
            sql.text
        ),
        (rows, None) => tracing::event!(
            target: TARGET,
            Level::DEBUG,
            db.system = %system,
            rows,
            ?elapsed,
            "{}",
            sql.text
        ),
    }
    tracing::event!(
        target: TARGET,
        Level::TRACE,
        db.system = %system,
        binds = %Binds(sql),
        "{}",
        sql.text
    );
    if let Some(threshold) = db.slow_statement_threshold()
        && elapsed >= threshold
    {
        tracing::event!(
            target: TARGET,
            Level::WARN,
            db.system = %system,
            ?elapsed,
            ?threshold,
            "slow statement: {}",
            sql.text
        );
    }
}

/// A statement's binds, shown in placeholder order: `[I64(1), Text("a")]`.
struct Binds<'s, 'a>(&'s Stmt<'a>);

impl fmt::Display for Binds<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let binds = &self.0.binds;
        let mut list = f.debug_list();
        for i in 0..binds.len() {
            match binds.get(i) {
                BindRef::Scalar(v) => list.entry(&v),
                BindRef::Column {
                    rows, width, col, ..
                } => list.entry(&Column { rows, width, col }),
            };
        }
        list.finish()
    }
}

/// One column of many rows bound as an array: shown as the list of its values.
struct Column<'a> {
    rows: crate::value::Rows<'a>,
    width: usize,
    col: usize,
}

impl fmt::Debug for Column<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values = (self.col..self.rows.len())
            .step_by(self.width.max(1))
            .map(|at| self.rows.get(at));
        f.debug_list().entries(values).finish()
    }
}
