//! The untyped SQL tree ([`Node`]) under every typed expression, and its operators.
//!
//! Dropping, cloning, comparing and showing a tree never recurse, so a tree of any depth is
//! safe to hold; rendering (in `render.rs`) refuses trees deeper than [`MAX_EXPRESSION_DEPTH`].

use crate::value::Value;

/// The untyped SQL tree every typed expression builds.
///
/// Chained `AND`s and `OR`s are kept flat ([`Node::And`], [`Node::Or`]), so thousands of
/// `.filter(…)` calls do not nest. Dropping, cloning and comparing nodes never recurse, so no
/// tree is too deep for them; rendering refuses trees deeper than [`MAX_EXPRESSION_DEPTH`]
/// ([`Error::TooDeep`](crate::Error::TooDeep)).
#[doc(hidden)]
pub enum Node {
    Column {
        table: &'static str,
        name: &'static str,
    },
    Bind(Value),
    /// An integer written into the text: weft's own constants (`SELECT 1`), never a value a
    /// user gives, which is always bound.
    Int(i64),
    /// The value an upsert proposed for column `.0` of the row being inserted (PostgreSQL and
    /// SQLite: `excluded."c"`; the MySQL family: ``VALUES(`c`)``).
    Excluded(&'static str),
    /// SQL text a dialect spells itself (a session variable such as MariaDB's
    /// `@@max_allowed_packet`): never text from a user.
    Raw(&'static str),
    Binary(Box<Node>, BinOp, Box<Node>),
    Not(Box<Node>),
    IsNull {
        expr: Box<Node>,
        negated: bool,
    },
    InList {
        expr: Box<Node>,
        list: Vec<Node>,
        negated: bool,
    },
    Between {
        expr: Box<Node>,
        low: Box<Node>,
        high: Box<Node>,
    },
    CountStar,
    /// `[NOT] EXISTS` a related row of the row in scope: `filter` reads the related table
    /// (and the junction), `source` the row in scope (the relation's `filter_source`).
    Exists {
        relation: &'static crate::schema::RelationMeta,
        filter: Option<Box<Node>>,
        source: Option<Box<Node>>,
        negated: bool,
    },
    /// How many related rows the row in scope has (filters as for [`Node::Exists`]).
    CountRelated {
        relation: &'static crate::schema::RelationMeta,
        filter: Option<Box<Node>>,
        source: Option<Box<Node>>,
    },
    Func {
        function: Function,
        arg: Box<Node>,
    },
    /// All of the terms (at least two).
    And(Vec<Node>),
    /// Any of the terms (at least two).
    Or(Vec<Node>),
    /// An operation over a list of operands, all of them children of this node: aggregates,
    /// `CAST`, `CASE` and window functions (see [`Apply`] for each one's operands).
    Apply {
        op: Apply,
        args: Vec<Node>,
    },
    /// A parent row's related rows as one JSON array (relations loaded in one statement);
    /// the parent is the row of the relation's source table in scope.
    Related(Box<crate::ast::Related>),
    /// A subquery: `(SELECT …)`, `EXISTS (SELECT …)` or `args[0] IN (SELECT …)`. The query is
    /// a statement of its own; its nodes are not this node's children.
    Query {
        kind: QueryKind,
        args: Vec<Node>,
        query: Box<crate::ast::Select>,
    },
    /// Hand-written SQL text (`weft::sql`, `weft::raw`) whose `?` placeholders take `args`
    /// (bound values), in order: the walk renders the text, and each argument where its
    /// placeholder is, so its binds number with the rest of the statement. `??` is a literal
    /// `?`. Values are never spliced into the text.
    Fragment {
        text: Box<str>,
        args: Vec<Node>,
    },
}

/// The operations of [`Node::Apply`], and the operands each takes.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apply {
    /// `COUNT(x)`, `SUM(x)`, … of `args[0]`, over distinct values when `distinct`.
    Aggregate { function: Aggregate, distinct: bool },
    /// `CAST(args[0] AS type)`.
    Cast(crate::value::SqlType),
    /// `CASE [args[0]] WHEN … THEN … [ELSE …] END`: the operand first when `operand`, then
    /// (when, then) pairs, then the `ELSE` value when `otherwise`.
    Case { operand: bool, otherwise: bool },
    /// Null-safe comparison of `args[0]` and `args[1]`: equal when both are NULL (`IS NOT
    /// DISTINCT FROM`), or its negation when `distinct` (`IS DISTINCT FROM`).
    NullSafeEq { distinct: bool },
    /// `COALESCE(args…)`: the first operand that is not NULL.
    Coalesce,
    /// The operands' text joined (`a || b`; the MySQL family's `CONCAT(a, b)`).
    Concat,
    /// `args[0] OVER (PARTITION BY args[1..=partition] ORDER BY the rest)`, one direction per
    /// ordering term.
    Window {
        partition: usize,
        order: Vec<crate::ast::Direction>,
    },
    /// The characters of `args[0]` from position `args[1]` (from 1), `args[2]` of them.
    Substr,
    /// The server's clock (no operands).
    Clock(Clock),
}

/// Readings of the server's clock ([`Apply::Clock`]), in UTC.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The instant the statement started.
    Now,
    /// The date (in UTC) at the instant the statement started.
    Today,
}

