//! What a dialect can do, as data: every backend decision outside the dialect and driver layers
//! reads this record instead of asking which database it is.

/// How a relational query loads its relations. Both never send one statement per parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// One statement however deep: related rows are aggregated into JSON by the database.
    SingleStatement,
    /// One statement for the parents, then one per relation, keyed on the parents' keys
    /// (`= ANY($1)` on PostgreSQL, `IN (…)` elsewhere).
    Batched,
}

impl Strategy {
    /// The faster strategy on `dialect` for a query that loads no many-to-many (`through`)
    /// relation, as measured (see `docs/design.md`): batched everywhere. Its capability
    /// record says so.
    ///
    /// ```
    /// use weft::{Backend, Strategy, dialect::MariaDb};
    /// assert_eq!(Strategy::default_for(Backend::Sqlite), Strategy::Batched);
    /// assert_eq!(Strategy::default_for(&MariaDb), Strategy::Batched);
    /// ```
    pub fn default_for(dialect: impl super::AsDialect) -> Strategy {
        dialect.as_dialect().capabilities().default_strategy
    }

    /// The faster strategy on `dialect` for a query that loads a many-to-many (`through`)
    /// relation at any depth: one statement on SQLite (a batched junction statement sorts all
    /// its rows at once there), batched on PostgreSQL and the MySQL family.
    ///
    /// ```
    /// use weft::{Backend, Strategy};
    /// assert_eq!(Strategy::default_through(Backend::Sqlite), Strategy::SingleStatement);
    /// assert_eq!(Strategy::default_through(Backend::Postgres), Strategy::Batched);
    /// ```
    pub fn default_through(dialect: impl super::AsDialect) -> Strategy {
        dialect.as_dialect().capabilities().default_strategy_through
    }
}

/// Which batched relation statements order their rows by the parent key before the
/// relation's own terms. Rows are bucketed by their parent key, so either order gives every
/// parent the same rows in the same order; what differs is the server's plan, and how the
/// rows arrive (a parent's rows together fill its bucket in one allocation). Measured per
/// backend; see `docs/design.md`, "Batched statements ordered by the parent key first".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchKeyOrder {
    /// Every batched statement (SQLite: an index on the key holds the row id, so it hands
    /// the rows over in `key, id` order and no temporary B-tree sorts them).
    Always,
    /// Statements through a junction (PostgreSQL: the junction's primary key starts with the
    /// parent key and hands its rows over in order; a direct relation's `post_id, id` would be
    /// sorted, where `id` alone can be read along the primary key). Not named `Through`: a
    /// second item of that name would make rustc spell the `Through` trait `weft::Through` in
    /// the compile errors of a misdeclared junction.
    Junctions,
    /// None (the MySQL family: its plans for a long `IN` list got slower with it).
    Never,
}

impl BatchKeyOrder {
    /// Whether a batched statement of a relation (`through` a junction or not) orders by the
    /// parent key first.
    pub fn applies(self, through: bool) -> bool {
        match self {
            BatchKeyOrder::Always => true,
            BatchKeyOrder::Junctions => through,
            BatchKeyOrder::Never => false,
        }
    }
}

/// How a dialect spells "insert, or update the row that conflicts".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// `INSERT … ON CONFLICT (key) DO UPDATE SET … | DO NOTHING` (SQLite, PostgreSQL).
    OnConflict,
    /// `INSERT … ON DUPLICATE KEY UPDATE …` (the MySQL family): the conflict target is every
    /// unique key of the table, it cannot be named.
    OnDuplicateKey,
}

/// Which row-lock clauses a `SELECT` may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowLocks {
    /// `FOR UPDATE`.
    pub for_update: bool,
    /// `FOR SHARE` (MariaDB spells it `LOCK IN SHARE MODE`).
    pub for_share: bool,
    /// `NOWAIT`: fail instead of waiting for a lock.
    pub nowait: bool,
    /// `SKIP LOCKED`: leave out the rows another transaction holds.
    pub skip_locked: bool,
}

impl RowLocks {
    /// No row locks at all (SQLite locks the whole database instead).
    pub const NONE: RowLocks = RowLocks {
        for_update: false,
        for_share: false,
        nowait: false,
        skip_locked: false,
    };
    /// Every lock clause.
    pub const ALL: RowLocks = RowLocks {
        for_update: true,
        for_share: true,
        nowait: true,
        skip_locked: true,
    };
}

