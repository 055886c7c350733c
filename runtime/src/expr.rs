//! Typed expressions over one untyped SQL tree.
//!
//! The types ([`Column<T, V>`], [`Expr<V, D>`]) are the compile-time check: `V` is the Rust
//! type of the value, `D` a type-level list of the tables the expression reads. The [`Node`]
//! inside is what gets rendered. Queries check `D` against their FROM and JOIN tables with
//! [`Within`].

use std::marker::PhantomData;

use crate::value::{Operand, SqlValue, Text, Value};

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
    Exists {
        relation: &'static crate::relation::RelationMeta,
        filter: Option<Box<Node>>,
        negated: bool,
    },
    CountRelated {
        relation: &'static crate::relation::RelationMeta,
        filter: Option<Box<Node>>,
    },
    Func {
        function: Function,
        arg: Box<Node>,
    },
    /// All of the terms (at least two).
    And(Vec<Node>),
    /// Any of the terms (at least two).
    Or(Vec<Node>),
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
    fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Node)) {
        match self {
            Node::Column { .. } | Node::Bind(_) | Node::CountStar => {}
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
            Node::Exists { filter, .. } | Node::CountRelated { filter, .. } => {
                if let Some(filter) = filter {
                    f(filter);
                }
            }
            Node::And(terms) | Node::Or(terms) => terms.iter().for_each(f),
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
            Node::Column { .. } | Node::Bind(_) | Node::CountStar => {}
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
            Node::Exists { filter, .. } | Node::CountRelated { filter, .. } => {
                if let Some(filter) = filter {
                    take(filter);
                }
            }
            Node::And(terms) | Node::Or(terms) => terms.iter_mut().for_each(take),
        }
    }

    /// This node with `kids` (as many as it has children, in order) as its children.
    fn rebuild(&self, kids: &mut impl Iterator<Item = Node>) -> Node {
        let mut next = || Box::new(kids.next().unwrap_or(Node::CountStar));
        match self {
            Node::Column { table, name } => Node::Column { table, name },
            Node::Bind(v) => Node::Bind(v.clone()),
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
                negated,
            } => Node::Exists {
                relation,
                filter: filter.as_ref().map(|_| next()),
                negated: *negated,
            },
            Node::CountRelated { relation, filter } => Node::CountRelated {
                relation,
                filter: filter.as_ref().map(|_| next()),
            },
            Node::And(terms) => Node::And((0..terms.len()).map(|_| *next()).collect()),
            Node::Or(terms) => Node::Or((0..terms.len()).map(|_| *next()).collect()),
        }
    }

    /// Whether the two nodes are alike apart from their children.
    fn same_head(&self, other: &Node) -> bool {
        match (self, other) {
            (Node::Column { table, name }, Node::Column { table: t, name: n }) => {
                table == t && name == n
            }
            (Node::Bind(a), Node::Bind(b)) => a == b,
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
                    negated,
                },
                Node::Exists {
                    relation: r,
                    filter: f,
                    negated: n,
                },
            ) => relation == r && negated == n && filter.is_some() == f.is_some(),
            (
                Node::CountRelated { relation, filter },
                Node::CountRelated {
                    relation: r,
                    filter: f,
                },
            ) => relation == r && filter.is_some() == f.is_some(),
            (Node::Func { function: a, .. }, Node::Func { function: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
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
        }
    }
}

/// A column of table `T` holding Rust values of type `V`.
///
/// `#[derive(Table)]` generates one per field as an associated constant: `User::name` is a
/// `Column<User, String>`.
pub struct Column<T, V> {
    table: &'static str,
    name: &'static str,
    _marker: PhantomData<fn() -> (T, V)>,
}

impl<T, V> Clone for Column<T, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, V> Copy for Column<T, V> {}

impl<T, V> std::fmt::Debug for Column<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column({}.{})", self.table, self.name)
    }
}

impl<T, V> Column<T, V> {
    /// Used by generated code.
    #[doc(hidden)]
    pub const fn new(table: &'static str, name: &'static str) -> Self {
        Column {
            table,
            name,
            _marker: PhantomData,
        }
    }

    /// The SQL name of the column's table.
    pub const fn table_name(&self) -> &'static str {
        self.table
    }

    /// The SQL name of the column.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Fails to compile unless a foreign key of type `F` may reference this column. A method
    /// (not a function taking the column) so that `V` is known before `F` is checked, and the
    /// error is `CanReference`'s rather than a type mismatch.
    #[doc(hidden)]
    pub const fn __check_references<F: crate::value::CanReference<V>>(&self) {}
}

