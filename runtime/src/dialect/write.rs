//! The walk's data-changing statements: `INSERT` (with upserts), `UPDATE` and `DELETE`.

use crate::ast::{
    ConflictAction, Delete, Insert, InsertSource, InsertValue, OnConflict, SelectItem, Source,
    Update,
};
use crate::expr::Node;
use crate::schema::TableMeta;

use super::writer::refusal;
use super::{Renderer, StatementKind, Upsert};

impl Renderer {
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
                            InsertValue::Borrowed => {
                                self.bind_borrowed();
                                let dialect = self.dialect;
                                dialect.push_bind_cast(&mut self.text, table.columns[c].sql_type);
                            }
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
                    // meet the ON, and the derived table takes the WHERE.
                    let mut wrapped = (**query).clone().derived_as("weft_src");
                    wrapped.filter = sqlite.then_some(Node::Raw("true"));
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
                    self.push_column_type(column.sql_type, column.keyed);
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
