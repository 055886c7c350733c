//! Texts of plain selects, kept per thread by the select's shape: a repeated query (a lookup
//! by key, a page of a table) builds only its values, not its text.
//!
//! A *plain* select reads one table under its own name, lists columns of it, filters with
//! comparisons of columns and values joined by `AND`/`OR`/`NOT` (and `IS [NOT] NULL`), orders
//! by columns, and may have a limit and an offset; nothing else (no join, grouping, set
//! operation, lock, subquery, function, `IN` list). Its **shape** is the statement with each
//! value replaced by its kind: the dialect (by data and vtable), the table, each column (by the address of its
//! `'static` name: the same address is the same text), each operator, each value's variant,
//! the direction of each order term, which limit. Two plain selects of the same shape render
//! to the same text, and their values go to the placeholders in the order the tree holds them
//! (filter, then limit, then offset), which [`binds`] reads.
//!
//! Only values whose placeholder the dialect writes alone are kept in a shape (no PostgreSQL
//! cast: a native enum's cast names its type). The first render of a shape is checked: the
//! values [`binds`] reads must be those the renderer bound, in order, or the shape is kept
//! as one that is always rendered.

use crate::ast::{self, Direction, Limit, Node, Source};
use crate::dialect::Dialect;
use crate::value::Value;

/// Nodes a filter may have to be kept (far below the renderer's depth limit).
const MAX_FILTER_NODES: usize = 64;

/// A select's shape: the dialect (data and vtable: the dialects are zero-sized, so their data
/// addresses may be one) and the statement's words, in the order the renderer writes it: a
/// tag word per step, then the step's own words (see [`shape`]).
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct Shape {
    dialect: *const dyn Dialect,
    words: Vec<u64>,
}

/// Tags of the steps of a shape.
mod tag {
    pub(super) const COLUMN: u64 = 1;
    pub(super) const VALUE: u64 = 2;
    pub(super) const BINARY: u64 = 3;
    pub(super) const AND: u64 = 4;
    pub(super) const OR: u64 = 5;
    pub(super) const NOT: u64 = 6;
    pub(super) const IS_NULL: u64 = 7;
    pub(super) const IS_NOT_NULL: u64 = 8;
}

thread_local! {
    /// The text of each shape seen, or `None` for a shape whose first render did not bind as
    /// [`binds`] reads (see `texts.rs`).
    static TEXTS: super::texts::Texts<Shape, Option<Box<str>>> = Default::default();
}

/// What the cache knows of `select`'s text.
pub(crate) enum Kept {
    /// The text of its shape.
    Text(String),
    /// Render it, and offer the result with [`keep`] under this shape.
    Render(Shape),
    /// Not a plain select, or a shape always rendered.
    No,
}

/// Looks `select` up.
pub(crate) fn lookup(dialect: &'static dyn Dialect, select: &ast::Select) -> Kept {
    let Some(shape) = shape(dialect, select) else {
        return Kept::No;
    };
    match super::texts::find(&TEXTS, &shape, |text| text.as_deref().map(String::from)) {
        Some(Some(text)) => Kept::Text(text),
        Some(None) => Kept::No,
        None => Kept::Render(shape),
    }
}

/// Keeps `text` for `shape` if `bound` (what the renderer bound) is what [`binds`] reads.
pub(crate) fn keep(
    dialect: &dyn Dialect,
    shape: Shape,
    select: &ast::Select,
    text: &str,
    bound: &[Value],
) {
    let read = binds(dialect, select);
    let same = read.len() == bound.len() && read.iter().zip(bound).all(|(a, b)| same_value(a, b));
    super::texts::keep(&TEXTS, shape, same.then(|| text.into()));
}

