//! Functions over values: `CAST`, `CASE WHEN`, `SUBSTR` and the server's clock.

use std::marker::PhantomData;

use super::{Column, Condition, Expr, Expression};
#[cfg(feature = "chrono")]
use crate::ast::Clock;
use crate::ast::{Apply, Node};
use crate::value::{SqlValue, Text, Value};

/// Something with one Rust type that can give a `CASE` its type: a column, an expression, or
/// a plain value (`"adult"` is a `String`, `18` an `i32` unless said otherwise).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a value of a `CASE`",
    label = "expected a column, an expression or a value of a column type",
    note = "the first `THEN` value gives the `CASE` its type; the others must have the same type"
)]
pub trait Term {
    /// The Rust type of the value.
    type Value;
    /// The tables read (a type-level list; `()` for plain values).
    type Tables;
    #[doc(hidden)]
    fn into_node(self) -> Node;
}

impl<T, V> Term for Column<T, V> {
    type Value = V;
    type Tables = super::Dep<T>;
    fn into_node(self) -> Node {
        Expression::into_node(self)
    }
}

impl<V, D> Term for Expr<V, D> {
    type Value = V;
    type Tables = D;
    fn into_node(self) -> Node {
        self.node
    }
}

#[diagnostic::do_not_recommend]
impl<V: SqlValue> Term for V {
    type Value = V;
    type Tables = ();
    fn into_node(self) -> Node {
        Node::Bind(self.into_value())
    }
}

impl Term for &str {
    type Value = String;
    type Tables = ();
    fn into_node(self) -> Node {
        Node::Bind(Value::Text(self.to_owned()))
    }
}

/// What may be a further branch's value of a `CASE` of type `V`: a value, column or expression
/// of type `V`, or a non-null one where `V` is an `Option`. Unlike a comparison's operand, a
/// nullable column is not a branch of a non-null `CASE`: its NULL would be the result.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a value of a `CASE` of type `{V}`",
    label = "expected a value, column or expression of type `{V}`",
    note = "every branch of a `CASE` has the first branch's type; a nullable column's NULL would \
            be the result, so start with a nullable branch (or `weft::coalesce` it) to make the \
            `CASE` an `Option`"
)]
pub trait Branch<V> {
    /// The tables read (a type-level list; `()` for plain values).
    type Tables;
    #[doc(hidden)]
    fn into_node(self) -> Node;
}

#[diagnostic::do_not_recommend]
impl<V: SqlValue> Branch<V> for V {
    type Tables = ();
    fn into_node(self) -> Node {
        Node::Bind(self.into_value())
    }
}

#[diagnostic::do_not_recommend]
impl<V: SqlValue> Branch<Option<V>> for V {
    type Tables = ();
    fn into_node(self) -> Node {
        Node::Bind(self.into_value())
    }
}

#[diagnostic::do_not_recommend]
impl Branch<String> for &str {
    type Tables = ();
    fn into_node(self) -> Node {
        Node::Bind(Value::Text(self.to_owned()))
    }
}

#[diagnostic::do_not_recommend]
impl Branch<Option<String>> for &str {
    type Tables = ();
    fn into_node(self) -> Node {
        Node::Bind(Value::Text(self.to_owned()))
    }
}

#[diagnostic::do_not_recommend]
impl<T, V> Branch<V> for Column<T, V> {
    type Tables = super::Dep<T>;
    fn into_node(self) -> Node {
        Expression::into_node(self)
    }
}

#[diagnostic::do_not_recommend]
impl<T, V: SqlValue> Branch<Option<V>> for Column<T, V> {
    type Tables = super::Dep<T>;
    fn into_node(self) -> Node {
        Expression::into_node(self)
    }
}

#[diagnostic::do_not_recommend]
impl<V, D> Branch<V> for Expr<V, D> {
    type Tables = D;
    fn into_node(self) -> Node {
        self.node
    }
}