/// A typed SQL expression whose value has Rust type `V`, reading the tables listed in `D`.
///
/// Built by the methods on [`Column`] and [`Expr`]: `User::age.ge(18).and(User::name.like("A%"))`.
#[must_use = "an expression does nothing until a query uses it"]
pub struct Expr<V, D = ()> {
    node: Node,
    _marker: PhantomData<fn() -> (V, D)>,
}

impl<V, D> Clone for Expr<V, D> {
    fn clone(&self) -> Self {
        Expr {
            node: self.node.clone(),
            _marker: PhantomData,
        }
    }
}

impl<V, D> std::fmt::Debug for Expr<V, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<V, D> Expr<V, D> {
    pub(crate) fn from_node(node: Node) -> Self {
        Expr {
            node,
            _marker: PhantomData,
        }
    }
}

/// Marks that an expression reads a column of table `T` (a leaf of the type-level list of
/// tables an expression reads).
pub struct Dep<T>(PhantomData<fn() -> T>);

/// Anything that renders to SQL with a Rust value type and a set of tables it reads.
pub trait Expression {
    /// The Rust type of the value.
    type Value;
    /// The tables read (a type-level list of [`Dep`]s).
    type Tables;
    #[doc(hidden)]
    fn into_node(self) -> Node;
}

impl<T, V> Expression for Column<T, V> {
    type Value = V;
    type Tables = Dep<T>;
    #[inline]
    fn into_node(self) -> Node {
        Node::Column {
            table: self.table,
            name: self.name,
        }
    }
}

impl<V, D> Expression for Expr<V, D> {
    type Value = V;
    type Tables = D;
    #[inline]
    fn into_node(self) -> Node {
        self.node
    }
}

#[diagnostic::do_not_recommend]
impl<T, V> Operand<V> for Column<T, V> {
    type Tables = Dep<T>;
    fn into_node(self) -> Node {
        Expression::into_node(self)
    }
}

#[diagnostic::do_not_recommend]
impl<T, V: SqlValue> Operand<Option<V>> for Column<T, V> {
    type Tables = Dep<T>;
    fn into_node(self) -> Node {
        Expression::into_node(self)
    }
}

#[diagnostic::do_not_recommend]
impl<T, V: SqlValue> Operand<V> for Column<T, Option<V>> {
    type Tables = Dep<T>;
    fn into_node(self) -> Node {
        Expression::into_node(self)
    }
}

#[diagnostic::do_not_recommend]
impl<V, D> Operand<V> for Expr<V, D> {
    type Tables = D;
    fn into_node(self) -> Node {
        self.node
    }
}

/// Position markers for [`HasTable`]: which slot of the query's table list holds the table.
#[doc(hidden)]
pub mod pos {
    pub struct P0;
    pub struct P1;
    pub struct P2;
    pub struct P3;
    pub struct P4;
    pub struct P5;
}

/// Implemented by a query's list of FROM and JOIN tables for each table in it.
#[diagnostic::on_unimplemented(
    message = "`{T}` is not in this query's FROM or JOIN",
    label = "this reads a column of `{T}`",
    note = "the query reads from `{Self}`; join `{T}` first: `.inner_join::<{T}>().on(…)` or `.left_join::<{T}>().on(…)`"
)]
pub trait HasTable<T, I> {}

macro_rules! has_table {
    ($all:tt $($t:ident @ $p:ident),*) => {
        $(has_table!(@one $all $t $p);)*
    };
    (@one [$($a:ident),*] $t:ident $p:ident) => {
        // Listing every tuple position in an error helps nobody.
        #[diagnostic::do_not_recommend]
        impl<$($a),*> HasTable<$t, pos::$p> for ($($a,)*) {}
    };
}

has_table!([A] A @ P0);
has_table!([A, B] A @ P0, B @ P1);
has_table!([A, B, C] A @ P0, B @ P1, C @ P2);
has_table!([A, B, C, D] A @ P0, B @ P1, C @ P2, D @ P3);
has_table!([A, B, C, D, E] A @ P0, B @ P1, C @ P2, D @ P3, E @ P4);
has_table!([A, B, C, D, E, F] A @ P0, B @ P1, C @ P2, D @ P3, E @ P4, F @ P5);