/// Aggregate functions.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    /// `ROW_NUMBER()` (a window function: no operand).
    RowNumber,
}

/// How a [`Node::Query`] is used.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    /// `(SELECT …)`: one value.
    Scalar,
    /// `EXISTS (SELECT …)`, or `NOT EXISTS` when negated.
    Exists { negated: bool },
    /// `args[0] IN (SELECT …)`, or `NOT IN` when negated.
    In { negated: bool },
}

/// The deepest expression weft renders: nodes nested more than this (each operator, `NOT`,
/// function and relation filter is a level, and so is the column or value at the bottom)
/// are refused with [`Error::TooDeep`](crate::Error::TooDeep) before anything is sent. Every
/// backend accepts this depth (SQLite's own limit is 1000); chained `filter`, `and` and `or`
/// calls do not add to it.
pub const MAX_EXPRESSION_DEPTH: usize = 256;

impl Node {
    /// `self AND other`, flattened into one [`Node::And`].
    pub(crate) fn and(self, other: Node) -> Node {
        Node::join(self, other, BinOp::And)
    }

    /// `self OR other`, flattened into one [`Node::Or`].
    pub(crate) fn or(self, other: Node) -> Node {
        Node::join(self, other, BinOp::Or)
    }

    fn join(mut left: Node, mut right: Node, op: BinOp) -> Node {
        let terms = |node: &mut Node| match (node, op) {
            (Node::And(terms), BinOp::And) | (Node::Or(terms), BinOp::Or) => {
                Some(std::mem::take(terms))
            }
            _ => None,
        };
        let mut all = terms(&mut left).unwrap_or_else(|| vec![left]);
        match terms(&mut right) {
            Some(more) => all.extend(more),
            None => all.push(right),
        }
        match op {
            BinOp::Or => Node::Or(all),
            _ => Node::And(all),
        }
    }