/// The capabilities of one dialect: a `const` per dialect (see [`Dialect::capabilities`]).
///
/// ```
/// use weft::dialect::{Dialect, MariaDb, Postgres};
/// assert!(Postgres.capabilities().returning_on_update);
/// assert!(!MariaDb.capabilities().returning_on_update);
/// ```
///
/// [`Dialect::capabilities`]: super::Dialect::capabilities
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capabilities {
    /// `INSERT … RETURNING`.
    pub returning_on_insert: bool,
    /// `UPDATE … RETURNING`.
    pub returning_on_update: bool,
    /// `DELETE … RETURNING`.
    pub returning_on_delete: bool,
    /// The most bind parameters one statement may carry. Multi-row inserts are split under it.
    pub max_bind_params: usize,
    /// The server refuses a statement larger than its packet limit (MySQL's
    /// `max_allowed_packet`, read when the `Db` is made): multi-row inserts are split by size
    /// as well as by binds, and `to_sql` splits under 4 MiB.
    pub packet_limited: bool,
    /// A list of values can be bound as one array parameter (`= ANY($1)`, `UNNEST($1)`).
    pub array_binds: bool,
    /// The JSON array aggregate takes its own `ORDER BY` and `LIMIT` (MariaDB's
    /// `JSON_ARRAYAGG`); elsewhere rows are ordered and limited in a derived table.
    pub json_agg_order_limit: bool,
    /// Relations can be loaded in one statement: the JSON aggregate keeps the order it is
    /// given (MySQL proper's `JSON_ARRAYAGG` takes no `ORDER BY` and keeps none).
    pub json_agg_ordered: bool,
    /// Floats printed into JSON read back exactly (SQLite's JSON functions print REAL with up
    /// to an ulp of error, so relations reading floats load batched there).
    pub exact_json_floats: bool,
    /// `FULL JOIN` (the MySQL family has none).
    pub full_join: bool,
    /// `INTERSECT ALL` and `EXCEPT ALL` (SQLite has only the forms without `ALL`).
    pub intersect_except_all: bool,
    /// `SELECT DISTINCT ON (…)` (PostgreSQL only).
    pub distinct_on: bool,
    /// `SUM` of a decimal column is exact (SQLite stores decimals as text and would add them
    /// as floats, so `weft::sum` of a `Decimal` is refused there).
    pub exact_decimal_sum: bool,
    /// `LIMIT` inside an `IN (SELECT …)` subquery (the MySQL family refuses it: there weft
    /// reads the limited rows from a derived table, `IN (SELECT * FROM (…) AS weft_in)`).
    pub limit_in_subquery: bool,
    /// `LATERAL` joins.
    pub lateral: bool,
    /// How "insert or update" is spelled.
    pub upsert: Upsert,
    /// `SAVEPOINT` (nested transactions).
    pub savepoints: bool,
    /// DDL inside a transaction rolls back with it (MySQL commits implicitly instead).
    pub transactional_ddl: bool,
    /// The row-lock clauses `SELECT … FOR …` may use.
    pub row_locks: RowLocks,
    /// The faster relation-loading strategy, as measured (see `docs/design.md`).
    pub default_strategy: Strategy,
    /// The faster strategy for a query that loads a many-to-many (`through`) relation at any
    /// depth, where that differs (SQLite sorts a batched junction statement's rows as a whole,
    /// and nested JSON is faster there).
    pub default_strategy_through: Strategy,
    /// Which batched relation statements order their rows by the parent key first
    /// (`ORDER BY "t"."post_id", "t"."id"`); see [`BatchKeyOrder`].
    pub batch_key_order: BatchKeyOrder,
    /// A row count (`LIMIT n`) is written into the statement's text instead of bound. On
    /// PostgreSQL a bound `LIMIT $1` makes every run plan the statement again: the plan cache
    /// compares a generic plan, which cannot know the count and guesses a tenth of the table,
    /// with custom plans that know it, and keeps choosing custom plans (about 15–30 µs of
    /// planning a run; `pgbench -M prepared`, `docs/design.md`). The count is an integer weft
    /// formats itself, never text from a user; offsets stay bound (a page's offset changes
    /// with every page, and each text is a prepared statement).
    pub limit_in_text: bool,
    /// A float column stores NaN (SQLite turns it into NULL; MySQL refuses it).
    pub stores_nan: bool,
    /// A float column stores ±infinity (MySQL refuses it).
    pub stores_infinity: bool,
    /// A float column keeps the sign of -0.0 (only PostgreSQL's do).
    pub stores_negative_zero: bool,
    /// A decimal column keeps the scale it was given: `1.50` reads back as `1.50` (MySQL's
    /// fixed-scale `DECIMAL(65,28)` gives back `1.5`).
    pub decimal_keeps_scale: bool,
    /// The dates a date or timestamp column holds exactly (`None`: every date chrono has).
    pub dates: Option<DateRange>,
    /// A JSON column keeps -0.0 inside documents (PostgreSQL's JSONB stores numbers as NUMERIC,
    /// which has no negative zero).
    pub json_keeps_negative_zero: bool,
    /// A timestamp column keeps nanoseconds. False on every dialect weft ships: timestamps are
    /// stored to the microsecond everywhere (SQLite's text too), typed values are truncated to
    /// it when bound, and a finer raw [`Value`](crate::Value) is refused rather than rounded.
    pub timestamp_nanoseconds: bool,
    /// A text column stores the NUL character (PostgreSQL's text refuses it).
    pub text_holds_nul: bool,
    /// A boolean column is an integer column underneath, so SQL written by hand can store
    /// values other than 0 and 1 in it (SQLite, the MySQL family); weft refuses to read those
    /// as `bool`. PostgreSQL's `BOOLEAN` holds only true and false.
    pub integer_booleans: bool,
    /// `UPDATE … SET` and `ON DUPLICATE KEY UPDATE` apply their assignments left to right,
    /// each value seeing the columns the assignments before it set (the MySQL family; a
    /// multi-table `UPDATE` there applies them in an unspecified order). Elsewhere every value
    /// reads the row as it was before the statement. weft orders the assignments so that each
    /// value still reads the old row, and refuses the statement where no order does (see
    /// [`Update::set`](crate::Update::set)).
    pub sequential_assignments: bool,
    /// The server stops a statement that runs longer than a timeout weft gives it
    /// ([`Db::with_statement_timeout`](crate::Db::with_statement_timeout)): PostgreSQL's
    /// `statement_timeout`, MariaDB's `max_statement_time`, MySQL's `MAX_EXECUTION_TIME` (for
    /// a `SELECT` only). Where it does not (SQLite, and MySQL's writes), weft stops waiting
    /// and interrupts the statement or closes its connection (see
    /// [`Dialect::statement_timeout`](super::Dialect::statement_timeout)).
    pub server_statement_timeouts: bool,
    /// Session locks by name, which weft's migrations hold for a run so that two processes
    /// starting at once apply each migration once (PostgreSQL's advisory locks, the MySQL
    /// family's `GET_LOCK`; see [`Dialect::migration_lock`](super::Dialect::migration_lock)).
    /// SQLite locks the whole database per migration instead; CockroachDB has neither, and
    /// weft's `migrate` refuses to run there.
    pub advisory_locks: bool,
    /// Transactions fail with a conflict as a matter of course, not by accident: every
    /// transaction runs `SERIALIZABLE` across nodes (CockroachDB), so every writing
    /// transaction should go through
    /// [`Db::transaction_with_retry`](crate::Db::transaction_with_retry). weft does not
    /// retry for you; this says you must.
    pub retries_required: bool,
    /// Foreign keys are declared and enforced by the server. A sharded engine (Vitess, and
    /// TiDB before 8.5) does not enforce them across shards: there `create_tables` and
    /// migrations leave the `FOREIGN KEY` clauses out (relations still load: they need only
    /// the columns), and keeping references valid is the application's.
    pub foreign_keys: bool,
}

impl Capabilities {
    /// The first and last year a date column holds (every year chrono has when `dates` is
    /// `None`).
    pub fn years(&self) -> (i32, i32) {
        match self.dates {
            Some(range) => (range.first.0, range.last.0),
            None => (i32::MIN, i32::MAX),
        }
    }

    /// Whether `RETURNING` may follow a statement of `kind`.
    pub fn returning(&self, kind: StatementKind) -> bool {
        match kind {
            StatementKind::Insert => self.returning_on_insert,
            StatementKind::Update => self.returning_on_update,
            StatementKind::Delete => self.returning_on_delete,
        }
    }
}

/// The first and last day a date column holds, as (year, month, day) in the proleptic
/// Gregorian calendar with year 0 = 1 BC, and why, for the error that refuses a date outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// The first day.
    pub first: (i32, u32, u32),
    /// The last day.
    pub last: (i32, u32, u32),
    /// Why the range ends there, as the refusal says it.
    pub why: &'static str,
}

/// A statement that changes rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// `INSERT`.
    Insert,
    /// `UPDATE`.
    Update,
    /// `DELETE`.
    Delete,
}
