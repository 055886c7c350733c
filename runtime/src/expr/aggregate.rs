//! Aggregates as typed expressions: [`count`], [`count_of`], [`count_distinct`], [`sum`],
//! [`avg`], [`min`], [`max`].
//!
//! Each result type says what SQL can return: a count is never NULL (`i64`); `sum`, `avg`,
//! `min` and `max` are NULL over no rows (or only NULLs), so they are `Option`s. What each
//! backend computes them as, and how weft reads them back exactly:
//!
//! | aggregate | Rust type | PostgreSQL | MariaDB / MySQL | SQLite |
//! |---|---|---|---|---|
//! | `count()`, `count_of`, `count_distinct` | `i64` | `bigint` | `BIGINT` | `INTEGER` |
//! | `sum` of `i16` / `i32` | `Option<i64>` | `bigint` | `DECIMAL`, read exactly | `INTEGER` |
//! | `sum` of `i64` | `Option<i64>` | `NUMERIC`, read exactly | `DECIMAL`, read exactly | `INTEGER` (overflow: the server's error) |
//! | `sum` of `f32` / `f64` | `Option<f64>` | `double precision` | `DOUBLE` | `REAL` |
//! | `avg` of any number | `Option<f64>` | `AVG(CAST(x AS DOUBLE PRECISION))` | `AVG(CAST(x AS DOUBLE))` | `AVG(CAST(x AS REAL))` |
//! | `min` / `max` of `T` | `Option<T>` | `T`'s type | `T`'s type | `T`'s type |
//!
//! A sum that does not fit `i64` (possible on PostgreSQL and MariaDB, whose sums of integers
//! are exact decimals) is a decode error ([`Error::Decode`](crate::Error::Decode)) naming the
//! expression, never a wrapped or rounded value; SQLite itself fails the statement with
//! "integer overflow". `avg` is computed in double precision on every backend (rather than
//! PostgreSQL's `NUMERIC` and MariaDB's `DECIMAL` rounded to 4 more digits), so the three
//! return the same value whenever the sum is exact in a double (integers whose sum is below
//! 2^53 in magnitude).

use super::{Expr, Expression, Node};
use crate::ast::{Aggregate, Apply};
use crate::value::SqlType;

fn aggregate(function: Aggregate, distinct: bool, arg: Node) -> Node {
    Node::Apply {
        op: Apply::Aggregate { function, distinct },
        args: vec![arg],
    }
}

/// `CAST(node AS ty)`, or `node` itself when there is no `ty`.
fn cast(node: Node, ty: Option<SqlType>) -> Node {
    match ty {
        Some(ty) => Node::Apply {
            op: Apply::Cast(ty),
            args: vec![node],
        },
        None => node,
    }
}

/// `COUNT(*)`: the number of rows (of each group, in a grouped query).
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64 }
/// let q = weft::select::<Post>()
///     .columns((Post::user_id, weft::count()))
///     .group_by(Post::user_id)
///     .having(weft::count().gt(5));
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres).text,
///     r#"SELECT "post"."user_id", COUNT(*) FROM "post" GROUP BY "post"."user_id" HAVING COUNT(*) > $1"#
/// );
/// assert_eq!(
///     q.to_sql(&weft::dialect::MariaDb).text,
///     "SELECT `post`.`user_id`, COUNT(*) FROM `post` GROUP BY `post`.`user_id` HAVING COUNT(*) > ?"
/// );
/// ```
pub fn count() -> Expr<i64, ()> {
    Expr::from_node(Node::CountStar)
}

/// `COUNT(x)`: the number of rows where `x` is not NULL.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, email: Option<String> }
/// let q = weft::select::<User>().columns(weft::count_of(User::email));
/// assert_eq!(q.to_sql(weft::Backend::Postgres).text, r#"SELECT COUNT("user"."email") FROM "user""#);
/// ```
pub fn count_of<E: Expression>(x: E) -> Expr<i64, E::Tables> {
    Expr::from_node(aggregate(Aggregate::Count, false, x.into_node()))
}

/// `COUNT(DISTINCT x)`: the number of distinct values of `x` that are not NULL.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64 }
/// let q = weft::select::<Post>().columns(weft::count_distinct(Post::user_id));
/// assert_eq!(
///     q.to_sql(&weft::dialect::MariaDb).text,
///     "SELECT COUNT(DISTINCT `post`.`user_id`) FROM `post`"
/// );
/// ```
pub fn count_distinct<E: Expression>(x: E) -> Expr<i64, E::Tables> {
    Expr::from_node(aggregate(Aggregate::Count, true, x.into_node()))
}

/// Column types [`sum`] adds up, and the type of their sum.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be summed",
    label = "`weft::sum` takes an integer, float or decimal column or expression",
    note = "sums of i16, i32 and i64 are `Option<i64>`; of f32 and f64 `Option<f64>`; of Decimal `Option<Decimal>`"
)]
pub trait Summable {
    /// The Rust type of the sum: `Option<i64>` for integers (widened, and NULL over no rows),
    /// `Option<f64>` for floats, `Option<Decimal>` for decimals (exact; refused on SQLite,
    /// see [`Capabilities::exact_decimal_sum`](crate::Capabilities::exact_decimal_sum)).
    type Sum;
    /// The type the operand is cast to first, if any.
    #[doc(hidden)]
    const CAST: Option<SqlType>;
}