    /// Calls `f` on the nodes directly inside this one, in rendering order.
    pub(crate) fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Node)) {
        match self {
            Node::Column { .. }
            | Node::Bind(_)
            | Node::Int(_)
            | Node::Raw(_)
            | Node::Excluded(_)
            | Node::CountStar
            | Node::Related(_) => {}
            Node::Binary(l, _, r) => {
                f(l);
                f(r);
            }
            Node::Not(e) | Node::IsNull { expr: e, .. } | Node::Func { arg: e, .. } => f(e),
            Node::InList { expr, list, .. } => {
                f(expr);
                list.iter().for_each(f);
            }
            Node::Between { expr, low, high } => {
                f(expr);
                f(low);
                f(high);
            }
            Node::Exists { filter, source, .. } | Node::CountRelated { filter, source, .. } => {
                if let Some(filter) = filter {
                    f(filter);
                }
                if let Some(source) = source {
                    f(source);
                }
            }
            Node::And(terms)
            | Node::Or(terms)
            | Node::Apply { args: terms, .. }
            | Node::Query { args: terms, .. }
            | Node::Fragment { args: terms, .. } => terms.iter().for_each(f),
        }
    }

    fn has_children(&self) -> bool {
        let mut any = false;
        self.for_each_child(|_| any = true);
        any
    }

    /// Moves out the children that have children of their own (leaving leaves in their
    /// place), so that dropping this node recurses no further than its grandchildren.
    fn take_deep_children(&mut self, out: &mut Vec<Node>) {
        let mut take = |child: &mut Node| {
            if child.has_children() {
                out.push(std::mem::replace(child, Node::CountStar));
            }
        };
        match self {
            Node::Column { .. }
            | Node::Bind(_)
            | Node::Int(_)
            | Node::Raw(_)
            | Node::Excluded(_)
            | Node::CountStar
            | Node::Related(_) => {}
            Node::Binary(l, _, r) => {
                take(l);
                take(r);
            }
            Node::Not(e) | Node::IsNull { expr: e, .. } | Node::Func { arg: e, .. } => take(e),
            Node::InList { expr, list, .. } => {
                take(expr);
                list.iter_mut().for_each(take);
            }
            Node::Between { expr, low, high } => {
                take(expr);
                take(low);
                take(high);
            }
            Node::Exists { filter, source, .. } | Node::CountRelated { filter, source, .. } => {
                if let Some(filter) = filter {
                    take(filter);
                }
                if let Some(source) = source {
                    take(source);
                }
            }
            Node::And(terms)
            | Node::Or(terms)
            | Node::Apply { args: terms, .. }
            | Node::Query { args: terms, .. }
            | Node::Fragment { args: terms, .. } => terms.iter_mut().for_each(take),
        }
    }

    /// This node with `kids` (as many as it has children, in order) as its children.
    fn rebuild(&self, kids: &mut impl Iterator<Item = Node>) -> Node {
        let mut next = || Box::new(kids.next().unwrap_or(Node::CountStar));
        match self {
            Node::Column { table, name } => Node::Column { table, name },
            Node::Bind(v) => Node::Bind(v.clone()),
            Node::Int(n) => Node::Int(*n),
            Node::Raw(text) => Node::Raw(text),
            Node::Excluded(column) => Node::Excluded(column),
            Node::Related(r) => Node::Related(r.clone()),
            Node::CountStar => Node::CountStar,
            Node::Binary(_, op, _) => {
                let l = next();
                Node::Binary(l, *op, next())
            }
            Node::Not(_) => Node::Not(next()),
            Node::IsNull { negated, .. } => Node::IsNull {
                expr: next(),
                negated: *negated,
            },
            Node::Func { function, .. } => Node::Func {
                function: *function,
                arg: next(),
            },
            Node::InList { list, negated, .. } => {
                let expr = next();
                Node::InList {
                    expr,
                    list: (0..list.len()).map(|_| *next()).collect(),
                    negated: *negated,
                }
            }
            Node::Between { .. } => {
                let (expr, low) = (next(), next());
                Node::Between {
                    expr,
                    low,
                    high: next(),
                }
            }
            Node::Exists {
                relation,
                filter,
                source,
                negated,
            } => {
                let filter = filter.as_ref().map(|_| next());
                Node::Exists {
                    relation,
                    filter,
                    source: source.as_ref().map(|_| next()),
                    negated: *negated,
                }
            }
            Node::CountRelated {
                relation,
                filter,
                source,
            } => {
                let filter = filter.as_ref().map(|_| next());
                Node::CountRelated {
                    relation,
                    filter,
                    source: source.as_ref().map(|_| next()),
                }
            }
            Node::And(terms) => Node::And((0..terms.len()).map(|_| *next()).collect()),
            Node::Or(terms) => Node::Or((0..terms.len()).map(|_| *next()).collect()),
            Node::Apply { op, args } => Node::Apply {
                op: op.clone(),
                args: (0..args.len()).map(|_| *next()).collect(),
            },
            Node::Query { kind, args, query } => Node::Query {
                kind: *kind,
                args: (0..args.len()).map(|_| *next()).collect(),
                query: query.clone(),
            },
            Node::Fragment { text, args } => Node::Fragment {
                text: text.clone(),
                args: (0..args.len()).map(|_| *next()).collect(),
            },
        }
    }

    /// Whether the two nodes are alike apart from their children.
    fn same_head(&self, other: &Node) -> bool {
        match (self, other) {
            (Node::Column { table, name }, Node::Column { table: t, name: n }) => {
                table == t && name == n
            }
            (Node::Bind(a), Node::Bind(b)) => a == b,
            (Node::Int(a), Node::Int(b)) => a == b,
            (Node::Raw(a), Node::Raw(b)) => a == b,
            (Node::Excluded(a), Node::Excluded(b)) => a == b,
            (Node::Related(a), Node::Related(b)) => a == b,
            (Node::Binary(_, a, _), Node::Binary(_, b, _)) => a == b,
            (Node::Not(_), Node::Not(_))
            | (Node::Between { .. }, Node::Between { .. })
            | (Node::CountStar, Node::CountStar)
            | (Node::And(_), Node::And(_))
            | (Node::Or(_), Node::Or(_)) => true,
            (Node::IsNull { negated: a, .. }, Node::IsNull { negated: b, .. })
            | (Node::InList { negated: a, .. }, Node::InList { negated: b, .. }) => a == b,
            (
                Node::Exists {
                    relation,
                    filter,
                    source,
                    negated,
                },
                Node::Exists {
                    relation: r,
                    filter: f,
                    source: s,
                    negated: n,
                },
            ) => {
                relation == r
                    && negated == n
                    && filter.is_some() == f.is_some()
                    && source.is_some() == s.is_some()
            }
            (
                Node::CountRelated {
                    relation,
                    filter,
                    source,
                },
                Node::CountRelated {
                    relation: r,
                    filter: f,
                    source: s,
                },
            ) => {
                relation == r && filter.is_some() == f.is_some() && source.is_some() == s.is_some()
            }
            (Node::Func { function: a, .. }, Node::Func { function: b, .. }) => a == b,
            (Node::Apply { op: a, args }, Node::Apply { op: b, args: c }) => {
                a == b && args.len() == c.len()
            }
            (
                Node::Query { kind, args, query },
                Node::Query {
                    kind: k,
                    args: a,
                    query: q,
                },
            ) => kind == k && args.len() == a.len() && query == q,
            (Node::Fragment { text, args }, Node::Fragment { text: t, args: a }) => {
                text == t && args.len() == a.len()
            }
            _ => false,
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // A leaf (most nodes: columns, values) has nothing to take apart.
        if !self.has_children() {
            return;
        }
        // Iterative: a tree of any depth is dropped without deep recursion.
        let mut deep = Vec::new();
        self.take_deep_children(&mut deep);
        while let Some(mut node) = deep.pop() {
            node.take_deep_children(&mut deep);
        }
    }
}