/// Holds when every table an expression reads (`Self`, a type-level list) is among the
/// query's tables `S`. `I` is inferred; it records where each table was found.
#[doc(hidden)]
pub trait Within<S, I> {}
#[diagnostic::do_not_recommend]
impl<S> Within<S, ()> for () {}
impl<S: HasTable<T, I>, T, I> Within<S, I> for Dep<T> {}
impl<S, A: Within<S, IA>, B: Within<S, IB>, IA, IB> Within<S, (IA, IB)> for (A, B) {}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// An ORDER BY term, built by `.asc()` / `.desc()`.
#[must_use = "pass this to `.order_by(…)`"]
pub struct Order<D> {
    pub(crate) node: Node,
    pub(crate) direction: Direction,
    _marker: PhantomData<fn() -> D>,
}

/// Something `.order_by` accepts: an [`Order`], or a column or expression (ascending).
pub trait IntoOrder {
    /// The tables read.
    type Tables;
    #[doc(hidden)]
    fn into_order(self) -> (Node, Direction);
}

impl<D> IntoOrder for Order<D> {
    type Tables = D;
    fn into_order(self) -> (Node, Direction) {
        (self.node, self.direction)
    }
}

impl<T, V> IntoOrder for Column<T, V> {
    type Tables = Dep<T>;
    fn into_order(self) -> (Node, Direction) {
        (Expression::into_node(self), Direction::Asc)
    }
}

fn boxed(n: Node) -> Box<Node> {
    Box::new(n)
}

/// A value compared with, not stored: -0.0 compares equal to 0.0 in SQL, so it is sent as 0.0
/// (SQLite and MySQL refuse to *store* -0.0, whose sign they would lose).
fn comparand(mut node: Node) -> Node {
    match &mut node {
        Node::Bind(Value::F64(f)) if f.to_bits() == (-0.0f64).to_bits() => *f = 0.0,
        Node::Bind(Value::F32(f)) if f.to_bits() == (-0.0f32).to_bits() => *f = 0.0,
        _ => {}
    }
    node
}

/// The operators shared by columns and expressions.
macro_rules! operators {
    ($ty:ident < $($gen:ident),* > , $value:ty, $tables:ty) => {
        impl<$($gen),*> $ty<$($gen),*> {
            fn binary<R: Operand<$value>>(self, op: BinOp, rhs: R) -> Expr<bool, ($tables, R::Tables)> {
                Expr::from_node(Node::Binary(
                    boxed(Expression::into_node(self)),
                    op,
                    boxed(comparand(rhs.into_node())),
                ))
            }

            /// `self = rhs`. Comparing with a NULL value is never true in SQL: use
            /// [`is_null`](Self::is_null) for that.
            pub fn eq<R: Operand<$value>>(self, rhs: R) -> Expr<bool, ($tables, R::Tables)> {
                self.binary(BinOp::Eq, rhs)
            }
            /// `self <> rhs`
            pub fn ne<R: Operand<$value>>(self, rhs: R) -> Expr<bool, ($tables, R::Tables)> {
                self.binary(BinOp::Ne, rhs)
            }
            /// `self < rhs`
            pub fn lt<R: Operand<$value>>(self, rhs: R) -> Expr<bool, ($tables, R::Tables)> {
                self.binary(BinOp::Lt, rhs)
            }
            /// `self <= rhs`
            pub fn le<R: Operand<$value>>(self, rhs: R) -> Expr<bool, ($tables, R::Tables)> {
                self.binary(BinOp::Le, rhs)
            }
            /// `self > rhs`
            pub fn gt<R: Operand<$value>>(self, rhs: R) -> Expr<bool, ($tables, R::Tables)> {
                self.binary(BinOp::Gt, rhs)
            }
            /// `self >= rhs`
            pub fn ge<R: Operand<$value>>(self, rhs: R) -> Expr<bool, ($tables, R::Tables)> {
                self.binary(BinOp::Ge, rhs)
            }
            /// `self LIKE pattern` (text columns only). Case sensitivity follows the backend:
            /// SQLite's LIKE ignores ASCII case, PostgreSQL's and weft's MySQL tables
            /// (binary collation) do not.
            pub fn like<R: Operand<$value>>(self, pattern: R) -> Expr<bool, ($tables, R::Tables)>
            where
                $value: Text,
            {
                self.binary(BinOp::Like, pattern)
            }
            /// `self BETWEEN low AND high`
            pub fn between<L: Operand<$value>, H: Operand<$value>>(
                self,
                low: L,
                high: H,
            ) -> Expr<bool, ($tables, (L::Tables, H::Tables))> {
                Expr::from_node(Node::Between {
                    expr: boxed(Expression::into_node(self)),
                    low: boxed(comparand(low.into_node())),
                    high: boxed(comparand(high.into_node())),
                })
            }
            /// `self IN (…)`. An empty list is rendered as a condition that is always false.
            pub fn is_in<I>(self, values: I) -> Expr<bool, $tables>
            where
                I: IntoIterator,
                I::Item: Operand<$value, Tables = ()>,
            {
                self.in_list(values, false)
            }
            /// `self NOT IN (…)`. An empty list is rendered as a condition that is always true.
            pub fn is_not_in<I>(self, values: I) -> Expr<bool, $tables>
            where
                I: IntoIterator,
                I::Item: Operand<$value, Tables = ()>,
            {
                self.in_list(values, true)
            }
            fn in_list<I>(self, values: I, negated: bool) -> Expr<bool, $tables>
            where
                I: IntoIterator,
                I::Item: Operand<$value, Tables = ()>,
            {
                Expr::from_node(Node::InList {
                    expr: boxed(Expression::into_node(self)),
                    list: values.into_iter().map(|v| comparand(v.into_node())).collect(),
                    negated,
                })
            }
            /// `self IS NULL`
            pub fn is_null(self) -> Expr<bool, $tables> {
                Expr::from_node(Node::IsNull { expr: boxed(Expression::into_node(self)), negated: false })
            }
            /// `self IS NOT NULL`
            pub fn is_not_null(self) -> Expr<bool, $tables> {
                Expr::from_node(Node::IsNull { expr: boxed(Expression::into_node(self)), negated: true })
            }
            /// Ascending order on this expression.
            pub fn asc(self) -> Order<$tables> {
                Order { node: Expression::into_node(self), direction: Direction::Asc, _marker: PhantomData }
            }
            /// Descending order on this expression.
            pub fn desc(self) -> Order<$tables> {
                Order { node: Expression::into_node(self), direction: Direction::Desc, _marker: PhantomData }
            }
        }
    };
}

