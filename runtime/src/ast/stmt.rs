//! Statements: what weft sends, as a tree. Builders and relation loaders build these; the
//! dialect layer renders each with one walk (`crate::dialect::render`).

use crate::ast::Direction;
use crate::schema::TableMeta;
use crate::value::SqlType;

use super::Node;

/// Any statement weft sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `SELECT`.
    Select(Box<Select>),
    /// `INSERT`.
    Insert(Insert),
    /// `UPDATE`.
    Update(Update),
    /// `DELETE`.
    Delete(Delete),
    /// `CREATE TABLE` (its indexes are [`Statement::CreateIndex`] statements).
    CreateTable(CreateTable),
    /// `ALTER TABLE`.
    AlterTable(AlterTable),
    /// `DROP TABLE`.
    DropTable(DropTable),
    /// `CREATE INDEX`.
    CreateIndex(CreateIndex),
    /// `DROP INDEX`.
    DropIndex(DropIndex),
}

/// A query's row limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The user's `.limit(n)`: bound like every value.
    Rows(u64),
    /// weft's own `LIMIT 1` for `first`/`one`, written into the text. It is a constant of
    /// weft's, not a user value, and SQLite re-prepares a statement whose LIMIT is a parameter
    /// on every execution (measured: a point lookup 21 µs bound, 16 µs literal).
    FirstRow,
}

impl Limit {
    /// The limit of "the first row" of a query limited to `limit`.
    pub(crate) fn first_of(limit: Option<Limit>) -> Option<Limit> {
        match limit {
            Some(Limit::Rows(0)) => limit,
            _ => Some(Limit::FirstRow),
        }
    }
}

/// `SELECT`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Select {
    /// `WITH name AS (…)`, in order.
    pub ctes: Vec<Cte>,
    /// `SELECT DISTINCT`.
    pub distinct: bool,
    /// `SELECT DISTINCT ON (…)` (PostgreSQL): one row per distinct value of these, the first
    /// in the query's order. Refused where [`Capabilities::distinct_on`] is false.
    ///
    /// [`Capabilities::distinct_on`]: crate::dialect::Capabilities::distinct_on
    pub distinct_on: Vec<Node>,
    /// The select list.
    pub columns: Vec<SelectItem>,
    /// `FROM`, with its joins.
    pub from: Option<From>,
    /// `WHERE`.
    pub filter: Option<Node>,
    /// `GROUP BY`.
    pub group_by: Vec<Node>,
    /// `HAVING`.
    pub having: Option<Node>,
    /// `UNION` / `INTERSECT` / `EXCEPT` with further queries, in order.
    pub set_ops: Vec<SetOperation>,
    /// `ORDER BY`.
    pub order: Vec<(Node, Direction)>,
    /// `LIMIT`.
    pub limit: Option<Limit>,
    /// `OFFSET`.
    pub offset: Option<u64>,
    /// `FOR UPDATE` and friends.
    pub lock: Option<Lock>,
}

/// One entry of a select list.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    /// The value.
    pub expr: Node,
    /// `AS alias`.
    pub alias: Option<String>,
    /// Whether a column is written with its table (`"t"."c"`) or alone (`"c"`, as `RETURNING`
    /// needs).
    pub qualified: bool,
}

impl Select {
    /// This query with its select list named `c1`, `c2`, … (weft's names: a derived table may
    /// not repeat a column name, as `SELECT a.id, b.id` would).
    pub(crate) fn numbered(mut self) -> Select {
        for (i, item) in self.columns.iter_mut().enumerate() {
            item.alias = Some(format!("c{}", i + 1));
        }
        self
    }

    /// `SELECT * FROM (self) AS alias`, its columns [`numbered`](Self::numbered): the same
    /// rows, read from a derived table.
    pub(crate) fn derived_as(self, alias: &str) -> Select {
        Select {
            columns: vec![SelectItem::new(Node::Raw("*"))],
            from: Some(From {
                source: Source::Query {
                    query: Box::new(self.numbered()),
                    alias: alias.to_owned(),
                    lateral: false,
                },
                joins: Vec::new(),
            }),
            ..Select::default()
        }
    }
}