/// Equal, or both the same float NaN.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits(),
        (Value::F32(x), Value::F32(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

/// `select`'s values in placeholder order: the filter's, then the limit (unless `dialect`
/// writes it into the text), then the offset (as
/// [`Renderer::order_limit`](crate::dialect::Renderer) binds them, clamped to BIGINT).
pub(crate) fn binds(dialect: &dyn Dialect, select: &ast::Select) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(filter) = &select.filter {
        filter_binds(filter, &mut out);
    }
    if let Some(Limit::Rows(n)) = select.limit
        && !dialect.capabilities().limit_in_text
    {
        out.push(Value::I64(i64::try_from(n).unwrap_or(i64::MAX)));
    }
    if let Some(n) = select.offset {
        out.push(Value::I64(i64::try_from(n).unwrap_or(i64::MAX)));
    }
    out
}

fn filter_binds(node: &Node, out: &mut Vec<Value>) {
    match node {
        Node::Bind(v) => out.push(v.clone()),
        Node::Binary(l, _, r) => {
            filter_binds(l, out);
            filter_binds(r, out);
        }
        Node::And(terms) | Node::Or(terms) => terms.iter().for_each(|t| filter_binds(t, out)),
        Node::Not(e) | Node::IsNull { expr: e, .. } => filter_binds(e, out),
        _ => {}
    }
}

/// The shape of a plain select; `None` for any other.
fn shape(dialect: &'static dyn Dialect, s: &ast::Select) -> Option<Shape> {
    let plain = s.ctes.is_empty()
        && !s.distinct
        && s.distinct_on.is_empty()
        && s.group_by.is_empty()
        && s.having.is_none()
        && s.set_ops.is_empty()
        && s.lock.is_none();
    if !plain {
        return None;
    }
    let from = s.from.as_ref()?;
    let Source::Table { table, alias: None } = &from.source else {
        return None;
    };
    if !from.joins.is_empty() {
        return None;
    }
    let mut words = Vec::with_capacity(32);
    words.push(std::ptr::from_ref(*table) as usize as u64);
    words.push(s.columns.len() as u64);
    for item in &s.columns {
        let Node::Column { table, name } = &item.expr else {
            return None;
        };
        if item.alias.is_some() {
            return None;
        }
        column(&mut words, table, name, item.qualified);
    }
    match &s.filter {
        Some(filter) => {
            words.push(1);
            let mut budget = MAX_FILTER_NODES;
            filter_shape(dialect, filter, &mut words, &mut budget)?;
        }
        None => words.push(0),
    }
    words.push(s.order.len() as u64);
    for (node, direction) in &s.order {
        let Node::Column { table, name } = node else {
            return None;
        };
        column(&mut words, table, name, *direction == Direction::Desc);
    }
    match s.limit {
        None => words.push(0),
        Some(Limit::FirstRow) => words.push(1),
        // Written into the text: the count is part of the shape.
        Some(Limit::Rows(n)) if dialect.capabilities().limit_in_text => words.extend([3, n]),
        Some(Limit::Rows(_)) => words.push(2),
    }
    words.push(u64::from(s.offset.is_some()));
    Some(Shape {
        dialect: std::ptr::from_ref(dialect),
        words,
    })
}

/// A column's words: its table's and its own name (by address: the same address and length
/// are the same text), and a flag (a select list's `qualified`, an order term's `DESC`).
fn column(words: &mut Vec<u64>, table: &'static str, name: &'static str, flag: bool) {
    words.push(tag::COLUMN);
    words.push(table.as_ptr() as usize as u64);
    words.push(name.as_ptr() as usize as u64);
    words.push(((table.len() as u64) << 32) | ((name.len() as u64) << 1) | u64::from(flag));
}

/// Appends `node`'s shape; `None` when it is not a plain filter.
fn filter_shape(
    dialect: &dyn Dialect,
    node: &Node,
    words: &mut Vec<u64>,
    budget: &mut usize,
) -> Option<()> {
    *budget = budget.checked_sub(1)?;
    match node {
        // As the renderer writes a filter's column: qualified.
        Node::Column { table, name } => column(words, table, name, true),
        Node::Bind(v) => {
            words.push(tag::VALUE);
            words.push(kind(dialect, v)?);
        }
        Node::Binary(l, op, r) => {
            words.push(tag::BINARY);
            words.push(*op as u64);
            filter_shape(dialect, l, words, budget)?;
            filter_shape(dialect, r, words, budget)?;
        }
        Node::And(terms) | Node::Or(terms) => {
            words.push(match node {
                Node::And(_) => tag::AND,
                _ => tag::OR,
            });
            words.push(terms.len() as u64);
            for term in terms {
                filter_shape(dialect, term, words, budget)?;
            }
        }
        Node::Not(e) => {
            words.push(tag::NOT);
            filter_shape(dialect, e, words, budget)?;
        }
        Node::IsNull { expr, negated } => {
            words.push(if *negated {
                tag::IS_NOT_NULL
            } else {
                tag::IS_NULL
            });
            filter_shape(dialect, expr, words, budget)?;
        }
        _ => return None,
    }
    Some(())
}

/// The variant of a value kept in a shape: those whose placeholder `dialect` writes alone
/// (no cast; not a list, which a dialect may spread or pack).
fn kind(dialect: &dyn Dialect, v: &Value) -> Option<u64> {
    if let Some(ty) = v.sql_type() {
        let mut cast = String::new();
        dialect.push_bind_cast(&mut cast, ty);
        if !cast.is_empty() {
            return None;
        }
    }
    Some(match v {
        Value::Bool(_) => 1,
        Value::I16(_) => 2,
        Value::I32(_) => 3,
        Value::I64(_) => 4,
        Value::F32(_) => 5,
        Value::F64(_) => 6,
        Value::Text(_) => 7,
        Value::Bytes(_) => 8,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{BinOp, Select, SelectItem};
    use crate::dialect::render_tests::{column, from_players};
    use crate::dialect::{ALL, Renderer, Sql};

    fn fresh(dialect: &'static dyn Dialect, select: &Select) -> Sql {
        let mut r = Renderer::new(dialect);
        r.reserve_select(select);
        r.select(select);
        r.finish()
    }

    fn players(filter: Option<Node>, limit: Option<Limit>, offset: Option<u64>) -> Select {
        Select {
            columns: vec![
                SelectItem::new(column("id")),
                SelectItem::new(column("team")),
            ],
            from: from_players(),
            filter,
            order: vec![
                (column("team"), Direction::Desc),
                (column("id"), Direction::Asc),
            ],
            limit,
            offset,
            ..Select::default()
        }
    }

    fn eq(name: &'static str, v: Value) -> Node {
        Node::Binary(Box::new(column(name)), BinOp::Eq, Box::new(Node::Bind(v)))
    }

    /// The statements of one shape, with other values each time.
    fn of_one_shape(n: i64) -> Vec<Select> {
        let team = Value::Text(format!("team {n}"));
        vec![
            players(Some(eq("id", Value::I64(n))), Some(Limit::FirstRow), None),
            players(
                Some(Node::And(vec![
                    eq("team", team.clone()),
                    Node::Or(vec![
                        Node::Binary(
                            Box::new(column("id")),
                            BinOp::Gt,
                            Box::new(Node::Bind(Value::I64(n))),
                        ),
                        Node::Not(Box::new(Node::IsNull {
                            expr: Box::new(column("team")),
                            negated: true,
                        })),
                    ]),
                ])),
                Some(Limit::Rows(n as u64 + 10)),
                Some(n as u64 * 3),
            ),
            players(None, None, Some(u64::MAX - n as u64)),
            players(Some(eq("id", Value::F64(f64::NAN))), None, None),
        ]
    }

    #[test]
    fn a_kept_text_is_the_rendered_text_with_the_values_in_order() {
        for dialect in ALL {
            for n in 1..4 {
                for select in of_one_shape(n) {
                    let expected = fresh(dialect, &select);
                    let kept = crate::query::select::render_select(dialect, &select);
                    assert!(
                        matches!(lookup(dialect, &select), Kept::Text(_)),
                        "kept after its first render: {expected}"
                    );
                    assert_eq!(kept.text, expected.text);
                    assert_eq!(kept.binds.len(), expected.binds.len());
                    assert!(
                        kept.binds
                            .iter()
                            .zip(&expected.binds)
                            .all(|(a, b)| same_value(a, b)),
                        "{kept} against {expected}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_limit_written_into_the_text_is_part_of_the_shape() {
        for dialect in ALL {
            let ten = players(None, Some(Limit::Rows(10)), None);
            let twenty = players(None, Some(Limit::Rows(20)), None);
            let in_text = dialect.capabilities().limit_in_text;
            assert_eq!(shape(dialect, &ten) != shape(dialect, &twenty), in_text);
            for select in [&ten, &twenty, &ten] {
                let expected = fresh(dialect, select);
                let kept = crate::query::select::render_select(dialect, select);
                assert_eq!(kept.text, expected.text);
                assert_eq!(kept.binds, expected.binds);
                assert_eq!(kept.binds.is_empty(), in_text, "{kept}");
            }
        }
    }

    #[test]
    fn only_plain_selects_have_a_shape() {
        let mut distinct = players(None, None, None);
        distinct.distinct = true;
        assert!(shape(ALL[0], &distinct).is_none());
        let aliased = Select {
            columns: vec![SelectItem {
                expr: column("id"),
                alias: Some("x".into()),
                qualified: true,
            }],
            ..players(None, None, None)
        };
        assert!(shape(ALL[0], &aliased).is_none());
        let listed = players(
            Some(Node::InList {
                expr: Box::new(column("id")),
                list: vec![Node::Bind(Value::I64(1))],
                negated: false,
            }),
            None,
            None,
        );
        assert!(shape(ALL[0], &listed).is_none());
        let plain = players(Some(eq("id", Value::I64(1))), None, None);
        let other_value = players(Some(eq("id", Value::I64(2))), None, None);
        let other_kind = players(Some(eq("id", Value::I32(2))), None, None);
        assert!(shape(ALL[0], &plain) == shape(ALL[0], &other_value));
        assert!(shape(ALL[0], &plain) != shape(ALL[0], &other_kind));
        assert!(shape(ALL[0], &plain) != shape(ALL[1], &plain));
    }
}
