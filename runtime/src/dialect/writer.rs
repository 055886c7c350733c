//! Rendering the SQL tree to text and binds for one dialect.

use super::stmt::Sql;
use crate::ast::QueryKind;
use crate::dialect::Dialect;
use crate::expr::{BinOp, Direction, MAX_EXPRESSION_DEPTH, Node};
use crate::schema::TableMeta;
use crate::value::Value;

pub(crate) use crate::ast::Limit;

/// Builds one statement's text and binds.
pub(crate) struct Renderer {
    pub(crate) dialect: &'static dyn Dialect,
    pub(crate) text: String,
    pub(crate) binds: Vec<Value>,
    /// Table name → alias, innermost last: columns of an aliased table render with its alias.
    pub(crate) scope: Vec<(&'static str, String)>,
    /// Aliases handed out so far (for unique subquery aliases).
    pub(crate) aliases: usize,
    /// Tables the statement reads under their own name (its FROM and JOIN tables, or the
    /// table an INSERT, UPDATE or DELETE writes): their names are correlation names, so no
    /// alias weft invents may equal one (see [`Renderer::reserve`]).
    pub(crate) unaliased: Unaliased,
    /// Placeholders before those of `binds` whose values the caller binds ([`bind_borrowed`]).
    ///
    /// [`bind_borrowed`]: Renderer::bind_borrowed
    pub(crate) borrowed: usize,
    /// How deep in an expression [`node`](Renderer::node) is.
    depth: usize,
}

/// The names of the tables a statement reads unaliased: a handful (a FROM table and its
/// joins), kept without allocating.
#[derive(Default)]
pub(crate) struct Unaliased {
    first: [&'static str; 4],
    len: usize,
    more: Vec<&'static str>,
    /// Aliases the user named (`weft::alias!`), which weft's own aliases must not equal
    /// either.
    aliases: Vec<String>,
}

impl Unaliased {
    fn push(&mut self, table: &'static str) {
        match self.first.get_mut(self.len) {
            Some(slot) => {
                *slot = table;
                self.len += 1;
            }
            None => self.more.push(table),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.first[..self.len]
            .iter()
            .chain(&self.more)
            .copied()
            .chain(self.aliases.iter().map(String::as_str))
    }
}

/// The reason of the bind that stands for an expression nested deeper than
/// [`MAX_EXPRESSION_DEPTH`]: binding it fails with [`Error::TooDeep`](crate::Error::TooDeep).
pub(crate) const TOO_DEEP: &str = "weft: expression nested too deep";

/// What a statement may use that some dialects lack, as (what, what to do instead): a
/// statement using one where its dialect's capabilities say no renders a bind that refuses it
/// with [`Error::Unsupported`](crate::Error::Unsupported) before anything is sent.
pub(crate) const UNSUPPORTED: [(&str, &str); 20] = [
    (
        "FULL JOIN",
        "combine a LEFT JOIN and a RIGHT JOIN with UNION, or use a dialect with FULL JOIN",
    ),
    (
        "row locks (FOR UPDATE / FOR SHARE)",
        "SQLite locks the whole database: run the statements in a transaction (`db.begin()`)",
    ),
    (
        "NOWAIT and SKIP LOCKED",
        "leave out the wait option: this dialect waits for row locks",
    ),
    (
        "INTERSECT ALL and EXCEPT ALL",
        "use INTERSECT or EXCEPT without ALL",
    ),
    (
        "LATERAL",
        "load related rows with a relational query (`find_many`), which needs no LATERAL",
    ),
    (
        "RETURNING on this statement",
        "read the rows back with a SELECT after the statement",
    ),
    (
        "loading relations in one statement",
        "this dialect's JSON_ARRAYAGG takes no ORDER BY: use `.strategy(Strategy::Batched)` (the default there)",
    ),
    (
        "array parameters",
        "bind the values one by one (VALUES rows or an IN list)",
    ),
    (
        "ORDER BY, LIMIT, locks or WITH inside one query of a UNION/INTERSECT/EXCEPT",
        "order and limit the combined result, or select from the query as a derived table",
    ),
    (
        "a malformed statement (a column position its table does not have, rows of the wrong width, an upsert updating with no conflict target)",
        "build the statement from the table's metadata (`Table::META`)",
    ),
    (
        "two tables under one name in a FROM (a table joined to itself without an alias, or an alias named like another table of the query)",
        "read the table again under an alias of its own: `weft::alias!(Other = Table as \"other\");` then `.inner_join::<Other>()`",
    ),
    (
        "ORDER BY over a UNION/INTERSECT/EXCEPT on a value the query does not select",
        "order the combined result by one of its selected columns",
    ),
    (
        "DISTINCT ON",
        "group the rows (`.group_by(…)` with aggregates), or use PostgreSQL",
    ),
    (
        "a selected, HAVING or ORDER BY column that is neither grouped nor inside an aggregate \
         (weft refuses it on every backend: SQLite and MariaDB would return an arbitrary row's value)",
        "add the column to `.group_by(…)`, or wrap it in an aggregate such as `weft::max(…)`",
    ),
    (
        "an aggregate in WHERE (`.filter(…)`)",
        "compare aggregates in `.having(…)`, which runs after grouping",
    ),
    (
        "an exact sum of decimals",
        "SQLite stores decimals as text and would add them as floats: read the values and add them in Rust",
    ),
    (
        "an upsert conflict target named by a constraint the table's metadata does not know",
        "name the constraint's columns: `.on_conflict((T::a, T::b))`",
    ),
    (
        "an upsert filter reading two or more of the columns the update sets (ON DUPLICATE KEY UPDATE applies its assignments in turn, each repeating the filter, and each sees the columns set before it)",
        "filter on at most one of the columns the update sets, or filter the rows before inserting them",
    ),
    (
        "values reading columns the same SET list assigns, in a way no order of the assignments can keep to the row as it was (the MySQL family applies a SET list in turn, each value seeing the columns set before it: values reading each other's columns have no such order; and it applies a multi-table UPDATE's in an unspecified order, so no value may read a column another one sets there)",
        "split the update in two statements, or read the old values first (a SELECT) and set them as values",
    ),
    (
        "SELECT DISTINCT ordered by a value it does not select (PostgreSQL refuses it; SQLite and MariaDB would order duplicates arbitrarily)",
        "order by selected columns only, or group the rows (`.group_by(…)`) and order by an aggregate",
    ),
];

/// [`UNSUPPORTED`] indexes, by name.
pub(crate) mod refusal {
    pub(crate) const FULL_JOIN: usize = 0;
    pub(crate) const ROW_LOCKS: usize = 1;
    pub(crate) const LOCK_WAIT: usize = 2;
    pub(crate) const SET_OP_ALL: usize = 3;
    pub(crate) const LATERAL: usize = 4;
    pub(crate) const RETURNING: usize = 5;
    pub(crate) const RELATIONS_IN_ONE_STATEMENT: usize = 6;
    pub(crate) const ARRAYS: usize = 7;
    pub(crate) const ARM_CLAUSES: usize = 8;
    pub(crate) const MALFORMED: usize = 9;
    pub(crate) const NAMED_TWICE: usize = 10;
    pub(crate) const SET_OP_ORDER: usize = 11;
    pub(crate) const DISTINCT_ON: usize = 12;
    pub(crate) const UNGROUPED: usize = 13;
    pub(crate) const AGGREGATE_IN_WHERE: usize = 14;
    pub(crate) const DECIMAL_SUM: usize = 15;
    pub(crate) const CONFLICT_CONSTRAINT: usize = 16;
    pub(crate) const CONFLICT_FILTER: usize = 17;
    pub(crate) const DISTINCT_ORDER: usize = 19;
    pub(crate) const ASSIGNMENT_ORDER: usize = 18;
}

/// The start of the reason of a bind standing for an [`UNSUPPORTED`] feature, followed by its
/// index there.
pub(crate) const UNSUPPORTED_MARK: &str = "weft: unsupported feature #";

/// The alias `table` has in `scope` (innermost last), or its own name.
fn alias_in<'s>(scope: &'s [(&'static str, String)], table: &'s str) -> &'s str {
    scope
        .iter()
        .rev()
        .find(|(t, _)| *t == table)
        .map_or(table, |(_, alias)| alias.as_str())
}

impl Renderer {
    pub(crate) fn new(dialect: &'static dyn Dialect) -> Self {
        Renderer {
            dialect,
            text: String::with_capacity(128),
            binds: Vec::new(),
            scope: Vec::new(),
            aliases: 0,
            unaliased: Unaliased::default(),
            borrowed: 0,
            depth: 0,
        }
    }