impl SelectItem {
    /// `expr`, unaliased and qualified.
    pub fn new(expr: Node) -> SelectItem {
        SelectItem {
            expr,
            alias: None,
            qualified: true,
        }
    }
}

/// A common table expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Cte {
    /// Its name.
    pub name: String,
    /// `WITH RECURSIVE`.
    pub recursive: bool,
    /// Its query.
    pub query: Select,
}

/// `FROM` and its joins.
#[derive(Debug, Clone, PartialEq)]
pub struct From {
    /// The first source.
    pub source: Source,
    /// Joined sources, in order.
    pub joins: Vec<Join>,
}

/// A row source in `FROM` or a join.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A table, under its own name or an alias.
    Table {
        /// The table.
        table: &'static TableMeta,
        /// The alias, if any.
        alias: Option<String>,
    },
    /// A derived table: `(SELECT …) AS alias`, `LATERAL` when `lateral`.
    Query {
        /// The query.
        query: Box<Select>,
        /// Its alias.
        alias: String,
        /// Whether it may read the sources before it.
        lateral: bool,
    },
    /// A common table expression of the statement, by name.
    Cte {
        /// Its name.
        name: String,
        /// The alias, if any.
        alias: Option<String>,
    },
}

/// A join.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// Inner, left, …
    pub kind: JoinKind,
    /// What is joined.
    pub source: Source,
    /// `ON …` (`None` for a cross join).
    pub on: Option<Node>,
}

/// Kinds of join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `INNER JOIN`.
    Inner,
    /// `LEFT JOIN`.
    Left,
    /// `RIGHT JOIN`.
    Right,
    /// `FULL JOIN`.
    Full,
    /// `CROSS JOIN`.
    Cross,
}

/// `UNION` and friends.
#[derive(Debug, Clone, PartialEq)]
pub struct SetOperation {
    /// Which operation.
    pub op: SetOp,
    /// `ALL` (keep duplicates).
    pub all: bool,
    /// The other query.
    pub query: Select,
}

/// Set operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    /// `UNION`.
    Union,
    /// `INTERSECT`.
    Intersect,
    /// `EXCEPT`.
    Except,
}

/// A row lock: `FOR UPDATE [NOWAIT | SKIP LOCKED]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    /// Exclusive (`FOR UPDATE`) or shared (`FOR SHARE`).
    pub exclusive: bool,
    /// What to do about rows another transaction holds.
    pub wait: LockWait,
}

/// How a row lock waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockWait {
    /// Wait for the lock.
    Wait,
    /// `NOWAIT`.
    NoWait,
    /// `SKIP LOCKED`.
    SkipLocked,
}

/// `INSERT`.
#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    /// The table written.
    pub table: &'static TableMeta,
    /// The columns given, as positions in the table's columns.
    pub columns: Vec<usize>,
    /// The rows.
    pub source: InsertSource,
    /// What to do about a row that conflicts with an existing one.
    pub on_conflict: Option<OnConflict>,
    /// `RETURNING`.
    pub returning: Vec<SelectItem>,
}

/// Where inserted rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum InsertSource {
    /// `VALUES (…), (…)`: row-major, one entry per row and given column (so a row is
    /// `columns.len()` entries).
    Values(Vec<InsertValue>),
    /// `SELECT …`.
    Select(Box<Select>),
    /// One array per given column, unnested into rows (`SELECT * FROM UNNEST($1::T[], …)`);
    /// only where arrays bind ([`crate::Capabilities::array_binds`]).
    Arrays(Vec<InsertValue>),
}

