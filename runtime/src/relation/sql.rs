//! SQL for relational queries: one statement with JSON aggregation per dialect, or one
//! batched statement per relation keyed on the parents' keys.

use super::keys::{Key, KeyPart};
use super::load::Loader;
use super::{Plan, Rel, Relation, RelationMeta};
use crate::ast::{Batch, BatchKeys, Related};
use crate::dialect::Dialect;
use crate::dialect::{Renderer, Sql};
use crate::expr::Node;
use crate::schema::TableMeta;
use crate::value::{SqlType, Value};

/// An untyped view of one relation to load.
#[derive(Clone)]
#[doc(hidden)]
pub struct PlanRef<'a> {
    pub(crate) meta: &'static RelationMeta,
    pub(crate) plan: &'a Plan,
    pub(crate) prefilter: Option<fn() -> Node>,
    pub(crate) presource: Option<fn() -> Node>,
    pub(crate) children: Vec<PlanRef<'a>>,
    /// The target's columns read: all of them, or a chosen selection; then, for a batched
    /// load of a selection, the key columns its nested relations need that it left out.
    pub(crate) columns: Vec<Node>,
    /// How many of `columns` the rows hold (the rest are only keys).
    pub(crate) selected: usize,
    /// Where each nested relation's parent key columns are in `columns`.
    pub(crate) child_keys: Vec<Vec<usize>>,
}

impl<'a> PlanRef<'a> {
    pub(crate) fn of<M: Relation, C: Loader>(rel: &'a Rel<M, C>) -> Self {
        let mut children = Vec::new();
        rel.loader.plans(&mut children);
        let mut columns = Vec::new();
        rel.loader.base_columns(&mut columns);
        let selected = columns.len();
        let child_keys = key_positions(&children, rel.loader.all_columns(), &mut columns);
        PlanRef {
            meta: M::META,
            plan: &rel.plan,
            prefilter: M::FILTER,
            presource: M::SOURCE_FILTER,
            children,
            columns,
            selected,
            child_keys,
        }
    }

    /// Whether this relation, or one nested in it, reads a float column: SQLite cannot put
    /// those in JSON exactly (see [`Strategy`](super::Strategy)).
    /// Whether this relation, or one nested in it, goes through a junction table.
    pub(crate) fn goes_through(&self) -> bool {
        self.meta.through.is_some() || self.children.iter().any(PlanRef::goes_through)
    }

    pub(crate) fn reads_floats(&self) -> bool {
        let target = self.meta.target;
        self.columns.iter().any(|node| match node {
            Node::Column { table, name } if *table == target.name => target
                .column(name)
                .is_some_and(|c| matches!(c.sql_type, SqlType::Real | SqlType::Double)),
            _ => false,
        }) || self.children.iter().any(PlanRef::reads_floats)
    }

    /// The relation's limit. A `one` relation through a junction may find several rows (a
    /// user in several groups): it loads the first, by the relation's order then the target's
    /// key, as a limit of one row per parent that both strategies apply alike.
    fn limit(&self) -> Option<u64> {
        let one = self.meta.kind != crate::schema::Cardinality::ZeroOrMore;
        match self.plan.limit {
            None if one && self.meta.through.is_some() => Some(1),
            limit => limit,
        }
    }

    fn filter(&self) -> Option<Node> {
        super::combine_filters(self.prefilter, self.plan.filter.clone())
    }

    /// The relation's filters on its source, the parent row.
    pub(crate) fn source_filter(&self) -> Option<Node> {
        super::combine_filters(self.presource, self.plan.source_filter.clone())
    }

    /// The relation as a statement tree, with the relations nested in it (one statement loads
    /// them all).
    pub(crate) fn to_related(&self) -> Related {
        Related {
            columns: self.columns[..self.selected].to_vec(),
            children: self.children.iter().map(PlanRef::to_related).collect(),
            ..self.to_related_level()
        }
    }

    /// The relation alone: a batched load reads one level per statement, so the relations
    /// nested in it are not copied into its tree.
    fn to_related_level(&self) -> Related {
        Related {
            relation: self.meta,
            columns: self.columns.clone(),
            filter: self.filter(),
            source_filter: self.source_filter(),
            order: self.plan.order.clone(),
            limit: self.limit(),
            offset: self.plan.offset,
            children: Vec::new(),
        }
    }
}

