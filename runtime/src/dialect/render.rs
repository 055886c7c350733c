//! The walk of the statement tree: one method per statement and clause, writing text and
//! binds through the [`Renderer`] and asking the dialect wherever spelling differs.

use crate::ast::{ConflictAction, OnConflict, Statement};
use crate::schema::TableMeta;

use super::writer::refusal;
use super::{StatementKind, Upsert};
use crate::ast::{
    Delete, Direction, From, Insert, InsertSource, InsertValue, Join, JoinKind, Lock, LockWait,
    Select, SelectItem, SetOp, Source, Update,
};
use crate::dialect::{Renderer, Sql};
use crate::expr::Node;

use super::AsDialect;

/// Renders any statement for `dialect`: text and binds.
///
/// ```
/// use weft::ast::{DropTable, Statement};
/// let drop = Statement::DropTable(DropTable { table: "users".into(), if_exists: true });
/// assert_eq!(weft::dialect::render(&drop, &weft::dialect::MariaDb).text, "DROP TABLE IF EXISTS `users`");
/// ```
pub fn render(statement: &Statement, dialect: impl AsDialect) -> Sql {
    let mut r = Renderer::new(dialect.as_dialect());
    r.statement(statement);
    r.finish()
}

/// The alias of a query that weft reads as a derived table to make it one arm of a set
/// operation (an arm with its own ORDER BY, LIMIT, WITH or set operations): `SELECT
/// "weft_arm"."c1", … FROM (…) AS "weft_arm"`. It scopes only that select list.
pub(crate) const SET_OP_ARM: &str = "weft_arm";

/// The position of `node` among the output columns of `select`, a set operation (looking
/// through the wrappers of a first arm read as a derived table); an output position as is.
fn output_position(select: &Select, node: &Node) -> Option<usize> {
    if let Node::Int(i) = node {
        return usize::try_from(*i - 1)
            .ok()
            .filter(|i| *i < select.columns.len());
    }
    let mut select = select;
    loop {
        if let Some(i) = select.columns.iter().position(|c| c.expr == *node) {
            return Some(i);
        }
        match select.from.as_ref().map(|f| &f.source) {
            // A wrapper selects its arm's columns in order.
            Some(Source::Query { query, alias, .. }) if alias == SET_OP_ARM => select = query,
            _ => return None,
        }
    }
}

impl Renderer {
    /// Any statement (mutations without a `RETURNING` supplied at run time).
    pub(crate) fn statement(&mut self, statement: &Statement) {
        match statement {
            Statement::Select(select) => {
                self.reserve_select(select);
                self.select(select);
            }
            Statement::Insert(insert) => self.insert(insert, None),
            Statement::Update(update) => self.update(update, None),
            Statement::Delete(delete) => self.delete(delete, None),
            Statement::CreateTable(create) => self.create_table(create),
            Statement::AlterTable(alter) => self.alter_table(alter),
            Statement::DropTable(drop) => self.drop_table(drop),
            Statement::CreateIndex(create) => self.create_index(create),
            Statement::DropIndex(drop) => self.drop_index(drop),
        }
    }

    /// Records the names `select` reads its tables under (see [`Renderer::reserve`]): the
    /// tables read under their own names and the aliases the user gave (`weft::alias!`), so
    /// that no alias weft invents equals one. A FROM that reads two sources under one name
    /// (ASCII case aside, as SQLite compares them) is refused before sending.
    pub(crate) fn reserve_select(&mut self, select: &Select) {
        if let Some(from) = &select.from {
            for source in sources(from) {
                match source {
                    Source::Table { table, alias: None } => self.reserve(table.name),
                    Source::Table {
                        alias: Some(alias), ..
                    } => self.reserve_alias(alias),
                    Source::Query { query, .. } => self.reserve_select(query),
                    _ => {}
                }
            }
            let named_twice = sources(from).enumerate().any(|(i, a)| {
                sources(from)
                    .skip(i + 1)
                    .any(|b| correlation_name(a).eq_ignore_ascii_case(correlation_name(b)))
            });
            if named_twice {
                self.refuse(refusal::NAMED_TWICE);
            }
        }
    }