    /// Records that the statement reads `table` under its own name (not aliased), before any
    /// part of it that may invent aliases is rendered: a subquery alias equal to that name
    /// would capture the references to the table inside the subquery. Every other table weft
    /// reads gets an alias weft chooses, so the correlation names of a statement are weft's
    /// aliases, all distinct, and these names.
    pub(crate) fn reserve(&mut self, table: &'static str) {
        self.unaliased.push(table);
    }

    /// Records an alias the user gave a table: like a table read under its own name, no
    /// alias weft invents may equal it.
    pub(crate) fn reserve_alias(&mut self, alias: &str) {
        if !self.unaliased.aliases.iter().any(|a| a == alias) {
            self.unaliased.aliases.push(alias.to_owned());
        }
    }

    pub(crate) fn finish(self) -> Sql {
        Sql {
            dialect: self.dialect,
            text: self.text,
            binds: self.binds,
        }
    }

    pub(crate) fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    pub(crate) fn ident(&mut self, name: &str) {
        self.dialect.quote_ident_into(&mut self.text, name);
    }

    pub(crate) fn column(&mut self, table: &str, name: &str) {
        let shown = alias_in(&self.scope, table);
        self.dialect.quote_ident_into(&mut self.text, shown);
        self.text.push('.');
        self.ident(name);
    }