/// Where the parent key columns of the relations `plans` are among a level's `columns`: at
/// their place in the table when the level reads all of its columns (`all`, in order, first),
/// else where the selection has them, else appended to `columns` (a batched load reads each
/// level's keys from its rows; a subset need not have chosen them).
///
/// A relation with a source filter reads its keys from columns appended for it, `CASE WHEN
/// <source filter> THEN key END`: NULL, so matching no related row, for a parent where the
/// filter does not hold. The parent's own statement evaluates the filter, on its own row.
pub(crate) fn key_positions(
    plans: &[PlanRef<'_>],
    all: bool,
    columns: &mut Vec<Node>,
) -> Vec<Vec<usize>> {
    plans
        .iter()
        .map(|plan| {
            let meta = plan.meta;
            let keys = meta.source_keys.as_slice().iter();
            let source_filter = plan.source_filter();
            if all && source_filter.is_none() {
                return keys.copied().collect();
            }
            keys.map(|&c| {
                let node = Node::Column {
                    table: meta.source.name,
                    name: meta.source.columns[c].name,
                };
                if let Some(filter) = &source_filter {
                    columns.push(Node::Apply {
                        op: crate::ast::Apply::Case {
                            operand: false,
                            otherwise: false,
                        },
                        args: vec![filter.clone(), node],
                    });
                    return columns.len() - 1;
                }
                match columns.iter().position(|n| *n == node) {
                    Some(at) => at,
                    None => {
                        columns.push(node);
                        columns.len() - 1
                    }
                }
            })
            .collect()
        })
        .collect()
}

fn column_types(table: &TableMeta, cols: &[usize]) -> Vec<SqlType> {
    cols.iter().map(|&c| table.columns[c].sql_type).collect()
}

/// The types of the `__p*` columns of a batched statement: the child side's own key columns
/// (which may be `i64` where the parent's are `i32`).
pub(crate) fn child_key_types(meta: &RelationMeta) -> Vec<SqlType> {
    let (table, cols) = meta.child_side();
    column_types(table, cols)
}

/// The types of the parent's key columns (`source_keys`) of a relation.
pub(crate) fn parent_key_types(meta: &RelationMeta) -> Vec<SqlType> {
    column_types(meta.source, meta.source_keys.as_slice())
}

/// The statements loading `plan`'s rows for `parents` (several only when an IN-list would
/// pass the bind-parameter limit; PostgreSQL takes any number of keys in one).
pub(crate) fn batched_statement(
    dialect: &'static dyn Dialect,
    plan: &PlanRef<'_>,
    parents: &[Key],
) -> Vec<Sql> {
    let types = parent_key_types(plan.meta);
    // PostgreSQL takes the keys as arrays, one per key column: the SQL text, and so the
    // prepared statement, stays the same whatever the number of parents (and a row-value IN
    // list of ten thousand pairs overflows PostgreSQL's stack).
    let array = dialect.capabilities().array_binds;
    if parents.is_empty() {
        return Vec::new();
    }
    // One tree for every statement of the load: only its keys change.
    let mut batch = Batch {
        related: plan.to_related_level(),
        keys: BatchKeys::Rows(Vec::new()),
    };
    if array {
        return vec![batched_one(dialect, &mut batch, parents, &types, array)];
    }
    // Each statement binds its parents' keys and the relation's own values (its filter, limit
    // and offset), the same in every statement: as many parents as leave room for those. Their
    // number is known once one statement is rendered; the first guess leaves half the binds to
    // them, and the first statement is rendered again if it guessed wrong.
    let width = types.len().max(1);
    let max = dialect.capabilities().max_bind_params;
    let mut per_statement = (max / width / 2).max(1);
    let mut fitted = false;
    let mut statements = Vec::new();
    let mut start = 0;
    while start < parents.len() {
        let end = parents.len().min(start + per_statement);
        let sql = batched_one(dialect, &mut batch, &parents[start..end], &types, array);
        if !fitted {
            fitted = true;
            let own = sql.binds.len().saturating_sub((end - start) * width);
            if own + width > max {
                // No room for even one parent: one statement, which is refused before it is
                // sent (`Error::TooManyBinds`), rather than one per parent.
                if end - start < parents.len() {
                    return vec![batched_one(dialect, &mut batch, parents, &types, array)];
                }
                return vec![sql];
            }
            per_statement = (max.saturating_sub(own) / width).max(1);
            if sql.binds.len() > max && end - start > per_statement {
                continue;
            }
        }
        statements.push(sql);
        start = end;
    }
    statements
}

/// Column `col` (of type `ty`) of the keys `parents`, as one PostgreSQL array.
fn key_array(parents: &[Key], col: usize, ty: SqlType) -> Value {
    Value::Array(
        ty,
        parents
            .iter()
            .map(|k| k.parts()[col].to_value(ty))
            .collect(),
    )
}

/// The batched statement of `batch`'s relation for `parents`, whose key columns have types
/// `types`.
fn batched_one(
    dialect: &'static dyn Dialect,
    batch: &mut Batch,
    parents: &[Key],
    types: &[SqlType],
    array: bool,
) -> Sql {
    let keys = if array && types.len() == 1 {
        let list = match types[0] {
            SqlType::Text => Value::TextList(
                parents
                    .iter()
                    .filter_map(|k| match &k.parts()[0] {
                        KeyPart::Text(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
            ),
            SqlType::SmallInt | SqlType::Int | SqlType::BigInt => Value::IntList(
                parents
                    .iter()
                    .filter_map(|k| match &k.parts()[0] {
                        KeyPart::Int(i) => Some(*i),
                        _ => None,
                    })
                    .collect(),
            ),
            ty => key_array(parents, 0, ty),
        };
        BatchKeys::Arrays(vec![(list, types[0])])
    } else if array {
        BatchKeys::Arrays(
            types
                .iter()
                .enumerate()
                .map(|(i, &ty)| (key_array(parents, i, ty), ty))
                .collect(),
        )
    } else {
        BatchKeys::Rows(
            parents
                .iter()
                .map(|key| {
                    key.parts()
                        .iter()
                        .zip(types)
                        .map(|(part, ty)| part.to_value(*ty))
                        .collect()
                })
                .collect(),
        )
    };
    batch.keys = keys;
    let mut r = Renderer::new(dialect);
    r.batch(batch);
    r.finish()
}