    /// `SELECT …` (after [`reserve_select`](Self::reserve_select)).
    pub(crate) fn select(&mut self, select: &Select) {
        if !select.ctes.is_empty() {
            self.push("WITH ");
            if select.ctes.iter().any(|c| c.recursive) {
                self.push("RECURSIVE ");
            }
            for (i, cte) in select.ctes.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.ident(&cte.name);
                self.push(" AS (");
                self.select(&cte.query);
                self.push(")");
            }
            self.push(" ");
        }
        self.check_grouping(select);
        self.push(if select.distinct {
            "SELECT DISTINCT "
        } else {
            "SELECT "
        });
        // The scope this select is nested in (an enclosing query's tables, which a correlated
        // subquery reads); its own FROM's names go on top, so a table it reads under its own
        // name shadows an enclosing alias of that table.
        let scoped = self.scope.len();
        if let Some(from) = &select.from {
            // Columns of an aliased table render with its alias, where that is unambiguous:
            // the table is read under no other name here. (An alias's own columns, as
            // `weft::alias!` builds them, name the alias already.)
            for source in sources(from) {
                match source {
                    Source::Table {
                        table,
                        alias: Some(alias),
                    } => {
                        let under_other_names = sources(from)
                            .filter(|s| {
                                matches!(s, Source::Table { table: t, .. } if t.name == table.name)
                            })
                            .count();
                        if under_other_names == 1 {
                            self.scope.push((table.name, alias.clone()));
                        }
                    }
                    Source::Table { table, alias: None } => {
                        self.scope.push((table.name, table.name.to_owned()));
                    }
                    _ => {}
                }
            }
        }
        // DISTINCT ON and the select list are in the FROM's scope too.
        self.distinct_on(&select.distinct_on);
        self.select_items(&select.columns);
        if let Some(from) = &select.from {
            self.from(from, scoped);
        }
        self.where_clause(select.filter.as_ref());
        for (i, node) in select.group_by.iter().enumerate() {
            self.push(if i == 0 { " GROUP BY " } else { ", " });
            // A grouped expression with values in it (`SUBSTR(x, ?, ?)`) that is also selected
            // is grouped by its position: PostgreSQL numbers the two copies' binds apart and
            // would not see them as one expression.
            match select.columns.iter().position(|c| c.expr == *node) {
                Some(at) if has_bind(node) => self.push(&(at + 1).to_string()),
                _ => self.node(node),
            }
        }
        if let Some(having) = &select.having {
            self.push(" HAVING ");
            self.node(having);
        }
        for set in &select.set_ops {
            if set.all
                && set.op != SetOp::Union
                && !self.dialect.capabilities().intersect_except_all
            {
                self.refuse(refusal::SET_OP_ALL);
            }
            let arm = &set.query;
            if !arm.ctes.is_empty()
                || !arm.order.is_empty()
                || arm.limit.is_some()
                || arm.offset.is_some()
                || arm.lock.is_some()
                || !arm.set_ops.is_empty()
            {
                self.refuse(refusal::ARM_CLAUSES);
            }
            self.push(match (set.op, set.all) {
                (SetOp::Union, false) => " UNION ",
                (SetOp::Union, true) => " UNION ALL ",
                (SetOp::Intersect, false) => " INTERSECT ",
                (SetOp::Intersect, true) => " INTERSECT ALL ",
                (SetOp::Except, false) => " EXCEPT ",
                (SetOp::Except, true) => " EXCEPT ALL ",
            });
            // An arm is a query of its own, beside this one: not in this FROM's scope.
            self.outside(scoped, |r| r.select(&set.query));
        }
        if select.set_ops.is_empty() {
            self.order_limit(&select.order, select.limit, select.offset);
        } else {
            // A combined result is ordered by output position: PostgreSQL takes only output
            // columns there, not `"t"."c"`.
            let order: Vec<(Node, Direction)> = select
                .order
                .iter()
                .map(|(node, direction)| match output_position(select, node) {
                    Some(i) => (Node::Int(i as i64 + 1), *direction),
                    None => {
                        self.refuse(refusal::SET_OP_ORDER);
                        (node.clone(), *direction)
                    }
                })
                .collect();
            self.order_limit(&order, select.limit, select.offset);
        }
        if let Some(lock) = select.lock {
            self.lock(lock);
        }
        self.scope.truncate(scoped);
    }

    fn select_items(&mut self, items: &[SelectItem]) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            match &item.expr {
                Node::Column { name, .. } if !item.qualified => self.ident(name),
                other => self.node(other),
            }
            if let Some(alias) = &item.alias {
                self.push(" AS ");
                self.ident(alias);
            }
        }
    }

    /// The scope below `outer` is the enclosing queries'; above it, this FROM's names.
    fn from(&mut self, from: &From, outer: usize) {
        self.push(" FROM ");
        self.source(&from.source, outer);
        for join in &from.joins {
            self.join(join, outer);
        }
    }

    /// Renders `f` in the scope as it was below `outer`: a query of its own, which does not
    /// read the names pushed above it (a set operation's arm, a derived table).
    fn outside(&mut self, outer: usize, f: impl FnOnce(&mut Renderer)) {
        let inner = self.scope.split_off(outer.min(self.scope.len()));
        f(self);
        self.scope.truncate(outer);
        self.scope.extend(inner);
    }

    fn join(&mut self, join: &Join, outer: usize) {
        if join.kind == JoinKind::Full && !self.dialect.capabilities().full_join {
            self.refuse(refusal::FULL_JOIN);
        }
        self.push(match join.kind {
            JoinKind::Inner => " INNER JOIN ",
            JoinKind::Left => " LEFT JOIN ",
            JoinKind::Right => " RIGHT JOIN ",
            JoinKind::Full => " FULL JOIN ",
            JoinKind::Cross => " CROSS JOIN ",
        });
        self.source(&join.source, outer);
        if let Some(on) = &join.on {
            self.push(" ON ");
            self.node(on);
        }
    }

    /// A FROM or JOIN source; `outer` as in [`from`](Self::from).
    fn source(&mut self, source: &Source, outer: usize) {
        match source {
            Source::Table { table, alias } => {
                self.table(table);
                if let Some(alias) = alias {
                    self.push(" AS ");
                    self.ident(alias);
                }
            }
            Source::Query {
                query,
                alias,
                lateral,
            } => {
                if *lateral {
                    if !self.dialect.capabilities().lateral {
                        self.refuse(refusal::LATERAL);
                    }
                    self.push("LATERAL ");
                }
                self.push("(");
                if *lateral {
                    // A lateral query reads the sources before it.
                    self.select(query);
                } else {
                    // A derived table reads the enclosing queries' tables only.
                    self.outside(outer, |r| r.select(query));
                }
                self.push(") AS ");
                self.ident(alias);
            }
            Source::Cte { name, alias } => {
                self.ident(name);
                if let Some(alias) = alias {
                    self.push(" AS ");
                    self.ident(alias);
                }
            }
        }
    }

    fn lock(&mut self, lock: Lock) {
        let locks = self.dialect.capabilities().row_locks;
        let kind = if lock.exclusive {
            locks.for_update
        } else {
            locks.for_share
        };
        let wait = match lock.wait {
            LockWait::Wait => true,
            LockWait::NoWait => locks.nowait,
            LockWait::SkipLocked => locks.skip_locked,
        };
        if !kind {
            self.refuse(refusal::ROW_LOCKS);
        } else if !wait {
            self.refuse(refusal::LOCK_WAIT);
        }
        self.push(self.dialect.lock_clause(lock.exclusive));
        match lock.wait {
            LockWait::Wait => {}
            LockWait::NoWait => self.push(" NOWAIT"),
            LockWait::SkipLocked => self.push(" SKIP LOCKED"),
        }
    }

    /// `INSERT …`, with `RETURNING returning` when given.
    pub(crate) fn insert(&mut self, insert: &Insert, returning: Option<&[Node]>) {
        if !well_formed(insert) {
            self.refuse(refusal::MALFORMED);
            self.push("INSERT INTO ");
            self.table(insert.table);
            return;
        }
        let table = insert.table;
        // Read under its own name by a `RETURNING` expression.
        self.reserve(table.name);
        self.push("INSERT INTO ");
        self.table(table);
        self.push(" (");
        for (i, &c) in insert.columns.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(table.columns[c].name);
        }
        self.push(")");
        match &insert.source {
            InsertSource::Values(values) => {
                let width = insert.columns.len().max(1);
                self.text.reserve(values.len() * 4 + 8);
                self.push(" VALUES ");
                for (n, row) in values.chunks(width).enumerate() {
                    self.push(if n == 0 { "(" } else { ", (" });
                    for (i, (value, &c)) in row.iter().zip(&insert.columns).enumerate() {
                        if i > 0 {
                            self.push(", ");
                        }
                        match value {
                            InsertValue::Expr(node) => self.node(node),
                            InsertValue::Borrowed => self.bind_borrowed(),
                            InsertValue::Default => {
                                let dialect = self.dialect;
                                dialect.left_out(&mut self.text, &table.columns[c]);
                            }
                        }
                    }
                    self.push(")");
                }
            }
            InsertSource::Select(query) => {
                self.push(" ");
                self.reserve_select(query);
                // SQLite reads an `ON` after the query's `FROM` as a join's: its documentation
                // asks for a `WHERE` before an upsert's `ON CONFLICT`.
                let upsert = insert.on_conflict.is_some();
                let sqlite = upsert && self.dialect.backend() == crate::Backend::Sqlite;
                // The MySQL family's ON DUPLICATE KEY UPDATE sees the query's tables too: a
                // query reading the target table makes its columns ambiguous there.
                let duplicate_key =
                    upsert && self.dialect.capabilities().upsert == Upsert::OnDuplicateKey;
                if (sqlite && !query.set_ops.is_empty()) || duplicate_key {
                    // Read the rows from a derived table: on SQLite the last arm's FROM would
                    // meet the ON, and the derived table takes the WHERE. Its columns get
                    // names of their own (a derived table may not repeat one, `a.id, b.id`).
                    let mut rows = (**query).clone();
                    for (i, item) in rows.columns.iter_mut().enumerate() {
                        item.alias = Some(format!("c{}", i + 1));
                    }
                    let wrapped = Select {
                        columns: vec![SelectItem::new(Node::Raw("*"))],
                        from: Some(From {
                            source: Source::Query {
                                query: Box::new(rows),
                                alias: "weft_src".into(),
                                lateral: false,
                            },
                            joins: Vec::new(),
                        }),
                        filter: sqlite.then_some(Node::Raw("true")),
                        ..Select::default()
                    };
                    self.select(&wrapped);
                } else if sqlite && query.filter.is_none() {
                    let mut query = (**query).clone();
                    query.filter = Some(Node::Raw("true"));
                    self.select(&query);
                } else {
                    self.select(query);
                }
            }
            InsertSource::Arrays(arrays) => {
                if !self.dialect.capabilities().array_binds {
                    self.refuse(refusal::ARRAYS);
                }
                self.push(" SELECT * FROM UNNEST(");
                for (i, (value, &c)) in arrays.iter().zip(&insert.columns).enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    match value {
                        InsertValue::Expr(node) => self.node(node),
                        InsertValue::Borrowed => self.bind_borrowed(),
                        InsertValue::Default => self.push("NULL"),
                    }
                    let column = &table.columns[c];
                    self.push("::");
                    self.push(self.dialect.column_type(column.sql_type, column.keyed));
                    self.push("[]");
                }
                self.push(")");
            }
        }
        if let Some(conflict) = &insert.on_conflict {
            let from_query = matches!(insert.source, InsertSource::Select(_));
            self.on_conflict(table, conflict, from_query);
        }
        self.returning_clause(StatementKind::Insert, &insert.returning, returning);
    }

    /// `ON CONFLICT …` or `ON DUPLICATE KEY UPDATE …`, as the dialect spells an upsert.
    /// `from_query`: the rows come from a query, whose columns the MySQL family's
    /// `ON DUPLICATE KEY UPDATE` also sees, so there it writes the table's columns qualified.
    fn on_conflict(&mut self, table: &TableMeta, conflict: &OnConflict, from_query: bool) {
        match self.dialect.capabilities().upsert {
            Upsert::OnConflict => {
                self.push(" ON CONFLICT");
                match &conflict.constraint {
                    Some(name) if self.dialect.conflict_on_constraint() => {
                        self.push(" ON CONSTRAINT ");
                        self.ident(name);
                    }
                    // SQLite names no constraint: the constraint's columns, when the table's
                    // metadata knows them.
                    Some(_) if conflict.target.is_empty() => {
                        self.refuse(refusal::CONFLICT_CONSTRAINT)
                    }
                    _ => self.conflict_columns(table, &conflict.target),
                }
                match &conflict.action {
                    ConflictAction::Nothing => self.push(" DO NOTHING"),
                    // Updating no column is doing nothing.
                    ConflictAction::Update(sets) if sets.is_empty() => self.push(" DO NOTHING"),
                    ConflictAction::Update(sets) => {
                        self.push(" DO UPDATE SET ");
                        let order = self.conflict_order(table, sets, None);
                        self.conflict_sets(table, sets, &order, None, false);
                        self.where_clause(conflict.filter.as_ref());
                    }
                }
            }
            Upsert::OnDuplicateKey => {
                self.push(" ON DUPLICATE KEY UPDATE ");
                match &conflict.action {
                    ConflictAction::Update(sets) if !sets.is_empty() => {
                        // Each assignment keeps the old value where the filter does not
                        // hold: every one reads the filter's columns too.
                        let filter = conflict.filter.as_ref();
                        let order = self.conflict_order(table, sets, filter);
                        self.conflict_sets(table, sets, &order, filter, from_query);
                    }
                    // Setting a key column to itself changes nothing: MySQL's "do nothing".
                    _ => {
                        let key = conflict.target.first().copied().unwrap_or(0);
                        let name = table.columns[key].name;
                        self.assigned(table, name, from_query);
                        self.push(" = ");
                        self.assigned(table, name, from_query);
                    }
                }
            }
        }
    }

    /// ` ("a", "b")`: the columns an upsert conflicts on, if any.
    fn conflict_columns(&mut self, table: &TableMeta, target: &[usize]) {
        if target.is_empty() {
            return;
        }
        self.push(" (");
        for (i, &c) in target.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(table.columns[c].name);
        }
        self.push(")");
    }

    /// `"c"`, or `"t"."c"` when `qualified`.
    fn assigned(&mut self, table: &TableMeta, name: &str, qualified: bool) {
        if qualified {
            self.table(table);
            self.push(".");
        }
        self.ident(name);
    }

    /// The order to write an upsert's assignments in (see [`Self::assignment_order`]); each
    /// also reads `filter` where the dialect repeats it in every assignment.
    fn conflict_order(
        &mut self,
        table: &TableMeta,
        sets: &[(usize, Node)],
        filter: Option<&Node>,
    ) -> Vec<usize> {
        // A column position the table does not have is refused by the walk (malformed).
        let names: Vec<&str> = sets
            .iter()
            .map(|(c, _)| table.columns.get(*c).map_or("", |c| c.name))
            .collect();
        let values: Vec<&Node> = sets.iter().map(|(_, v)| v).collect();
        self.assignment_order(table.name, &names, &values, filter, false)
    }

    /// The order to write the assignments `names[i] = values[i]` of an update of `table` in,
    /// as indexes into them: the order given, except where the dialect applies assignments in
    /// turn, each value seeing the columns set before it (`sequential_assignments`, the MySQL
    /// family). There every value must still read the row as it was, as on the other
    /// dialects: an assignment whose value reads column `c` goes before the assignment of
    /// `c` (reading its own column is safe: a value is computed before its column is
    /// written), the given order kept wherever nothing forces another. When no order works
    /// (values reading each other's columns, directly or through others) the statement is
    /// refused. `filter`, when given, is read by every assignment (the MySQL family's upsert
    /// filter, repeated in each one's `CASE`): it may read at most one assigned column, which
    /// then goes last. `multi_table`: a multi-table `UPDATE`, whose assignments the MySQL
    /// family applies in an unspecified order, so no value may read a column another one
    /// sets.
    fn assignment_order(
        &mut self,
        table: &str,
        names: &[&str],
        values: &[&Node],
        filter: Option<&Node>,
        multi_table: bool,
    ) -> Vec<usize> {
        let given: Vec<usize> = (0..names.len()).collect();
        if !self.dialect.capabilities().sequential_assignments {
            return given;
        }
        let reads = |i: usize, column: &str| reads_column(values[i], table, column);
        if multi_table {
            let crossed =
                (0..names.len()).any(|i| (0..names.len()).any(|j| i != j && reads(i, names[j])));
            if crossed {
                self.refuse(refusal::ASSIGNMENT_ORDER);
            }
            return given;
        }
        let Some(order) = in_turn(names, reads) else {
            self.refuse(refusal::ASSIGNMENT_ORDER);
            return given;
        };
        let Some(filter) = filter else {
            return order;
        };
        match in_turn(names, |i, column| {
            reads(i, column) || reads_column(filter, table, column)
        }) {
            Some(order) => order,
            None => {
                self.refuse(refusal::CONFLICT_FILTER);
                given
            }
        }
    }

    /// `"c" = value, …` (`"t"."c" = …` when `qualified`), the assignments `sets[i]` for `i` in
    /// `order`; with `keep_unless`, `"c" = CASE WHEN keep_unless THEN value ELSE "t"."c" END`
    /// (the MySQL family's upsert filter).
    fn conflict_sets(
        &mut self,
        table: &TableMeta,
        sets: &[(usize, Node)],
        order: &[usize],
        keep_unless: Option<&Node>,
        qualified: bool,
    ) {
        for (i, (c, value)) in order.iter().map(|&k| &sets[k]).enumerate() {
            if i > 0 {
                self.push(", ");
            }
            let name = table.columns[*c].name;
            self.assigned(table, name, qualified);
            self.push(" = ");
            match keep_unless {
                None => self.node(value),
                Some(filter) => {
                    self.push("CASE WHEN ");
                    self.node(filter);
                    self.push(" THEN ");
                    self.node(value);
                    self.push(" ELSE ");
                    self.node(&Node::Column {
                        table: table.name,
                        name,
                    });
                    self.push(" END");
                }
            }
        }
    }

    /// `UPDATE …`, with `RETURNING returning` when given.
    pub(crate) fn update(&mut self, update: &Update, returning: Option<&[Node]>) {
        self.reserve(update.table.name);
        if let Some(join) = &update.from
            && let Source::Table { table, alias: None } = &join.source
        {
            self.reserve(table.name);
        }
        // The MySQL family joins before `SET` (`UPDATE t INNER JOIN u ON … SET t.c = …`);
        // PostgreSQL and SQLite read the other table in `FROM`, its condition in `WHERE`.
        let join_first = self.dialect.backend() == crate::Backend::MySql;
        self.push("UPDATE ");
        self.table(update.table);
        if let (Some(join), true) = (&update.from, join_first) {
            self.push(" INNER JOIN ");
            self.source(&join.source, self.scope.len());
            if let Some(on) = &join.on {
                self.push(" ON ");
                self.node(on);
            }
        }
        let names: Vec<&str> = update.set.iter().map(|(c, _)| *c).collect();
        let values: Vec<&Node> = update.set.iter().map(|(_, v)| v).collect();
        let order = self.assignment_order(
            update.table.name,
            &names,
            &values,
            None,
            update.from.is_some(),
        );
        for (i, (column, value)) in order.iter().map(|&k| &update.set[k]).enumerate() {
            self.push(if i == 0 { " SET " } else { ", " });
            if update.from.is_some() && join_first {
                // Both tables' columns are in scope: name the updated one's.
                self.table(update.table);
                self.push(".");
            }
            self.ident(column);
            self.push(" = ");
            self.node(value);
        }
        match (&update.from, join_first) {
            (Some(join), false) => {
                self.push(" FROM ");
                self.source(&join.source, self.scope.len());
                let filter = match (&join.on, &update.filter) {
                    (Some(on), Some(filter)) => Some(on.clone().and(filter.clone())),
                    (Some(on), None) => Some(on.clone()),
                    (None, filter) => filter.clone(),
                };
                self.where_clause(filter.as_ref());
            }
            _ => self.where_clause(update.filter.as_ref()),
        }
        match returning {
            // The other table's columns are in scope too: name the updated table's.
            Some(columns) if update.from.is_some() => {
                if !self.dialect.capabilities().returning(StatementKind::Update) {
                    self.refuse(refusal::RETURNING);
                }
                self.push(" RETURNING ");
                self.select_list(columns, true);
            }
            _ => self.returning_clause(StatementKind::Update, &update.returning, returning),
        }
    }

    /// `DELETE …`, with `RETURNING returning` when given.
    pub(crate) fn delete(&mut self, delete: &Delete, returning: Option<&[Node]>) {
        self.reserve(delete.table.name);
        self.push("DELETE FROM ");
        self.table(delete.table);
        self.where_clause(delete.filter.as_ref());
        self.returning_clause(StatementKind::Delete, &delete.returning, returning);
    }

    /// The tree's own `RETURNING` list, or the one a `Returning` query supplies when it runs
    /// (refused where the dialect has no `RETURNING` on statements of `kind`).
    fn returning_clause(
        &mut self,
        kind: StatementKind,
        own: &[SelectItem],
        supplied: Option<&[Node]>,
    ) {
        if (supplied.is_some() || !own.is_empty()) && !self.dialect.capabilities().returning(kind) {
            self.refuse(refusal::RETURNING);
        }
        if let Some(columns) = supplied {
            self.returning(columns);
        } else if !own.is_empty() {
            self.push(" RETURNING ");
            self.select_items(own);
        }
    }
}

