//! Statements on a blocking thread (`spawn_blocking`): the owned job, its rows sent in packed
//! batches through a channel, and the guard that interrupts it when its future goes away.

use super::*;

/// A statement that runs on a blocking thread, owned.
pub(super) struct Job {
    text: String,
    binds: Vec<rusqlite::types::Value>,
    /// `None`: the rows changed are wanted, not rows.
    rows: Option<Rows>,
    moved: Moved,
}

/// Rows sent from a blocking thread.
pub(super) struct Batch {
    names: Arc<[Box<str>]>,
    /// How many rows (each `names.len()` cells of `packed`).
    rows: usize,
    packed: Packed,
}

/// Runs `job` to its end on `raw` (on a blocking thread), sending rows to `out`; waits for
/// other connections' locks up to [`BUSY_TIMEOUT`].
pub(super) fn run_blocking(
    raw: &mut Raw,
    job: &Job,
    out: Option<&mpsc::Sender<Batch>>,
) -> rusqlite::Result<u64> {
    raw.link.conn().busy_timeout(BUSY_TIMEOUT)?;
    let result = step_blocking(raw, job, out);
    let conn = raw.link.conn();
    if job.moved.snapshot && !conn.is_autocommit() {
        // The read transaction opened in place to keep the snapshot (nothing to commit).
        let _ = conn.execute_batch("ROLLBACK");
    }
    conn.busy_timeout(Duration::ZERO)?;
    result
}

pub(super) fn step_blocking(
    raw: &mut Raw,
    job: &Job,
    out: Option<&mpsc::Sender<Batch>>,
) -> rusqlite::Result<u64> {
    raw.link
        .with(|conn, statements| step_on(conn, statements, job, out))
}

fn step_on<'c>(
    conn: &'c rusqlite::Connection,
    statements: &mut link::Statements<'c>,
    job: &Job,
    out: Option<&mpsc::Sender<Batch>>,
) -> rusqlite::Result<u64> {
    let total_before = conn.total_changes();
    if job.moved.batch {
        conn.execute_batch(&job.text)?;
        return Ok(match job.rows {
            Some(_) => 0,
            None => affected(conn, total_before),
        });
    }
    let kept = statements.get(conn, &job.text)?;
    let names = kept.names();
    let st = &mut kept.st;
    check_parameter_count(st, job.binds.len())?;
    for (i, v) in job.binds.iter().enumerate() {
        st.raw_bind_parameter(i + 1, v)?;
    }
    let columns = names.len();
    let mut rows = st.raw_query();
    let (mut seen, mut sent) = (0u64, 0u64);
    let mut batch = (0usize, Packed::default());
    while let Some(row) = rows.next()? {
        seen += 1;
        if seen <= job.moved.skip {
            continue;
        }
        let (Some(which), Some(out)) = (job.rows, out) else {
            continue;
        };
        for i in 0..columns {
            batch.1.push(row.get_ref(i).unwrap_or(ValueRef::Null));
        }
        batch.0 += 1;
        sent += 1;
        let last = which == Rows::First;
        if batch.0 >= BATCH || last {
            let (rows, packed) = std::mem::take(&mut batch);
            let names = names.clone();
            if out
                .blocking_send(Batch {
                    names,
                    rows,
                    packed,
                })
                .is_err()
            {
                // The future was dropped: nobody reads the rest.
                return Ok(sent);
            }
        }
        if last {
            return Ok(sent);
        }
    }
    if let Some(out) = out
        && batch.0 > 0
    {
        let (rows, packed) = batch;
        let _ = out.blocking_send(Batch {
            names,
            rows,
            packed,
        });
    }
    Ok(match job.rows {
        Some(_) => sent,
        None => affected(conn, total_before),
    })
}

/// Interrupts the blocking statement numbered `statement` when dropped, unless disarmed: its
/// future was dropped (a timeout) or stopped reading.
pub(super) struct CancelOnDrop {
    watch: Arc<Watch>,
    statement: u64,
    armed: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.watch.cancel.store(self.statement, Ordering::Release);
        }
    }
}