impl Clone for Node {
    fn clone(&self) -> Node {
        if !self.has_children() {
            return self.rebuild(&mut std::iter::empty());
        }
        // Post-order with explicit stacks: children are cloned before their parent.
        enum Step<'a> {
            Enter(&'a Node),
            Leave(&'a Node, usize),
        }
        let mut steps = vec![Step::Enter(self)];
        let mut done: Vec<Node> = Vec::new();
        while let Some(step) = steps.pop() {
            match step {
                Step::Enter(node) => {
                    let mark = steps.len();
                    steps.push(Step::Leave(node, 0));
                    node.for_each_child(|child| steps.push(Step::Enter(child)));
                    let kids = steps.len() - mark - 1;
                    steps[mark] = Step::Leave(node, kids);
                    steps[mark + 1..].reverse();
                }
                Step::Leave(node, kids) => {
                    let at = done.len() - kids;
                    let built = node.rebuild(&mut done.drain(at..));
                    done.push(built);
                }
            }
        }
        done.pop().unwrap_or(Node::CountStar)
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        let mut pairs = vec![(self, other)];
        let (mut left, mut right) = (Vec::new(), Vec::new());
        while let Some((a, b)) = pairs.pop() {
            if !a.same_head(b) {
                return false;
            }
            left.clear();
            right.clear();
            a.for_each_child(|c| left.push(c));
            b.for_each_child(|c| right.push(c));
            if left.len() != right.len() {
                return false;
            }
            pairs.extend(left.iter().copied().zip(right.iter().copied()));
        }
        true
    }
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        DebugAt(self, 0).fmt(f)
    }
}