/// Column types [`avg`] averages: every number, in double precision.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be averaged",
    label = "`weft::avg` takes an integer or float column or expression",
    note = "the average of i16, i32, i64, f32 or f64 values is an `Option<f64>`"
)]
pub trait Averageable {}

macro_rules! summable {
    ($($ty:ty => $sum:ty, $cast:expr;)*) => {$(
        impl Summable for $ty {
            type Sum = Option<$sum>;
            const CAST: Option<SqlType> = $cast;
        }
        impl Summable for Option<$ty> {
            type Sum = Option<$sum>;
            const CAST: Option<SqlType> = $cast;
        }
        impl Averageable for $ty {}
        impl Averageable for Option<$ty> {}
    )*};
}
summable! {
    i16 => i64, None;
    i32 => i64, None;
    i64 => i64, None;
    // PostgreSQL sums `real` as `real`: widened first.
    f32 => f64, Some(SqlType::Double);
    f64 => f64, None;
}

// Decimals sum exactly where the dialect can (`SUM(CAST(x AS NUMERIC))`, MariaDB
// `DECIMAL(65,28)`: the cast marks the sum for SQLite's refusal and changes no value).
#[cfg(feature = "rust_decimal")]
impl Summable for rust_decimal::Decimal {
    type Sum = Option<rust_decimal::Decimal>;
    const CAST: Option<SqlType> = Some(SqlType::Decimal);
}
#[cfg(feature = "rust_decimal")]
impl Summable for Option<rust_decimal::Decimal> {
    type Sum = Option<rust_decimal::Decimal>;
    const CAST: Option<SqlType> = Some(SqlType::Decimal);
}

/// `SUM(x)`: `None` over no rows (or only NULLs). Integers sum to `i64`, read exactly on every
/// backend (see the module's table): a sum past `i64` is an error, never wrapped.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64, views: i32 }
/// let q = weft::select::<Post>().columns((Post::user_id, weft::sum(Post::views))).group_by(Post::user_id);
/// // rows are (i64, Option<i64>)
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres).text,
///     r#"SELECT "post"."user_id", SUM("post"."views") FROM "post" GROUP BY "post"."user_id""#
/// );
/// ```
pub fn sum<E>(x: E) -> Expr<<E::Value as Summable>::Sum, E::Tables>
where
    E: Expression,
    E::Value: Summable,
{
    let arg = cast(x.into_node(), <E::Value as Summable>::CAST);
    Expr::from_node(aggregate(Aggregate::Sum, false, arg))
}

/// `AVG(x)` computed in double precision on every backend (`AVG(CAST(x AS DOUBLE
/// PRECISION))`; MariaDB `DOUBLE`, SQLite `REAL`): `None` over no rows.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, views: i32 }
/// let q = weft::select::<Post>().columns(weft::avg(Post::views)); // rows are Option<f64>
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres).text,
///     r#"SELECT AVG(CAST("post"."views" AS DOUBLE PRECISION)) FROM "post""#
/// );
/// assert_eq!(
///     q.to_sql(&weft::dialect::MariaDb).text,
///     "SELECT AVG(CAST(`post`.`views` AS DOUBLE)) FROM `post`"
/// );
/// ```
pub fn avg<E>(x: E) -> Expr<Option<f64>, E::Tables>
where
    E: Expression,
    E::Value: Averageable,
{
    let arg = cast(x.into_node(), Some(SqlType::Double));
    Expr::from_node(aggregate(Aggregate::Avg, false, arg))
}

/// Column types [`min`] and [`max`] compare, and their result type (`Option` of the column's
/// own type).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `min` / `max` in weft",
    label = "`weft::min` / `weft::max` take a number or text column or expression",
    note = "min and max apply to i16, i32, i64, f32, f64 and String values (or their Option)"
)]
pub trait Ordered {
    /// `Option` of the value type.
    type Extreme;
}

macro_rules! ordered {
    ($($ty:ty),*) => {$(
        impl Ordered for $ty {
            type Extreme = Option<$ty>;
        }
        impl Ordered for Option<$ty> {
            type Extreme = Option<$ty>;
        }
    )*};
}
ordered!(i16, i32, i64, f32, f64, String);

/// `MIN(x)`: the least value, `None` over no rows. Text compares by the column's collation
/// (weft's tables: binary on every backend).
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, age: i32 }
/// let q = weft::select::<User>().columns((weft::min(User::age), weft::max(User::age)));
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres).text,
///     r#"SELECT MIN("user"."age"), MAX("user"."age") FROM "user""#
/// );
/// ```
pub fn min<E>(x: E) -> Expr<<E::Value as Ordered>::Extreme, E::Tables>
where
    E: Expression,
    E::Value: Ordered,
{
    Expr::from_node(aggregate(Aggregate::Min, false, x.into_node()))
}

/// `MAX(x)`: the greatest value, `None` over no rows. As [`min`].
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, title: String }
/// let q = weft::select::<Post>().columns(weft::max(Post::title)); // rows are Option<String>
/// assert_eq!(q.to_sql(&weft::dialect::MariaDb).text, "SELECT MAX(`post`.`title`) FROM `post`");
/// ```
pub fn max<E>(x: E) -> Expr<<E::Value as Ordered>::Extreme, E::Tables>
where
    E: Expression,
    E::Value: Ordered,
{
    Expr::from_node(aggregate(Aggregate::Max, false, x.into_node()))
}