operators!(Column<T, V>, V, Dep<T>);
operators!(Expr<V, D>, V, D);

/// A boolean condition: a `bool` expression or column.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a condition",
    label = "expected a boolean expression such as `User::id.eq(1)`"
)]
pub trait Condition {
    /// The tables read.
    type Tables;
    #[doc(hidden)]
    fn into_node(self) -> Node;
}

impl<D> Condition for Expr<bool, D> {
    type Tables = D;
    fn into_node(self) -> Node {
        self.node
    }
}

impl<T> Condition for Column<T, bool> {
    type Tables = Dep<T>;
    fn into_node(self) -> Node {
        Expression::into_node(self)
    }
}

impl<D> Expr<bool, D> {
    /// `self AND other`
    pub fn and<C: Condition>(self, other: C) -> Expr<bool, (D, C::Tables)> {
        Expr::from_node(self.node.and(other.into_node()))
    }
    /// `self OR other`
    pub fn or<C: Condition>(self, other: C) -> Expr<bool, (D, C::Tables)> {
        Expr::from_node(self.node.or(other.into_node()))
    }
}

/// `LOWER(text)`.
pub fn lower<E>(text: E) -> Expr<E::Value, E::Tables>
where
    E: Expression,
    E::Value: Text,
{
    Expr::from_node(Node::Func {
        function: Function::Lower,
        arg: boxed(text.into_node()),
    })
}

/// `UPPER(text)`.
pub fn upper<E>(text: E) -> Expr<E::Value, E::Tables>
where
    E: Expression,
    E::Value: Text,
{
    Expr::from_node(Node::Func {
        function: Function::Upper,
        arg: boxed(text.into_node()),
    })
}

/// The length of a text in characters (`NULL` for `NULL`): `Option<i64>` for a nullable text.
pub fn char_length<E>(text: E) -> Expr<<E::Value as Text>::Length, E::Tables>
where
    E: Expression,
    E::Value: Text,
{
    Expr::from_node(Node::Func {
        function: Function::CharLength,
        arg: boxed(text.into_node()),
    })
}

/// `NOT condition`
pub fn not<C: Condition>(condition: C) -> Expr<bool, C::Tables> {
    Expr::from_node(Node::Not(boxed(condition.into_node())))
}

impl<D> std::ops::Not for Expr<bool, D> {
    type Output = Expr<bool, D>;
    fn not(self) -> Self::Output {
        not(self)
    }
}
