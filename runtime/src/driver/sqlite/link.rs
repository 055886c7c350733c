//! A connection and the statements prepared on it, kept together: weft's own statement map.
//!
//! rusqlite's statement cache (`prepare_cached`) takes a statement out of an LRU map by its
//! text and puts it back when done: it hashes the text twice, copies it into a new `Arc<str>`
//! each time, and clears the bindings. On a one-row insert that was about 1,250 instructions
//! of weft's 22,000 (bench/RESULTS.md, "W6 on SQLite"). Here a statement stays in its map
//! while it runs: one lookup by text, no copy, no allocation once prepared.
//!
//! A prepared statement borrows its connection, so the two live in one self-referential cell
//! (`self_cell`). The cell is moved between threads whole (a statement goes on on a blocking
//! thread with its connection): see the `Send` impl below.

use std::sync::Arc;

use rusqlite::{Connection, PrepFlags, Statement};

/// Statements kept per connection; the map is emptied (the statements finalized) when full.
const STATEMENTS_KEPT: usize = 128;

/// The statements prepared on one connection, by text.
pub(super) struct Statements<'c> {
    map: hashbrown::HashMap<Box<str>, Kept<'c>>,
}

/// A prepared statement and what its runs taught.
pub(super) struct Kept<'c> {
    pub(super) st: Statement<'c>,
    /// Its column labels, read at its first run that wants rows.
    names: Option<Arc<[Box<str>]>>,
    /// It ran past the in-place budget: its next run, on a multi-thread runtime, goes on in
    /// place under `block_in_place` (see `in_place::run_in_place`).
    pub(super) long: bool,
}

impl Kept<'_> {
    /// The labels of the statement's columns (read once).
    pub(super) fn names(&mut self) -> Arc<[Box<str>]> {
        let st = &self.st;
        self.names
            .get_or_insert_with(|| st.column_names().into_iter().map(Box::from).collect())
            .clone()
    }
}

self_cell::self_cell!(
    struct Cell {
        owner: Connection,
        #[not_covariant]
        dependent: Statements,
    }
);

/// A connection with its prepared statements.
pub(super) struct Link(Cell);

// SAFETY: `rusqlite::Connection` is `Send`. A `Statement` is not `Send` only because it holds
// a `&Connection` (and `Connection` is not `Sync`: its caches are `RefCell`s, and weft opens
// it with `SQLITE_OPEN_NO_MUTEX`). In a `Link` the connection and every statement borrowing
// it move together, and nothing else can reach them: the cell hands out the connection and
// the statements only inside a closure whose result cannot borrow them, and `Link` is not
// `Sync`. So after a move every use is on the one thread that now owns the `Link`, which is
// what SQLite's single-thread mode asks of a connection and its statements.
unsafe impl Send for Link {}

impl Link {
    pub(super) fn new(conn: Connection) -> Link {
        Link(Cell::new(conn, |_| Statements {
            map: hashbrown::HashMap::new(),
        }))
    }

    /// The connection.
    pub(super) fn conn(&self) -> &Connection {
        self.0.borrow_owner()
    }

    /// Runs `f` with the connection and its statement map.
    pub(super) fn with<R>(
        &mut self,
        f: impl for<'c> FnOnce(&'c Connection, &mut Statements<'c>) -> R,
    ) -> R {
        self.0
            .with_dependent_mut(|conn, prepared| f(conn, prepared))
    }
}

impl<'c> Statements<'c> {
    /// The statement for `text`, prepared the first time. A text holding several statements
    /// fails with [`rusqlite::Error::MultipleStatement`].
    pub(super) fn get(
        &mut self,
        conn: &'c Connection,
        text: &str,
    ) -> rusqlite::Result<&mut Kept<'c>> {
        if self.map.len() >= STATEMENTS_KEPT && !self.map.contains_key(text) {
            self.map.clear();
        }
        match self.map.entry_ref(text) {
            hashbrown::hash_map::EntryRef::Occupied(kept) => Ok(kept.into_mut()),
            hashbrown::hash_map::EntryRef::Vacant(new) => {
                // Statements for repeated use (SQLite keeps it out of its lookaside memory).
                let st = conn.prepare_with_flags(text, PrepFlags::SQLITE_PREPARE_PERSISTENT)?;
                Ok(new.insert(Kept {
                    st,
                    names: None,
                    long: false,
                }))
            }
        }
    }
}