/// `CASE WHEN condition THEN value …`: add branches with [`when`](Case::when), then finish
/// with [`otherwise`](Case::otherwise) (`ELSE`) or [`end`](Case::end) (no `ELSE`: `NULL` when
/// no branch matched, so the result is an `Option`).
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, age: i32 }
/// use weft::case_when;
///
/// let group = case_when(User::age.lt(13), "child")
///     .when(User::age.lt(18), "teen")
///     .otherwise("adult"); // an `Expr<String, …>`
/// let q = weft::select::<User>().columns((User::id, group));
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres).text,
///     r#"SELECT "user"."id", CASE WHEN "user"."age" < $1 THEN $2 WHEN "user"."age" < $3 THEN $4 ELSE $5 END FROM "user""#
/// );
/// ```
pub fn case_when<C, R>(condition: C, then: R) -> Case<R::Value, (C::Tables, R::Tables)>
where
    C: Condition,
    R: Term,
{
    Case {
        args: vec![condition.into_node(), then.into_node()],
        _marker: PhantomData,
    }
}

/// A `CASE` being built by [`case_when`].
#[must_use = "finish the CASE with `.otherwise(…)` or `.end()`"]
pub struct Case<V, D> {
    /// (condition, value) pairs, in order.
    args: Vec<Node>,
    _marker: PhantomData<fn() -> (V, D)>,
}

impl<V, D> Case<V, D> {
    /// A further `WHEN condition THEN value` branch, tried after the ones before it.
    // The table list is a type-level list; it reads better spelled out than behind an alias.
    #[allow(clippy::type_complexity)]
    pub fn when<C, R>(mut self, condition: C, then: R) -> Case<V, (D, (C::Tables, R::Tables))>
    where
        C: Condition,
        R: Branch<V>,
    {
        self.args.push(condition.into_node());
        self.args.push(then.into_node());
        Case {
            args: self.args,
            _marker: PhantomData,
        }
    }

    /// `ELSE value END`: the value when no branch matched.
    pub fn otherwise<R: Branch<V>>(mut self, value: R) -> Expr<V, (D, R::Tables)> {
        self.args.push(value.into_node());
        Expr::from_node(Node::Apply {
            op: Apply::Case {
                operand: false,
                otherwise: true,
            },
            args: self.args,
        })
    }

    /// `END` without `ELSE`: `NULL` when no branch matched.
    pub fn end(self) -> Expr<Option<V>, D> {
        Expr::from_node(Node::Apply {
            op: Apply::Case {
                operand: false,
                otherwise: false,
            },
            args: self.args,
        })
    }
}

/// The conversions [`cast`] makes: those every backend makes the same way and exactly.
///
/// Integers widen to `i64`, to `f64` (from `i16` and `i32`, which fit exactly) and to their
/// decimal text (`String`); `f32` widens to `f64`. Text to numbers is not among them: SQLite
/// and the MySQL family turn text that is not a number into 0 without an error, so parse it
/// in Rust instead.
#[diagnostic::on_unimplemented(
    message = "weft does not cast `{Self}` to `{T}`",
    label = "no exact conversion from `{Self}` to `{T}` on every backend",
    note = "`cast` widens integers (to i64, f64 from i16/i32, or String) and f32 to f64; convert other values in Rust"
)]
pub trait CastTo<T> {}

// Written out rather than by a macro, so that an error's pointer lands on a plain line.
#[diagnostic::do_not_recommend]
impl CastTo<i64> for i16 {}
#[diagnostic::do_not_recommend]
impl CastTo<Option<i64>> for Option<i16> {}
#[diagnostic::do_not_recommend]
impl CastTo<f64> for i16 {}
#[diagnostic::do_not_recommend]
impl CastTo<Option<f64>> for Option<i16> {}
#[diagnostic::do_not_recommend]
impl CastTo<String> for i16 {}
#[diagnostic::do_not_recommend]
impl CastTo<Option<String>> for Option<i16> {}
#[diagnostic::do_not_recommend]
impl CastTo<i64> for i32 {}
#[diagnostic::do_not_recommend]
impl CastTo<Option<i64>> for Option<i32> {}
#[diagnostic::do_not_recommend]
impl CastTo<f64> for i32 {}
#[diagnostic::do_not_recommend]
impl CastTo<Option<f64>> for Option<i32> {}
#[diagnostic::do_not_recommend]
impl CastTo<String> for i32 {}
#[diagnostic::do_not_recommend]
impl CastTo<Option<String>> for Option<i32> {}
#[diagnostic::do_not_recommend]
impl CastTo<String> for i64 {}
#[diagnostic::do_not_recommend]
impl CastTo<Option<String>> for Option<i64> {}
#[diagnostic::do_not_recommend]
impl CastTo<f64> for f32 {}
#[diagnostic::do_not_recommend]
impl CastTo<Option<f64>> for Option<f32> {}