/// A blocking thread's result: the connection back, and the statement's outcome.
pub(super) type Finished = (Slot, std::result::Result<u64, Failure>);

/// Starts `job` on a blocking thread with `slot`; returns the thread and the guard that
/// interrupts it if the caller goes away.
pub(super) fn spawn(
    mut slot: Slot,
    job: Job,
    out: Option<mpsc::Sender<Batch>>,
) -> std::result::Result<(tokio::task::JoinHandle<Finished>, CancelOnDrop), Failure> {
    let watch = slot.raw()?.watch.clone();
    let statement = watch.start(MODE_OFF);
    let handle = tokio::task::spawn_blocking(move || {
        let result = slot
            .raw()
            .and_then(|raw| run_blocking(raw, &job, out.as_ref()).map_err(Failure::from));
        drop(out);
        (slot, result)
    });
    Ok((
        handle,
        CancelOnDrop {
            watch,
            statement,
            armed: true,
        },
    ))
}

/// The owned form of `sql` for a blocking thread.
pub(super) fn job(sql: &Stmt<'_>, rows: Option<Rows>, moved: Moved) -> Result<Job> {
    Ok(Job {
        text: sql.text.clone().into_owned(),
        binds: bind::owned(sql)?,
        rows,
        moved,
    })
}

pub(super) type Prepared = (
    Job,
    Option<mpsc::Sender<Batch>>,
    Option<mpsc::Receiver<Batch>>,
);

pub(super) fn prepare_job(
    sql: &Stmt<'_>,
    want: &Want<'_, '_>,
    moved: Moved,
) -> std::result::Result<Prepared, Failure> {
    let rows = match want {
        Want::Rows(which, _) => Some(*which),
        Want::Affected => None,
    };
    let job = job(sql, rows, moved).map_err(Failure::Weft)?;
    Ok(match rows {
        Some(_) => {
            let (s, r) = mpsc::channel::<Batch>(4);
            (job, Some(s), Some(r))
        }
        None => (job, None, None),
    })
}

/// Hands the rows a blocking thread sends to the sink, then waits for the thread: the
/// connection back (`None` if the thread failed) and the statement's outcome.
pub(super) async fn await_job(
    handle: &mut tokio::task::JoinHandle<Finished>,
    mut guard: CancelOnDrop,
    mut receive: Option<mpsc::Receiver<Batch>>,
    want: &mut Want<'_, '_>,
) -> (Option<Slot>, std::result::Result<u64, Failure>) {
    let mut sink_error = None;
    if let (Some(receive), Want::Rows(_, sink)) = (receive.as_mut(), want) {
        'recv: while let Some(batch) = receive.recv().await {
            let width = batch.names.len();
            for r in 0..batch.rows {
                let cells = PackedRow {
                    cells: batch
                        .packed
                        .cells
                        .get(r * width..(r + 1) * width)
                        .unwrap_or_default(),
                    bytes: &batch.packed.bytes,
                };
                if let Err(e) = sink(RowRef::new(&Row {
                    cells: &cells,
                    names: &batch.names,
                })) {
                    sink_error = Some(e);
                    break 'recv;
                }
            }
        }
    }
    if sink_error.is_some() {
        // Its rows are not wanted: stop the statement.
        guard.watch.cancel.store(guard.statement, Ordering::Release);
    }
    drop(receive);
    let joined = handle.await;
    guard.armed = false;
    match joined {
        Err(e) => (
            None,
            Err(Failure::Sqlite(sqlx::Error::Protocol(format!(
                "the SQLite thread failed: {e}"
            )))),
        ),
        Ok((slot, result)) => {
            let out = match sink_error {
                Some(e) => Err(Failure::Weft(e)),
                None => result,
            };
            (Some(slot), out)
        }
    }
}