    /// The alias `table` has in the current scope, or its own name.
    pub(crate) fn alias_of(&self, table: &str) -> String {
        alias_in(&self.scope, table).to_owned()
    }

    pub(crate) fn bind(&mut self, value: Value) {
        self.binds.push(value);
        self.placeholder();
        if let Some(ty) = self.binds.last().and_then(Value::sql_type) {
            self.dialect.push_bind_cast(&mut self.text, ty);
        }
    }

    /// Appends a column's type: the dialect's name for it, or a native enum's type.
    pub(crate) fn push_column_type(&mut self, ty: crate::value::SqlType, keyed: bool) {
        match ty {
            crate::value::SqlType::Enum(e) if self.dialect.native_enums() => {
                self.dialect.push_enum_type(&mut self.text, e)
            }
            _ => self.push(self.dialect.column_type(ty, keyed)),
        }
    }

    /// After an array bind of `ty`: the cast PostgreSQL needs for a native enum's labels,
    /// which are sent as text (`::"role"[]`).
    pub(crate) fn array_cast(&mut self, ty: crate::value::SqlType) {
        if matches!(ty, crate::value::SqlType::Enum(_)) && self.dialect.native_enums() {
            self.push("::");
            self.push_column_type(ty, true);
            self.push("[]");
        }
    }

    /// A placeholder for a value the caller keeps and binds itself (an insert's own values,
    /// by reference): see [`Binds::Refs`].
    pub(crate) fn bind_borrowed(&mut self) {
        debug_assert!(self.binds.is_empty(), "borrowed binds come first");
        self.borrowed += 1;
        self.placeholder();
    }

    fn placeholder(&mut self) {
        self.dialect
            .push_placeholder(&mut self.text, self.borrowed + self.binds.len());
    }

