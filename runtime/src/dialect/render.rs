//! The walk of the statement tree: one method per statement and clause, writing text and
//! binds through the [`Renderer`] and asking the dialect wherever spelling differs.

use crate::ast::Statement;

use super::writer::refusal;
use crate::ast::{
    Direction, From, Join, JoinKind, Lock, LockWait, Select, SelectItem, SetOp, Source,
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

    pub(super) fn select_items(&mut self, items: &[SelectItem]) {
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
    pub(super) fn outside(&mut self, outer: usize, f: impl FnOnce(&mut Renderer)) {
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
    pub(super) fn source(&mut self, source: &Source, outer: usize) {
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