/// Whether every column position of `insert` exists in its table, its rows are whole, and an
/// upsert that updates names what conflicts where the dialect needs it named.
fn well_formed(insert: &Insert) -> bool {
    let width = insert.table.columns.len();
    let valid = |c: &usize| *c < width;
    let rows_whole = match &insert.source {
        InsertSource::Values(values) => {
            !insert.columns.is_empty() && values.len().is_multiple_of(insert.columns.len())
        }
        InsertSource::Arrays(arrays) => arrays.len() == insert.columns.len(),
        InsertSource::Select(_) => true,
    };
    let conflict_ok = insert.on_conflict.as_ref().is_none_or(|conflict| {
        conflict.target.iter().all(valid)
            && match &conflict.action {
                ConflictAction::Nothing => true,
                ConflictAction::Update(sets) => {
                    sets.iter().all(|(c, _)| valid(c))
                        && (sets.is_empty()
                            || !conflict.target.is_empty()
                            || conflict.constraint.is_some())
                }
            }
    });
    width > 0 && insert.columns.iter().all(valid) && rows_whole && conflict_ok
}

/// The FROM source, then each JOIN's.
fn sources(from: &From) -> impl Iterator<Item = &Source> {
    std::iter::once(&from.source).chain(from.joins.iter().map(|j| &j.source))
}

