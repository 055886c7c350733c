//! Running a statement in place, on the async worker that polls it: bound by reference,
//! stepped with the budget watched, rows handed to the sink from SQLite's buffers; or the word
//! that it goes on on a blocking thread, and how.

use super::*;

/// What a statement's caller wants: its rows (handed to a sink) or the rows it changed.
pub(super) enum Want<'s, 'k> {
    Rows(Rows, &'s mut RowSink<'k>),
    Affected,
}

/// What an in-place run came to.
pub(super) enum Placed {
    Done(std::result::Result<u64, Failure>),
    /// Go on on a blocking thread.
    Move(Moved),
    /// A write found the pool's write lock taken: wait for it, then run again (nothing ran).
    WaitForWriter,
}

/// How a statement goes on on a blocking thread.
#[derive(Default)]
pub(super) struct Moved {
    /// Rows already delivered in place (skipped there).
    pub(super) skip: u64,
    /// A read transaction was opened in place to keep the snapshot: ended after it.
    pub(super) snapshot: bool,
    /// The text holds several statements (run as a batch, without binds).
    pub(super) batch: bool,
}

/// Whether `text` may give other rows when run again in the same snapshot.
pub(super) fn nondeterministic(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("random") || lower.contains("changes()") || lower.contains("last_insert")
}

/// Whether a busy statement may wait for the lock and run again: SQLite allows it outside a
/// transaction, for `COMMIT`, and inside one that holds no lock yet (where SQLite itself would
/// have called the busy handler).
pub(super) fn busy_retryable(
    conn: &rusqlite::Connection,
    was_autocommit: bool,
    text: &str,
) -> bool {
    if was_autocommit {
        return true;
    }
    let head = text.trim_start().get(..6).unwrap_or("");
    if head.eq_ignore_ascii_case("COMMIT")
        || head.get(..3).is_some_and(|h| h.eq_ignore_ascii_case("END"))
    {
        return true;
    }
    matches!(
        conn.transaction_state(None::<&str>),
        Ok(rusqlite::TransactionState::None)
    )
}

/// The rows a statement changed: none for a read or a schema change (SQLite's count is the
/// previous write's then).
pub(super) fn affected(conn: &rusqlite::Connection, total_before: u64) -> u64 {
    if conn.total_changes() == total_before {
        0
    } else {
        conn.changes()
    }
}

/// Runs `sql` in place on `raw`, as far as its budget allows.
pub(super) fn run_in_place(
    raw: &mut Raw,
    sql: &Stmt<'_>,
    want: &mut Want<'_, '_>,
    gate: &mut Gate<'_>,
) -> Placed {
    let Raw { link, watch } = raw;
    link.with(|conn, statements| run_on(conn, statements, watch, sql, want, gate))
}

