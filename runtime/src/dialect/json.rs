//! How a dialect spells the JSON of relations loaded in one statement: the aggregate that
//! collects a parent's related rows, and what wraps the statement. Data per dialect, read by
//! the relation renderer (`relation/sql.rs`) and the single-statement loader.

/// The spelling of JSON aggregation (see [`Dialect::json`](super::Dialect::json)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonSpelling {
    /// Opens the aggregate of one positional array per row: `json_agg(json_build_array(`.
    pub open: &'static str,
    /// Closes the aggregate and falls back to an empty array: `), '[]'::json) FROM ` (after
    /// the row array's `)` and the aggregate's `ORDER BY`).
    pub close: &'static str,
    /// Functions take at most this many arguments (PostgreSQL: 100): a wider row array is
    /// built in chunks joined by [`chunk_join`](Self::chunk_join), opened by
    /// [`open_chunked`](Self::open_chunked) and closed by [`close_chunked`](Self::close_chunked).
    pub max_args: Option<usize>,
    /// Opens a chunked aggregate.
    pub open_chunked: &'static str,
    /// Between two chunks of a row array.
    pub chunk_join: &'static str,
    /// Closes a chunked row array.
    pub close_chunked: &'static str,
    /// Wraps a nested relation's JSON inside its parent's row array (SQLite: a subquery's
    /// JSON loses its JSON subtype, and `json(…)` restores it).
    pub nested: Option<(&'static str, &'static str)>,
    /// Follows a root row's relation JSON to make it text for the driver (PostgreSQL's
    /// `::text`; elsewhere JSON is text already).
    pub as_text: &'static str,
    /// Precedes a statement that aggregates JSON (MariaDB raises `group_concat_max_len`, at
    /// which its `JSON_ARRAYAGG` would stop, for the statement only).
    pub statement_prefix: Option<&'static str>,
    /// Selected last by such a statement: the session's limits, so that a result the server
    /// cut (only a warning there) is refused rather than returned.
    pub limit_columns: &'static [&'static str],
    /// How a long IN list travels as one bind.
    pub long_in_list: LongInList,
}

/// How an IN list past the inline limit travels, as one bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongInList {
    /// An array: `x = ANY($1)`.
    Array,
    /// A JSON array read by `json_each` (SQLite).
    JsonEach,
    /// A JSON array read by `JSON_TABLE` with typed columns (the MySQL family).
    JsonTable,
}

/// SQLite.
pub(super) const SQLITE: JsonSpelling = JsonSpelling {
    open: "json_group_array(json_array(",
    close: "), '[]') FROM ",
    max_args: None,
    open_chunked: "",
    chunk_join: "",
    close_chunked: "",
    nested: Some(("json(", ")")),
    as_text: "",
    statement_prefix: None,
    limit_columns: &[],
    long_in_list: LongInList::JsonEach,
};

/// PostgreSQL.
pub(super) const POSTGRES: JsonSpelling = JsonSpelling {
    open: "json_agg(json_build_array(",
    close: "), '[]'::json) FROM ",
    max_args: Some(100),
    open_chunked: "json_agg((json_build_array(",
    chunk_join: ")::jsonb || json_build_array(",
    close_chunked: ")::jsonb)",
    nested: None,
    as_text: "::text",
    statement_prefix: None,
    limit_columns: &[],
    long_in_list: LongInList::Array,
};

/// `group_concat_max_len` raised to its maximum (1 GiB, also the most `max_allowed_packet`
/// can be), so that only `max_allowed_packet` can cut a result.
const MARIADB_PREFIX: &str = "SET STATEMENT group_concat_max_len = 1073741824 FOR ";

/// MariaDB.
pub(super) const MARIADB: JsonSpelling = JsonSpelling {
    open: "JSON_ARRAYAGG(JSON_ARRAY(",
    close: "), JSON_ARRAY()) FROM ",
    max_args: None,
    open_chunked: "",
    chunk_join: "",
    close_chunked: "",
    nested: None,
    as_text: "",
    statement_prefix: Some(MARIADB_PREFIX),
    limit_columns: &["@@group_concat_max_len", "@@max_allowed_packet"],
    long_in_list: LongInList::JsonTable,
};

/// MySQL proper: single-statement loads are refused there (its `JSON_ARRAYAGG` keeps no
/// order), so only the IN-list spelling is used.
pub(super) const MYSQL: JsonSpelling = JsonSpelling {
    statement_prefix: None,
    limit_columns: &[],
    ..MARIADB
};