/// The name a query reads `source`'s rows under.
fn correlation_name(source: &Source) -> &str {
    match source {
        Source::Table { table, alias } => alias.as_deref().unwrap_or(table.name),
        Source::Query { alias, .. } => alias,
        Source::Cte { name, alias } => alias.as_deref().unwrap_or(name),
    }
}

/// An order of the assignments of columns `names` in which each comes before those of the
/// columns its value reads (`reads(i, column)`: whether assignment `i`'s value may read
/// `column`), as indexes: the given order wherever nothing forces another, `None` when there
/// is none (a cycle).
fn in_turn(names: &[&str], reads: impl Fn(usize, &str) -> bool) -> Option<Vec<usize>> {
    let n = names.len();
    // `first[i * n + j]`: assignment `i` must come before assignment `j`.
    let first: Vec<bool> = (0..n * n)
        .map(|k| {
            let (i, j) = (k / n, k % n);
            i != j && reads(i, names[j])
        })
        .collect();
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let next =
            (0..n).find(|&j| !placed[j] && (0..n).all(|i| placed[i] || !first[i * n + j]))?;
        placed[next] = true;
        order.push(next);
    }
    Some(order)
}

/// Whether `node` may read column `column` of `table`: a subquery (which this does not look
/// into) may read anything. Iterative, as deep trees are refused only when rendered.
fn reads_column(node: &Node, table: &str, column: &str) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node {
            Node::Column { table: t, name } => {
                if *t == table && *name == column {
                    return true;
                }
            }
            Node::Bind(_) | Node::Int(_) | Node::Excluded(_) | Node::Raw(_) | Node::CountStar => {}
            Node::Binary(a, _, b) => stack.extend([&**a, &**b]),
            Node::Not(a) | Node::IsNull { expr: a, .. } | Node::Func { arg: a, .. } => {
                stack.push(a)
            }
            Node::InList { expr, list, .. } => {
                stack.push(expr);
                stack.extend(list);
            }
            Node::Between { expr, low, high } => stack.extend([&**expr, &**low, &**high]),
            Node::And(terms) | Node::Or(terms) | Node::Apply { args: terms, .. } => {
                stack.extend(terms)
            }
            // A subquery or relation, or a node this does not know: it may read the column.
            #[allow(unreachable_patterns)]
            _ => return true,
        }
    }
    false
}

