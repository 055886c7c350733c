//! Typed expressions over one untyped SQL tree.
//!
//! The types ([`Column<T, V>`], [`Expr<V, D>`]) are the compile-time check: `V` is the Rust
//! type of the value, `D` a type-level list of the tables the expression reads. The [`Node`]
//! inside is what gets rendered. Queries check `D` against their FROM and JOIN tables with
//! [`Within`].

use std::marker::PhantomData;

mod aggregate;
mod alias;
mod arithmetic;
mod dynamic;
mod excluded;
mod functions;
mod operand;
mod raw;
pub(crate) mod subquery;

use crate::value::{SqlValue, Text, Value};
pub use aggregate::{
    Averageable, Ordered, Summable, avg, count, count_distinct, count_of, max, min, sum,
};
pub use alias::TableSource;
#[doc(hidden)]
pub use alias::{Alias, aliased};
pub use arithmetic::Numeric;
pub use dynamic::{Filter, Sort, all, any};
pub use excluded::{Proposed, ProposedFor, excluded};
pub use functions::{Branch, Case, CastTo, Term, case_when, cast, substr};
#[cfg(feature = "chrono")]
pub use functions::{current_date, now};
pub use operand::Operand;
pub(crate) use raw::fragment;
pub use raw::{Param, Params, sql};
pub use subquery::{Outer, Subquery, SubqueryOf, exists, not_exists, value};
#[doc(hidden)]
pub use subquery::{OuterTables, scalar_node};

pub use crate::ast::{BinOp, Direction, Function, MAX_EXPRESSION_DEPTH, Node};

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
/// The compiler infers them; they show in its messages about a query's tables, never in code.
pub mod pos {
    /// The table in slot 0 of a query's table list.
    pub struct P0;
    /// The table in slot 1 of a query's table list.
    pub struct P1;
    /// The table in slot 2 of a query's table list.
    pub struct P2;
    /// The table in slot 3 of a query's table list.
    pub struct P3;
    /// The table in slot 4 of a query's table list.
    pub struct P4;
    /// The table in slot 5 of a query's table list.
    pub struct P5;
}

/// Implemented by a query's list of FROM and JOIN tables for each table in it.
#[diagnostic::on_unimplemented(
    message = "`{T}` is not in this query's FROM or JOIN",
    label = "this reads a column of `{T}`",
    note = "the query reads from `{Self}`; join `{T}` first: `.inner_join::<{T}>().on(…)` or `.left_join::<{T}>().on(…)`",
    note = "in a subquery that reads the outer query's `{T}`, declare it: `.outer::<{T}>()`; a CTE or derived table is read after `.with(….alias::<{T}>())` or from `weft::from(….alias::<{T}>())`"
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
///
/// It bounds every builder method that takes an expression (`filter`, `order_by`,
/// `columns`, …), so a column of a table the query does not read is a compile error; the
/// error itself is [`HasTable`]'s, naming the table to join.
pub trait Within<S, I> {}
#[diagnostic::do_not_recommend]
impl<S> Within<S, ()> for () {}
impl<S: HasTable<T, I>, T, I> Within<S, I> for Dep<T> {}
impl<S, A: Within<S, IA>, B: Within<S, IB>, IA, IB> Within<S, (IA, IB)> for (A, B) {}

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

            /// `self = rhs`. A `None` value compares as SQL's `IS NULL` (`= NULL` is never
            /// true in SQL, so it would silently match nothing).
            pub fn eq<R: Operand<$value>>(self, rhs: R) -> Expr<bool, ($tables, R::Tables)> {
                self.equality(false, rhs)
            }
            /// `self <> rhs`. A `None` value compares as SQL's `IS NOT NULL`.
            pub fn ne<R: Operand<$value>>(self, rhs: R) -> Expr<bool, ($tables, R::Tables)> {
                self.equality(true, rhs)
            }

            /// `=` or `<>`, or `IS [NOT] NULL` when `rhs` is a NULL value.
            fn equality<R: Operand<$value>>(
                self,
                negated: bool,
                rhs: R,
            ) -> Expr<bool, ($tables, R::Tables)> {
                let rhs = rhs.into_node();
                let lhs = boxed(Expression::into_node(self));
                Expr::from_node(match rhs {
                    Node::Bind(Value::Null(_)) => Node::IsNull { expr: lhs, negated },
                    rhs => Node::Binary(
                        lhs,
                        if negated { BinOp::Ne } else { BinOp::Eq },
                        boxed(comparand(rhs)),
                    ),
                })
            }
            /// Null-safe equality: true when both sides are equal or both are NULL
            /// (`IS NOT DISTINCT FROM`; SQLite's `IS`, the MySQL family's `<=>`).
            pub fn is_not_distinct_from<R: Operand<$value>>(
                self,
                rhs: R,
            ) -> Expr<bool, ($tables, R::Tables)> {
                self.null_safe(false, rhs)
            }
            /// Null-safe inequality: true when the sides differ, counting NULL as a value
            /// (`IS DISTINCT FROM`).
            pub fn is_distinct_from<R: Operand<$value>>(
                self,
                rhs: R,
            ) -> Expr<bool, ($tables, R::Tables)> {
                self.null_safe(true, rhs)
            }
            fn null_safe<R: Operand<$value>>(
                self,
                distinct: bool,
                rhs: R,
            ) -> Expr<bool, ($tables, R::Tables)> {
                Expr::from_node(Node::Apply {
                    op: crate::ast::Apply::NullSafeEq { distinct },
                    args: vec![Expression::into_node(self), comparand(rhs.into_node())],
                })
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

/// `TRIM(text)`: without leading and trailing spaces.
pub fn trim<E>(text: E) -> Expr<E::Value, E::Tables>
where
    E: Expression,
    E::Value: Text,
{
    Expr::from_node(Node::Func {
        function: Function::Trim,
        arg: boxed(text.into_node()),
    })
}

/// `text || more` (`CONCAT(text, more)` on the MySQL family): NULL when either is NULL.
pub fn concat<E, R>(text: E, more: R) -> Expr<E::Value, (E::Tables, R::Tables)>
where
    E: Expression,
    E::Value: Text,
    R: Operand<E::Value>,
{
    Expr::from_node(Node::Apply {
        op: crate::ast::Apply::Concat,
        args: vec![text.into_node(), more.into_node()],
    })
}

/// `COALESCE(value, fallback)`: `value` unless it is NULL, else `fallback`; the result is not
/// nullable.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, email: Option<String> }
/// let q = weft::select::<User>().columns(weft::coalesce(User::email, "none"));
/// assert_eq!(q.to_sql(weft::Backend::Sqlite).text, r#"SELECT COALESCE("user"."email", ?) FROM "user""#);
/// ```
pub fn coalesce<E, V, R>(value: E, fallback: R) -> Expr<V, (E::Tables, R::Tables)>
where
    E: Expression<Value = Option<V>>,
    R: Operand<V>,
{
    Expr::from_node(Node::Apply {
        op: crate::ast::Apply::Coalesce,
        args: vec![value.into_node(), fallback.into_node()],
    })
}

/// The length of a text in characters (`NULL` for `NULL`): `Option<i64>` for a nullable text.
/// (The MySQL family's `LENGTH` counts bytes; weft sends `CHAR_LENGTH` there.)
#[doc(alias = "length")]
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