/// One value of an inserted row (or one array of [`InsertSource::Arrays`]).
#[derive(Debug, Clone, PartialEq)]
pub enum InsertValue {
    /// An expression (usually a bind).
    Expr(Box<Node>),
    /// A bind whose value the statement's caller binds by reference, so a large insert copies
    /// none of its values.
    Borrowed,
    /// The column's default.
    Default,
}

/// `ON CONFLICT` / `ON DUPLICATE KEY`.
#[derive(Debug, Clone, PartialEq)]
pub struct OnConflict {
    /// The unique key that conflicts, as column positions (ignored by dialects whose upsert
    /// cannot name one).
    pub target: Vec<usize>,
    /// The unique key that conflicts, by constraint name: PostgreSQL's `ON CONFLICT ON
    /// CONSTRAINT`. Dialects that cannot name a constraint use `target` instead (SQLite; empty
    /// there refuses the statement) or any key (the MySQL family).
    pub constraint: Option<String>,
    /// What to do.
    pub action: ConflictAction,
    /// `DO UPDATE SET … WHERE filter`: update only the conflicting rows where it holds (on the
    /// MySQL family, each assignment keeps the old value where it does not hold).
    pub filter: Option<Node>,
}

/// What an upsert does on conflict.
#[derive(Debug, Clone, PartialEq)]
pub enum ConflictAction {
    /// Keep the existing row.
    Nothing,
    /// Set these columns (positions) to these values; [`Node::Excluded`] reads the value the
    /// insert proposed.
    Update(Vec<(usize, Node)>),
}

/// `UPDATE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The table written.
    pub table: &'static TableMeta,
    /// `SET column = value`, by column name.
    pub set: Vec<(&'static str, Node)>,
    /// Another table the update reads, joined on a condition: `UPDATE t SET … FROM u WHERE
    /// on` (PostgreSQL, SQLite), `UPDATE t INNER JOIN u ON on SET …` (the MySQL family).
    pub from: Option<Box<Join>>,
    /// `WHERE`.
    pub filter: Option<Node>,
    /// `RETURNING`.
    pub returning: Vec<SelectItem>,
}

/// `DELETE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// The table written.
    pub table: &'static TableMeta,
    /// `WHERE`.
    pub filter: Option<Node>,
    /// `RETURNING`.
    pub returning: Vec<SelectItem>,
}

/// `CREATE TABLE` from a table's metadata; its indexes are [`CreateIndex`] statements of their
/// own (`weft::create_table_sql` returns both).
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTable {
    /// The table, as its metadata describes it.
    pub table: &'static TableMeta,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
}

/// `ALTER TABLE`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterTable {
    /// The table's name.
    pub table: String,
    /// The changes, in order.
    pub changes: Vec<AlterChange>,
}

/// One change of an `ALTER TABLE`.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterChange {
    /// `ADD COLUMN`.
    AddColumn(ColumnDef),
    /// `DROP COLUMN`.
    DropColumn(String),
    /// `RENAME COLUMN a TO b`.
    RenameColumn {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// `ALTER COLUMN` type / nullability.
    AlterColumn(ColumnDef),
    /// `ADD CONSTRAINT`.
    AddConstraint(Constraint),
    /// `DROP CONSTRAINT`.
    DropConstraint(String),
}

/// A column definition, for DDL that is not a whole table.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    /// The name.
    pub name: String,
    /// The type.
    pub sql_type: SqlType,
    /// `NULL` allowed.
    pub nullable: bool,
    /// Used in a key (MySQL indexes only bounded text).
    pub keyed: bool,
}

/// A named table constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// Its name.
    pub name: String,
    /// What it requires.
    pub kind: ConstraintKind,
}

/// Kinds of table constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum ConstraintKind {
    /// `UNIQUE (columns)`.
    Unique(Vec<String>),
    /// `FOREIGN KEY (columns) REFERENCES table (columns)`.
    ForeignKey {
        /// The referencing columns.
        columns: Vec<String>,
        /// The referenced table.
        table: String,
        /// The referenced columns.
        references: Vec<String>,
    },
}

