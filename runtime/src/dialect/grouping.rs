//! Grouped queries: `DISTINCT ON`, and the check that a grouped query reads no column outside
//! its groups and aggregates.

use crate::ast::{Aggregate, Apply, MAX_EXPRESSION_DEPTH, Node, Select};

use super::Renderer;
use super::writer::refusal;

impl Renderer {
    /// `DISTINCT ON (…) ` after `SELECT `, refused where the dialect has none.
    pub(super) fn distinct_on(&mut self, keys: &[Node]) {
        if keys.is_empty() {
            return;
        }
        if !self.dialect.capabilities().distinct_on {
            self.refuse(refusal::DISTINCT_ON);
        }
        self.push("DISTINCT ON (");
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.node(key);
        }
        self.push(") ");
    }

    /// Refuses an aggregate in `WHERE` (every server refuses it), and a grouped or aggregated
    /// query whose select list, `HAVING` or `ORDER BY` reads a
    /// column that is neither one of its `GROUP BY` terms nor inside an aggregate. PostgreSQL
    /// refuses it itself; SQLite and MariaDB return an arbitrary row's value, so weft refuses
    /// it on every backend, before sending.
    pub(super) fn check_grouping(&mut self, select: &Select) {
        if select.filter.as_ref().is_some_and(|f| has_aggregate(f, 0)) {
            self.refuse(refusal::AGGREGATE_IN_WHERE);
        }
        // Which row of a set of duplicates gives the order is not defined.
        if select.distinct
            && select
                .order
                .iter()
                .any(|(node, _)| !select.columns.iter().any(|c| c.expr == *node))
        {
            self.refuse(refusal::DISTINCT_ORDER);
        }
        let aggregated = !select.group_by.is_empty()
            || select.having.is_some()
            || select.columns.iter().any(|c| has_aggregate(&c.expr, 0));
        if !aggregated {
            return;
        }
        let terms = select
            .columns
            .iter()
            .map(|c| &c.expr)
            .chain(select.having.as_ref())
            .chain(select.order.iter().map(|(node, _)| node));
        if terms
            .into_iter()
            .any(|node| reads_ungrouped(node, &select.group_by, 0))
        {
            self.refuse(refusal::UNGROUPED);
        }
    }
}

/// Whether `node` is or holds an aggregate (outside window functions and subqueries).
/// Whether `node` computes an aggregate over rows (outside subqueries and windows): a select
/// list holding one returns one row per group, or one row in all without GROUP BY.
pub(crate) fn reads_aggregate(node: &Node) -> bool {
    has_aggregate(node, 0)
}

fn has_aggregate(node: &Node, depth: usize) -> bool {
    // Deeper trees are refused by rendering anyway.
    if depth > MAX_EXPRESSION_DEPTH {
        return false;
    }
    match node {
        Node::CountStar => true,
        Node::Apply {
            op: Apply::Aggregate { function, .. },
            ..
        } => *function != Aggregate::RowNumber,
        Node::Apply {
            op: Apply::Window { .. },
            ..
        }
        | Node::Query { .. } => false,
        _ => {
            let mut any = false;
            node.for_each_child(|child| any = any || has_aggregate(child, depth + 1));
            any
        }
    }
}

/// Whether `node` reads a column outside `groups` and outside any aggregate.
fn reads_ungrouped(node: &Node, groups: &[Node], depth: usize) -> bool {
    if depth > MAX_EXPRESSION_DEPTH || groups.contains(node) {
        return false;
    }
    match node {
        Node::Column { .. } => true,
        // Aggregates read their rows; window functions and subqueries have scopes of their own
        // (the server checks those).
        Node::CountStar
        | Node::Apply {
            op: Apply::Aggregate { .. } | Apply::Window { .. },
            ..
        }
        | Node::Query { .. }
        | Node::Exists { .. }
        | Node::CountRelated { .. }
        | Node::Related(_) => false,
        _ => {
            let mut any = false;
            node.for_each_child(|child| any = any || reads_ungrouped(child, groups, depth + 1));
            any
        }
    }
}
