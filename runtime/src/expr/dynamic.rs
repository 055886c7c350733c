//! Conditions built at run time: a [`Filter`] over a query's tables, grown one condition at a
//! time (`and`, `or`, optional parts skipped when `None`), and [`any`] / [`all`] over an
//! iterator. Each part is still checked against the query's tables when it is added.

use std::marker::PhantomData;

use super::{Condition, Within};
use crate::ast::Node;

/// A condition over the tables `S` of a query (`(User,)`, or `(User, Post)` after a join),
/// built at run time: the shape of a search form or a PATCH handler's filters.
///
/// ```
/// # use weft::{Filter, Table};
/// #[derive(Table)]
/// struct User { #[column(primary_key)] id: i64, name: String, age: i32 }
///
/// fn search(name: Option<&str>, min_age: Option<i32>) -> weft::Select<(User,), weft::All<User>> {
///     let filter = Filter::<(User,)>::new()
///         .and_some(name.map(|n| User::name.eq(n)))
///         .and_some(min_age.map(|a| User::age.ge(a)));
///     weft::select::<User>().filter(filter)
/// }
/// assert_eq!(
///     search(Some("Dan"), None).to_sql(weft::Backend::Postgres).text,
///     r#"SELECT "user"."id", "user"."name", "user"."age" FROM "user" WHERE "user"."name" = $1"#
/// );
/// ```
#[must_use = "a filter does nothing until a query uses it: `.filter(filter)`"]
pub struct Filter<S> {
    /// `None`: no condition yet (everything matches).
    node: Option<Node>,
    _tables: PhantomData<fn() -> S>,
}

impl<S> Clone for Filter<S> {
    fn clone(&self) -> Self {
        Filter {
            node: self.node.clone(),
            _tables: PhantomData,
        }
    }
}

impl<S> std::fmt::Debug for Filter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Filter").field(&self.node).finish()
    }
}

impl<S> Default for Filter<S> {
    fn default() -> Self {
        Filter::new()
    }
}

impl<S> Filter<S> {
    /// No condition: matches every row until parts are added.
    pub fn new() -> Self {
        Filter {
            node: None,
            _tables: PhantomData,
        }
    }

    /// Whether no condition was added.
    pub fn is_empty(&self) -> bool {
        self.node.is_none()
    }

    /// This filter `AND condition`.
    pub fn and<C, I>(mut self, condition: C) -> Self
    where
        C: Condition,
        C::Tables: Within<S, I>,
    {
        let new = condition.into_node();
        self.node = Some(match self.node.take() {
            Some(old) => old.and(new),
            None => new,
        });
        self
    }

    /// This filter `OR condition` (an empty filter, which matches everything, stays so).
    pub fn or<C, I>(mut self, condition: C) -> Self
    where
        C: Condition,
        C::Tables: Within<S, I>,
    {
        if let Some(old) = self.node.take() {
            self.node = Some(old.or(condition.into_node()));
        }
        self
    }

    /// [`and`](Self::and) when `condition` is `Some`; unchanged when it is `None` (a filter
    /// the user left empty).
    pub fn and_some<C, I>(self, condition: Option<C>) -> Self
    where
        C: Condition,
        C::Tables: Within<S, I>,
    {
        match condition {
            Some(c) => self.and(c),
            None => self,
        }
    }
}

/// Stands for "the tables of the query a [`Filter`] was made for": every part was checked
/// against them when it was added.
#[doc(hidden)]
pub struct Scope<S>(PhantomData<fn() -> S>);

impl<S> Within<S, ()> for Scope<S> {}

impl<S> Condition for Filter<S> {
    type Tables = Scope<S>;
    fn into_node(self) -> Node {
        // No part: every row matches (`1 = 1`).
        self.node.unwrap_or(Node::And(Vec::new()))
    }
}

/// Any of `conditions` (`OR`); none at all matches nothing.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
/// let names = ["ann", "bob"];
/// let q = weft::select::<User>().filter(weft::any(names.iter().map(|n| User::name.eq(*n))));
/// assert!(q.to_sql(weft::Backend::Sqlite).text.ends_with(r#"WHERE ("user"."name" = ? OR "user"."name" = ?)"#));
/// ```
pub fn any<S, C, I>(conditions: impl IntoIterator<Item = C>) -> Filter<S>
where
    C: Condition,
    C::Tables: Within<S, I>,
{
    let terms: Vec<Node> = conditions.into_iter().map(Condition::into_node).collect();
    Filter {
        node: Some(match terms.len() {
            1 => terms.into_iter().next().unwrap_or(Node::Or(Vec::new())),
            _ => Node::Or(terms),
        }),
        _tables: PhantomData,
    }
}

/// All of `conditions` (`AND`); none at all matches everything.
pub fn all<S, C, I>(conditions: impl IntoIterator<Item = C>) -> Filter<S>
where
    C: Condition,
    C::Tables: Within<S, I>,
{
    conditions
        .into_iter()
        .fold(Filter::new(), |filter, c| filter.and(c))
}

/// An ORDER BY term chosen at run time (a sort parameter of a list endpoint), over the tables
/// `S` of a query: each arm of the caller's `match` names a column of the query's tables, and
/// the terms of different columns share this one type.
///
/// ```
/// # use weft::{Direction, Sort, Table};
/// #[derive(Table)]
/// struct User { #[column(primary_key)] id: i64, name: String, age: i32 }
///
/// fn sort(param: &str, descending: bool) -> Option<Sort<(User,)>> {
///     let sort = match param {
///         "name" => Sort::by(User::name),
///         "age" => Sort::by(User::age),
///         _ => return None, // not a column a client may sort by
///     };
///     Some(sort.direction(if descending { Direction::Desc } else { Direction::Asc }))
/// }
/// let q = weft::select::<User>().order_by(sort("age", true).unwrap());
/// assert!(q.to_sql(weft::Backend::Sqlite).text.ends_with(r#"ORDER BY "user"."age" DESC"#));
/// ```
pub struct Sort<S> {
    node: Node,
    direction: super::Direction,
    _tables: PhantomData<fn() -> S>,
}

impl<S> Sort<S> {
    /// Ordering by `term` (a column, an expression, or an `.asc()` / `.desc()` term).
    pub fn by<O, I>(term: O) -> Self
    where
        O: super::IntoOrder,
        O::Tables: Within<S, I>,
    {
        let (node, direction) = term.into_order();
        Sort {
            node,
            direction,
            _tables: PhantomData,
        }
    }

    /// The same term, in `direction`.
    pub fn direction(mut self, direction: super::Direction) -> Self {
        self.direction = direction;
        self
    }
}

impl<S> super::IntoOrder for Sort<S> {
    type Tables = Scope<S>;
    fn into_order(self) -> (Node, super::Direction) {
        (self.node, self.direction)
    }
}