/// [`run_in_place`] on the connection and its statements.
fn run_on<'c>(
    conn: &'c rusqlite::Connection,
    statements: &mut link::Statements<'c>,
    watch: &Watch,
    sql: &Stmt<'_>,
    want: &mut Want<'_, '_>,
    gate: &mut Gate<'_>,
) -> Placed {
    // Every value is checked before anything reaches SQLite (weft refuses some statements
    // through their binds: too deep, a raw fragment that does not fit, an unsupported
    // feature).
    // Up to `STACK_BINDS` values live on the stack (a one-row insert, a lookup).
    let mut stack: [Option<rusqlite::types::ToSqlOutput<'_>>; STACK_BINDS] =
        [const { None }; STACK_BINDS];
    let mut heap = Vec::new();
    let n = sql.binds.len();
    for i in 0..n {
        let value = match bind::encode(sql, i, sql.binds.get(i)) {
            Ok(value) => value,
            Err(e) => return Placed::Done(Err(Failure::Weft(e))),
        };
        match stack.get_mut(i) {
            Some(slot) if n <= STACK_BINDS => *slot = Some(value),
            _ => heap.push(Some(value)),
        }
    }
    let values = if n <= STACK_BINDS {
        &mut stack[..n]
    } else {
        heap.as_mut_slice()
    };
    let kept = match statements.get(conn, &sql.text) {
        Ok(kept) => kept,
        Err(rusqlite::Error::MultipleStatement) if values.is_empty() => {
            // Several statements may write.
            if !gate.admit() {
                return Placed::WaitForWriter;
            }
            return Placed::Move(Moved {
                batch: true,
                ..Moved::default()
            });
        }
        Err(e) => return Placed::Done(Err(e.into())),
    };
    let readonly = kept.st.readonly();
    if !readonly && !gate.admit() {
        return Placed::WaitForWriter;
    }
    if let Err(e) = check_parameter_count(&kept.st, values.len()) {
        return Placed::Done(Err(e.into()));
    }
    if !readonly && values.len() > IN_PLACE_MAX_BINDS {
        return Placed::Move(Moved::default());
    }
    for (i, value) in values.iter_mut().enumerate() {
        if let Some(value) = value.take()
            && let Err(e) = kept.st.raw_bind_parameter(i + 1, value)
        {
            return Placed::Done(Err(e.into()));
        }
    }
    let was_autocommit = conn.is_autocommit();
    let (names, long) = match want {
        Want::Rows(..) => {
            let names = kept.names();
            (Some(names), kept.long)
        }
        Want::Affected => (None, false),
    };
    let names: &[Box<str>] = names.as_deref().unwrap_or(&[]);
    let total_before = conn.total_changes();
    // A write under a statement timeout may be interrupted at the deadline, and SQLite calls
    // the progress handler once more after an autocommit write has committed: run it in a
    // transaction of its own, committed here only if it ran to its end.
    let own_tx = !readonly && was_autocommit && watch.has_deadline();
    if own_tx && let Err(e) = conn.execute_batch("BEGIN") {
        return Placed::Done(Err(e.into()));
    }
    // Only a read is interrupted for the budget: SQLite calls the progress handler once more
    // after a statement's last instruction, so an interrupted write may have committed.
    // A read that ran long before goes on in place under `block_in_place` when it can (a
    // multi-thread runtime): the runtime's other tasks move to another thread, and the read
    // neither starts again on a blocking thread nor copies its rows to cross to this one.
    let blocking = long && readonly && block_in_place_allowed();
    let budget = if blocking {
        BLOCKING_BUDGET
    } else {
        STEP_BUDGET
    };
    watch.start_with(if readonly { MODE_INTERRUPT } else { MODE_NOTE }, budget);
    let mut rows = kept.st.raw_query();
    let before = Before {
        autocommit: was_autocommit,
        total_changes: total_before,
        readonly,
    };
    let mut step = || step_rows(conn, watch, &mut rows, want, names, &sql.text, &before);
    let outcome = if blocking {
        tokio::task::block_in_place(step)
    } else {
        step()
    };
    watch.mode.store(MODE_OFF, Ordering::Relaxed);
    drop(rows);
    // Over its budget: the next run of this read may go on in place under `block_in_place`.
    if readonly && !blocking && watch.over.load(Ordering::Relaxed) != 0 {
        kept.long = true;
    }
    if own_tx && !conn.is_autocommit() {
        let end = match outcome {
            Placed::Done(Ok(_)) => "COMMIT",
            _ => "ROLLBACK",
        };
        // The deadline was met or not while the statement ran; its end is not interrupted.
        let stop_at = watch.stop_at.swap(NO_DEADLINE, Ordering::AcqRel);
        let ended = conn.execute_batch(end);
        watch.stop_at.store(stop_at, Ordering::Release);
        if let Err(e) = ended {
            let _ = conn.execute_batch("ROLLBACK");
            return Placed::Done(Err(e.into()));
        }
    }
    outcome
}

/// Refuses a statement given another number of values than it has parameters: a kept
/// statement keeps its last run's values, which a missing one would silently reuse.
pub(super) fn check_parameter_count(
    st: &rusqlite::Statement<'_>,
    given: usize,
) -> rusqlite::Result<()> {
    let expected = st.parameter_count();
    if given == expected {
        Ok(())
    } else {
        Err(rusqlite::Error::InvalidParameterCount(given, expected))
    }
}

/// The connection and statement as they were before it ran.
struct Before {
    autocommit: bool,
    total_changes: u64,
    readonly: bool,
}

/// Whether `tokio::task::block_in_place` may be called here: on a multi-thread runtime (it
/// panics on a current-thread one).
fn block_in_place_allowed() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

/// Steps `rows` to their end, handing each to `want`'s sink, or until the budget says the
/// statement goes on on a blocking thread.
fn step_rows(
    conn: &rusqlite::Connection,
    watch: &Watch,
    rows: &mut rusqlite::Rows<'_>,
    want: &mut Want<'_, '_>,
    names: &[Box<str>],
    text: &str,
    before: &Before,
) -> Placed {
    let columns = names.len();
    let mut delivered = 0u64;
    loop {
        match rows.next() {
            Ok(Some(row)) => {
                let Want::Rows(which, sink) = want else {
                    continue;
                };
                let out = if columns <= STACK_COLUMNS {
                    let mut cells = [ValueRef::Null; STACK_COLUMNS];
                    for (i, cell) in cells.iter_mut().enumerate().take(columns) {
                        *cell = row.get_ref(i).unwrap_or(ValueRef::Null);
                    }
                    sink(RowRef::new(&Row {
                        cells: &cells[..columns],
                        names,
                    }))
                } else {
                    let cells: Vec<ValueRef<'_>> = (0..columns)
                        .map(|i| row.get_ref(i).unwrap_or(ValueRef::Null))
                        .collect();
                    sink(RowRef::new(&Row {
                        cells: &cells[..],
                        names,
                    }))
                };
                delivered += 1;
                if let Err(e) = out {
                    break Placed::Done(Err(Failure::Weft(e)));
                }
                if *which == Rows::First {
                    break Placed::Done(Ok(delivered));
                }
                if delivered == 1 {
                    // Rows were handed over: never interrupted for the budget from here.
                    watch.mode.store(MODE_NOTE, Ordering::Relaxed);
                }
                if watch.over.load(Ordering::Relaxed) != 0
                    && before.readonly
                    && !nondeterministic(text)
                {
                    // Keep the snapshot for the rest: a read transaction, opened while the
                    // statement still holds its read lock.
                    let snapshot = conn.is_autocommit();
                    if snapshot && conn.execute_batch("BEGIN").is_err() {
                        continue;
                    }
                    break Placed::Move(Moved {
                        skip: delivered,
                        snapshot,
                        batch: false,
                    });
                }
            }
            Ok(None) => {
                let n = match want {
                    Want::Rows(..) => delivered,
                    Want::Affected => affected(conn, before.total_changes),
                };
                break Placed::Done(Ok(n));
            }
            Err(e) => {
                let fresh = delivered == 0;
                if fresh && watch.over.load(Ordering::Relaxed) == 2 {
                    break Placed::Move(Moved::default());
                }
                if fresh
                    && error::primary(&e) == Some(ffi::SQLITE_BUSY)
                    && busy_retryable(conn, before.autocommit, text)
                {
                    break Placed::Move(Moved::default());
                }
                break Placed::Done(Err(e.into()));
            }
        }
    }
}