/// Debug output of a node at a depth: nodes below depth 64 are shown as `…`.
struct DebugAt<'a>(&'a Node, usize);

impl std::fmt::Debug for DebugAt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 64;
        let DebugAt(node, depth) = *self;
        if depth >= SHOWN {
            return f.write_str("…");
        }
        let mut kids = Vec::new();
        node.for_each_child(|c| kids.push(DebugAt(c, depth + 1)));
        let head = match node {
            Node::Column { table, name } => return write!(f, "Column({table}.{name})"),
            Node::Bind(v) => return f.debug_tuple("Bind").field(v).finish(),
            Node::CountStar => return f.write_str("CountStar"),
            Node::Int(n) => return write!(f, "Int({n})"),
            Node::Raw(text) => return write!(f, "Raw({text})"),
            Node::Excluded(column) => return write!(f, "Excluded({column})"),
            Node::Related(r) => return write!(f, "Related({})", r.relation.name),
            Node::Binary(_, op, _) => format!("{op:?}"),
            Node::Not(_) => "Not".into(),
            Node::IsNull { negated, .. } => format!("IsNull {{ negated: {negated} }}"),
            Node::InList { negated, .. } => format!("InList {{ negated: {negated} }}"),
            Node::Between { .. } => "Between".into(),
            Node::Exists {
                relation, negated, ..
            } => format!(
                "Exists {{ relation: {}, negated: {negated} }}",
                relation.name
            ),
            Node::CountRelated { relation, .. } => {
                format!("CountRelated {{ relation: {} }}", relation.name)
            }
            Node::Func { function, .. } => format!("{function:?}"),
            Node::And(_) => "And".into(),
            Node::Or(_) => "Or".into(),
            Node::Apply { op, .. } => format!("{op:?}"),
            Node::Query { kind, query, .. } => format!("{kind:?} {query:?}"),
            Node::Fragment { text, .. } => format!("Fragment({text:?})"),
        };
        let mut t = f.debug_tuple(&head);
        for kid in &kids {
            t.field(kid);
        }
        t.finish()
    }
}

/// SQL functions over one value.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Lower,
    Upper,
    CharLength,
    Trim,
}

/// Binary SQL operators.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    And,
    Or,
    Add,
    Sub,
    Mul,
    /// Division of floats and decimals.
    Div,
    /// Division of integers, truncating (the MySQL family spells it `DIV`; its `/` would
    /// return a decimal).
    IntDiv,
}

impl BinOp {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            BinOp::Eq => " = ",
            BinOp::Ne => " <> ",
            BinOp::Lt => " < ",
            BinOp::Le => " <= ",
            BinOp::Gt => " > ",
            BinOp::Ge => " >= ",
            BinOp::Like => " LIKE ",
            BinOp::And => " AND ",
            BinOp::Or => " OR ",
            BinOp::Add => " + ",
            BinOp::Sub => " - ",
            BinOp::Mul => " * ",
            BinOp::Div | BinOp::IntDiv => " / ",
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}