/// `CAST(value AS type)`: the value as a `T`, for the exact conversions of [`CastTo`].
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, age: i32 }
/// let q = weft::select::<User>().columns(weft::cast::<String, _>(User::id));
/// assert_eq!(q.to_sql(weft::Backend::Postgres).text, r#"SELECT CAST("user"."id" AS TEXT) FROM "user""#);
/// assert_eq!(q.to_sql(&weft::dialect::MariaDb).text, "SELECT CAST(`user`.`id` AS CHAR) FROM `user`");
/// ```
pub fn cast<T, E>(value: E) -> Expr<T, E::Tables>
where
    T: SqlValue,
    E: Expression,
    E::Value: CastTo<T>,
{
    Expr::from_node(Node::Apply {
        op: Apply::Cast(T::SQL_TYPE),
        args: vec![value.into_node()],
    })
}

/// `SUBSTR(text, start, length)`: `length` characters of `text` from character `start`,
/// counted from 1, as SQL does. A `start` of 0 counts as a position before the first character
/// (so `substr(x, 0, 3)` is the first two characters), as PostgreSQL and SQLite have it; weft
/// renders it so on the MySQL family too, which would return an empty text. `NULL` for `NULL`.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
/// let q = weft::select::<User>().columns(weft::substr(User::name, 1, 3));
/// assert_eq!(q.to_sql(weft::Backend::Sqlite).text, r#"SELECT SUBSTR("user"."name", ?, ?) FROM "user""#);
/// ```
pub fn substr<E>(text: E, start: u32, length: u32) -> Expr<E::Value, E::Tables>
where
    E: Expression,
    E::Value: Text,
{
    // Positions before the first character take up length without giving characters.
    let first = start.max(1);
    let length = length.saturating_sub(first - start);
    // PostgreSQL's SUBSTR takes 32-bit integers; no text is 2^31 characters long.
    let int = |n: u32| Node::Bind(Value::I32(i32::try_from(n).unwrap_or(i32::MAX)));
    Expr::from_node(Node::Apply {
        op: Apply::Substr,
        args: vec![text.into_node(), int(first), int(length)],
    })
}

/// The server's current instant, in UTC, as the statement started (PostgreSQL's
/// `statement_timestamp()`, the MySQL family's `UTC_TIMESTAMP(6)`; SQLite's `'now'` in the
/// text form weft stores instants in, to the millisecond). It compares with timestamp columns
/// and reads back as a `DateTime<Utc>`.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct Session { #[column(primary_key)] id: i64, expires: chrono::DateTime<chrono::Utc> }
/// let live = weft::select::<Session>().filter(Session::expires.gt(weft::now()));
/// assert_eq!(
///     live.to_sql(&weft::dialect::MariaDb).text,
///     "SELECT `session`.`id`, `session`.`expires` FROM `session` WHERE `session`.`expires` > UTC_TIMESTAMP(6)"
/// );
/// ```
#[cfg(feature = "chrono")]
pub fn now() -> Expr<chrono::DateTime<chrono::Utc>, ()> {
    clock(Clock::Now)
}

/// The server's current date in UTC, as the statement started (PostgreSQL
/// `CAST(statement_timestamp() AT TIME ZONE 'UTC' AS DATE)`, the MySQL family's `UTC_DATE()`,
/// SQLite's `date('now')`).
#[cfg(feature = "chrono")]
pub fn current_date() -> Expr<chrono::NaiveDate, ()> {
    clock(Clock::Today)
}

#[cfg(feature = "chrono")]
fn clock<V>(clock: Clock) -> Expr<V, ()> {
    Expr::from_node(Node::Apply {
        op: Apply::Clock(clock),
        args: Vec::new(),
    })
}