    /// Refuses the statement for using [`UNSUPPORTED`]`[feature]`, which its dialect lacks.
    pub(crate) fn refuse(&mut self, feature: usize) {
        let reason = format!("{UNSUPPORTED_MARK}{feature}");
        if !self
            .binds
            .iter()
            .any(|b| matches!(b, Value::Unencodable(w) if *w == reason))
        {
            self.binds.push(Value::Unencodable(reason));
        }
    }

    /// Renders `node`; one nested deeper than [`MAX_EXPRESSION_DEPTH`] is replaced by a bind that
    /// refuses the statement before it is sent.
    pub(crate) fn node(&mut self, node: &Node) {
        if self.depth >= MAX_EXPRESSION_DEPTH {
            if !self
                .binds
                .iter()
                .any(|b| matches!(b, Value::Unencodable(w) if w == TOO_DEEP))
            {
                self.bind(Value::Unencodable(TOO_DEEP.into()));
            }
            return;
        }
        self.depth += 1;
        self.node_within(node);
        self.depth -= 1;
    }

    /// `terms` joined by `op`, grouped as a balanced tree: SQLite limits the depth of an
    /// expression to 1000, and a flat chain of `AND`s is as deep as it is long.
    fn terms(&mut self, terms: &[Node], op: BinOp) {
        match terms {
            [] => self.push(if op == BinOp::And { "1 = 1" } else { "1 = 0" }),
            [one] => self.node(one),
            _ => {
                let (left, right) = terms.split_at(terms.len() / 2);
                self.text.push('(');
                self.terms(left, op);
                self.push(op.sql());
                self.terms(right, op);
                self.text.push(')');
            }
        }
    }

    fn node_within(&mut self, node: &Node) {
        match node {
            Node::And(terms) => self.terms(terms, BinOp::And),
            Node::Or(terms) => self.terms(terms, BinOp::Or),
            Node::Column { table, name } => self.column(table, name),
            Node::Bind(v) => self.bind(v.clone()),
            Node::Int(n) => {
                use std::fmt::Write;
                let _ = write!(self.text, "{n}");
            }
            Node::Binary(l, op, r) => {
                // Arithmetic is grouped as the tree is: `(a + b) * c`.
                let group = !matches!(
                    op,
                    BinOp::Eq
                        | BinOp::Ne
                        | BinOp::Lt
                        | BinOp::Le
                        | BinOp::Gt
                        | BinOp::Ge
                        | BinOp::Like
                );
                if group {
                    self.text.push('(');
                }
                self.node(l);
                match op {
                    BinOp::IntDiv => self.push(self.dialect.integer_division()),
                    _ => self.push(op.sql()),
                }
                self.node(r);
                if group {
                    self.text.push(')');
                }
            }
            Node::Not(e) => {
                self.push("NOT (");
                self.node(e);
                self.text.push(')');
            }
            Node::IsNull { expr, negated } => {
                self.node(expr);
                self.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Node::InList {
                expr,
                list,
                negated,
            } => {
                if list.is_empty() {
                    // `IN ()` is a syntax error; an empty list matches nothing.
                    self.push(if *negated { "1 = 1" } else { "1 = 0" });
                    return;
                }
                // Past `INLINE_MAX` values: one bind for all of them (`in_list.rs`).
                if self.long_in_list(expr, list, *negated) {
                    return;
                }
                self.node(expr);
                self.push(if *negated { " NOT IN (" } else { " IN (" });
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.node(item);
                }
                self.text.push(')');
            }
            Node::Between { expr, low, high } => {
                self.node(expr);
                self.push(" BETWEEN ");
                self.node(low);
                self.push(" AND ");
                self.node(high);
            }
            Node::CountStar => self.push("COUNT(*)"),
            Node::Exists {
                relation,
                filter,
                source,
                negated,
            } => self.exists(relation, filter.as_deref(), source.as_deref(), *negated),
            Node::CountRelated {
                relation,
                filter,
                source,
            } => self.count_related(relation, filter.as_deref(), source.as_deref()),
            Node::Apply { op, args } => self.apply(op, args),
            Node::Raw(text) => self.push(text),
            Node::Excluded(column) => {
                let dialect = self.dialect;
                dialect.excluded(&mut self.text, column);
            }
            Node::Related(related) => {
                let parent = self.alias_of(related.relation.source.name);
                self.json_relation(related, &parent);
                // json → text for the driver, where JSON is not text already.
                self.push(self.dialect.json().as_text);
            }
            Node::Query { kind, args, query } => {
                match kind {
                    QueryKind::Scalar => {}
                    QueryKind::Exists { negated } => {
                        self.push(if *negated { "NOT EXISTS " } else { "EXISTS " })
                    }
                    QueryKind::In { negated } => {
                        if let Some(left) = args.first() {
                            self.node(left);
                        }
                        self.push(if *negated { " NOT IN " } else { " IN " });
                    }
                }
                self.text.push('(');
                let limited = query.limit.is_some() || query.offset.is_some();
                if matches!(kind, QueryKind::In { .. })
                    && limited
                    && !self.dialect.capabilities().limit_in_subquery
                {
                    // The MySQL family refuses LIMIT in an IN subquery but not in a derived
                    // table read by one.
                    self.select(&(**query).clone().derived_as("weft_in"));
                } else {
                    self.select(query);
                }
                self.text.push(')');
            }
            Node::Fragment { text, args } => self.fragment(text, args),
            Node::Func { function, arg } => {
                let (before, after) = self.dialect.function(*function);
                self.push(before);
                self.node(arg);
                self.push(after);
            }
        }
    }