/// `DROP TABLE`.
#[derive(Debug, Clone, PartialEq)]
pub struct DropTable {
    /// The table's name.
    pub table: String,
    /// `IF EXISTS`.
    pub if_exists: bool,
}

/// `CREATE [UNIQUE] INDEX name ON table (columns)`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateIndex {
    /// The index's name.
    pub name: String,
    /// The table's name.
    pub table: String,
    /// The indexed columns.
    pub columns: Vec<String>,
    /// `UNIQUE`.
    pub unique: bool,
}

/// `DROP INDEX`.
#[derive(Debug, Clone, PartialEq)]
pub struct DropIndex {
    /// The index's name.
    pub name: String,
    /// The table it is on (MySQL names it).
    pub table: String,
}

/// Statements compare their tables by SQL name: within one schema, the name is the table.
impl PartialEq for TableMeta {
    fn eq(&self, other: &TableMeta) -> bool {
        self.name == other.name
    }
}

/// The related rows of one relation, to load with their parents (relational queries): what
/// [`Node::Related`] aggregates into JSON per parent row, and what a [`Batch`] reads for many
/// parents at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// The relation.
    pub relation: &'static crate::schema::RelationMeta,
    /// The target's columns read.
    pub columns: Vec<Node>,
    /// The relation's predefined filter and the query's own, combined: on the target and the
    /// junction.
    pub filter: Option<Node>,
    /// The relation's filters on its source (the parent row), combined. A single statement
    /// renders it in the parent's scope; a batched load reads it with the parent rows instead
    /// (a parent where it does not hold has no related rows).
    pub source_filter: Option<Node>,
    /// The relation's order (the target's primary key follows it, so that every strategy
    /// returns the same rows in the same order).
    pub order: Vec<(Node, Direction)>,
    /// At most this many rows per parent.
    pub limit: Option<u64>,
    /// Skipping this many rows per parent.
    pub offset: Option<u64>,
    /// Relations of the related rows, loaded in the same statement (single-statement loads).
    pub children: Vec<Related>,
}

impl Related {
    /// Where a batched load finds each row's parent key among [`columns`](Self::columns): a
    /// relation without a junction whose key columns (the target's side) are all read plainly
    /// (the common case: `Post::comments` reads `comments.post_id` with every column). `None`:
    /// the statement selects the key first (`__p0`, …).
    pub(crate) fn key_in_columns(&self) -> Option<Vec<usize>> {
        key_in_columns(self.relation, &self.columns)
    }
}

/// [`Related::key_in_columns`] for `relation` reading `columns`.
pub(crate) fn key_in_columns(
    relation: &crate::schema::RelationMeta,
    columns: &[Node],
) -> Option<Vec<usize>> {
    if relation.through.is_some() {
        return None;
    }
    let target = relation.target;
    relation
        .target_keys
        .as_slice()
        .iter()
        .map(|&k| {
            let name = target.columns.get(k)?.name;
            columns.iter().position(|node| {
                matches!(node, Node::Column { table, name: n } if *table == target.name && *n == name)
            })
        })
        .collect()
}

/// The related rows of many parents in one statement (batched loads): the parents' keys as
/// binds, then each related row, with its parent's key first (`__p0`, …) unless the row's own
/// columns hold it ([`Related::key_in_columns`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// What to read.
    pub related: Related,
    /// The parents' keys.
    pub keys: BatchKeys,
}

/// The parents' keys of a [`Batch`].
#[derive(Debug, Clone, PartialEq)]
pub enum BatchKeys {
    /// One array bind per key column, with the column's type (where arrays bind): `= ANY($1)`
    /// for one column, a semi-join on `UNNEST` for several.
    Arrays(Vec<(crate::value::Value, SqlType)>),
    /// One row of values per parent: `IN (?, ?)` or `IN ((?, ?), (?, ?))`.
    Rows(Vec<Vec<crate::value::Value>>),
}