/// Whether `node` holds a bound value (outside subqueries, which keep their own).
fn has_bind(node: &Node) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node {
            Node::Bind(_) => return true,
            Node::Query { .. } => {}
            other => other.for_each_child(|child| stack.push(child)),
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::in_turn;

    /// `reads[i]`: the columns assignment `i`'s value reads.
    fn order(names: &[&str], reads: &[&[&str]]) -> Option<Vec<usize>> {
        in_turn(names, |i, column| reads[i].contains(&column))
    }

    #[test]
    fn assignments_go_before_those_of_the_columns_they_read() {
        // Nothing read: the given order.
        assert_eq!(
            order(&["a", "b", "c"], &[&[], &[], &[]]),
            Some(vec![0, 1, 2])
        );
        // A value reading its own column constrains nothing.
        assert_eq!(order(&["a", "b"], &[&["a"], &["b"]]), Some(vec![0, 1]));
        // b reads a: b first; c keeps its place after them.
        assert_eq!(
            order(&["a", "b", "c"], &[&[], &["a"], &[]]),
            Some(vec![1, 0, 2])
        );
        // A chain written backwards: c reads b, b reads a.
        assert_eq!(
            order(&["a", "b", "c"], &[&[], &["a"], &["b"]]),
            Some(vec![2, 1, 0])
        );
        // A cycle, direct or through another: no order.
        assert_eq!(order(&["a", "b"], &[&["b"], &["a"]]), None);
        assert_eq!(order(&["a", "b", "c"], &[&["b"], &["c"], &["a"]]), None);
    }
}