    pub(crate) fn where_clause(&mut self, filter: Option<&Node>) {
        if let Some(f) = filter {
            self.push(" WHERE ");
            self.node(f);
        }
    }

    pub(crate) fn order_limit(
        &mut self,
        order: &[(Node, Direction)],
        limit: Option<Limit>,
        offset: Option<u64>,
    ) {
        for (i, (node, dir)) in order.iter().enumerate() {
            self.push(if i == 0 { " ORDER BY " } else { ", " });
            self.node(node);
            if *dir == Direction::Desc {
                self.push(" DESC");
            }
        }
        match (limit, offset) {
            (Some(limit), _) => self.limit(limit),
            (None, Some(_)) => {
                if let Some(all) = self.dialect.offset_without_limit() {
                    self.push(all);
                }
            }
            (None, None) => {}
        }
        if let Some(o) = offset {
            self.push(" OFFSET ");
            self.bind_u64(o);
        }
    }

    /// Binds a row count (limit, offset), clamped to SQL's BIGINT: more rows than that are
    /// "all of them" anyway.
    pub(crate) fn bind_u64(&mut self, n: u64) {
        self.bind(Value::I64(i64::try_from(n).unwrap_or(i64::MAX)));
    }

    /// ` LIMIT …`.
    pub(crate) fn limit(&mut self, limit: Limit) {
        match limit {
            Limit::FirstRow => self.push(" LIMIT 1"),
            Limit::Rows(n) if self.dialect.capabilities().limit_in_text => {
                use std::fmt::Write;
                let _ = write!(self.text, " LIMIT {}", i64::try_from(n).unwrap_or(i64::MAX));
            }
            Limit::Rows(n) => {
                self.push(self.dialect.bound_limit());
                self.bind_u64(n);
            }
        }
    }

    /// ` RETURNING "t"."a", …` (unqualified: RETURNING reads the target table only).
    pub(crate) fn returning(&mut self, columns: &[Node]) {
        self.push(" RETURNING ");
        self.select_list(columns, false);
    }

    pub(crate) fn select_list(&mut self, columns: &[Node], qualified: bool) {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            match c {
                Node::Column { name, .. } if !qualified => self.ident(name),
                other => self.node(other),
            }
        }
    }

    pub(crate) fn table(&mut self, table: &TableMeta) {
        self.ident(table.name);
    }
}
