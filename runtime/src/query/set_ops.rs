//! Set operations: `UNION [ALL]`, `INTERSECT [ALL]`, `EXCEPT [ALL]` between queries returning
//! the same rows, then `ORDER BY` / `LIMIT` / `OFFSET` over the combined result.

use super::select::{Combined, NoLock, NoRowLock, Select};
use super::selection::Selection;
use crate::ast::{self, SelectItem, SetOp, SetOperation, Source};
use crate::expr::Node;

/// A lock state a query may be combined in: without a row lock ([`NoLock`], [`NoRowLock`],
/// [`Combined`]).
#[diagnostic::on_unimplemented(
    message = "a query with a row lock cannot be combined with another",
    label = "this query has `.for_update()` / `.for_share()`",
    note = "set operations (`.union(…)`, `.intersect(…)`, `.except(…)`) combine rows no lock can \
            follow: lock the rows in a query of their own"
)]
///
/// ```
/// # #[derive(weft::Table)] struct User { #[column(primary_key)] id: i64 }
/// let ids = || weft::select::<User>().columns(User::id);
/// let twice = ids().union_all(ids()); // both `NoLock`; the result is `Combined`
/// let thrice = twice.union_all(ids()); // `Combined` combines again
/// ```
pub trait Combinable {}
impl Combinable for NoLock {}
impl Combinable for NoRowLock {}
impl Combinable for Combined {}

/// Which queries combine with one returning `R`: those returning `R` too.
#[diagnostic::on_unimplemented(
    message = "cannot combine a query returning `{R}` with one returning `{Self}`",
    label = "this query returns `{Self}`",
    note = "both sides of a UNION, INTERSECT or EXCEPT select the same types, in the same order"
)]
///
/// ```
/// # #[derive(weft::Table)] struct User { #[column(primary_key)] id: i64, name: String }
/// # #[derive(weft::Table)] struct Tag { #[column(primary_key)] id: i64, label: String }
/// // `(i64, String)` on both sides: they combine.
/// let q = weft::select::<User>().columns((User::id, User::name))
///     .union(weft::select::<Tag>().columns((Tag::id, Tag::label)));
/// ```
pub trait SameRows<R> {}
impl<R> SameRows<R> for R {}

/// Column names of a wrapped arm (weft's own; a wider arm is read with `*`).
const ARM_COLUMNS: [&str; 64] = [
    "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13", "c14", "c15",
    "c16", "c17", "c18", "c19", "c20", "c21", "c22", "c23", "c24", "c25", "c26", "c27", "c28",
    "c29", "c30", "c31", "c32", "c33", "c34", "c35", "c36", "c37", "c38", "c39", "c40", "c41",
    "c42", "c43", "c44", "c45", "c46", "c47", "c48", "c49", "c50", "c51", "c52", "c53", "c54",
    "c55", "c56", "c57", "c58", "c59", "c60", "c61", "c62", "c63", "c64",
];

/// The alias of a wrapped arm. It only scopes the wrapper's own select list, so a user table
/// of the same name inside the arm is still read as itself.
const ARM: &str = crate::dialect::SET_OP_ARM;

/// `stmt` as one arm of a set operation: as it is when it is a plain query; wrapped as
/// `SELECT … FROM (stmt) AS "weft_arm"` when it has clauses of its own (WITH, ORDER BY,
/// LIMIT, OFFSET, or set operations), which no dialect takes in an arm the same way
/// (SQLite has no parenthesized arms, MariaDB needs them).
pub(crate) fn arm(stmt: ast::Select) -> ast::Select {
    if stmt.ctes.is_empty() && !has_clauses(&stmt) && stmt.set_ops.is_empty() {
        stmt
    } else {
        wrap(stmt)
    }
}

fn has_clauses(stmt: &ast::Select) -> bool {
    !stmt.order.is_empty() || stmt.limit.is_some() || stmt.offset.is_some() || stmt.lock.is_some()
}

fn wrap(mut stmt: ast::Select) -> ast::Select {
    let columns = if stmt.columns.len() <= ARM_COLUMNS.len() {
        let mut columns = Vec::with_capacity(stmt.columns.len());
        for (item, name) in stmt.columns.iter_mut().zip(ARM_COLUMNS) {
            item.alias = Some(name.to_owned());
            columns.push(SelectItem::new(Node::Column { table: ARM, name }));
        }
        columns
    } else {
        vec![SelectItem::new(Node::Raw("*"))]
    };
    ast::Select {
        columns,
        from: Some(ast::From {
            source: Source::Query {
                query: Box::new(stmt),
                alias: ARM.to_owned(),
                lateral: false,
            },
            joins: Vec::new(),
        }),
        ..ast::Select::default()
    }
}

impl<S, Sel: Selection, L> Select<S, Sel, L> {
    fn combine<S2, Sel2, L2>(
        self,
        op: SetOp,
        all: bool,
        other: Select<S2, Sel2, L2>,
    ) -> Select<S, Sel, Combined>
    where
        Sel2: Selection,
        Sel2::Output: SameRows<Sel::Output>,
        L: Combinable,
        L2: Combinable,
    {
        let (mut stmt, selection) = self.into_parts();
        // PostgreSQL and the MySQL family bind INTERSECT tighter than UNION and EXCEPT (`a
        // UNION b INTERSECT c` is `a UNION (b INTERSECT c)`), SQLite reads left to right: an
        // INTERSECT after another operation takes everything before it as its left arm, so
        // the chain means what the method calls say on every backend.
        let regroup =
            op == SetOp::Intersect && stmt.set_ops.iter().any(|set| set.op != SetOp::Intersect);
        if has_clauses(&stmt) || regroup {
            // The left query's own order and limit (or its operations, before an INTERSECT)
            // stay its own: it becomes an arm, its CTEs staying on top.
            let ctes = std::mem::take(&mut stmt.ctes);
            stmt = wrap(stmt);
            stmt.ctes = ctes;
        }
        stmt.set_ops.push(SetOperation {
            op,
            all,
            query: arm(other.into_parts().0),
        });
        Select::from_parts(stmt, selection)
    }

    /// `self UNION other`: the rows of either query, without duplicates. Both select the same
    /// types (checked at compile time). The result orders, limits and counts as a whole
    /// ([`order_by`](Select::order_by), [`limit`](Select::limit), `count`) and takes no row
    /// lock. A query with its own order or limit keeps them (it is read as a derived table).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64, title: String }
    /// let q = weft::select::<User>()
    ///     .columns(User::name)
    ///     .union(weft::select::<Post>().columns(Post::title))
    ///     .order_by(User::name)
    ///     .limit(10);
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "user"."name" FROM "user" UNION SELECT "post"."title" FROM "post" ORDER BY 1 LIMIT 10"#
    /// );
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `user`.`name` FROM `user` UNION SELECT `post`.`title` FROM `post` ORDER BY 1 LIMIT ?"
    /// );
    /// ```
    pub fn union<S2, Sel2, L2>(self, other: Select<S2, Sel2, L2>) -> Select<S, Sel, Combined>
    where
        Sel2: Selection,
        Sel2::Output: SameRows<Sel::Output>,
        L: Combinable,
        L2: Combinable,
    {
        self.combine(SetOp::Union, false, other)
    }

    /// `self UNION ALL other`: the rows of both queries, duplicates kept.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// let q = weft::select::<User>().columns(User::id).union_all(weft::select::<User>().columns(User::id));
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `user`.`id` FROM `user` UNION ALL SELECT `user`.`id` FROM `user`"
    /// );
    /// ```
    pub fn union_all<S2, Sel2, L2>(self, other: Select<S2, Sel2, L2>) -> Select<S, Sel, Combined>
    where
        Sel2: Selection,
        Sel2::Output: SameRows<Sel::Output>,
        L: Combinable,
        L2: Combinable,
    {
        self.combine(SetOp::Union, true, other)
    }

    /// `self INTERSECT other`: the rows both queries return, without duplicates. After a
    /// union or except, the whole chain so far is the left side: `a.union(b).intersect(c)`
    /// is `(a ∪ b) ∩ c` on every backend (it is read as a derived table).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64, title: String }
    /// let q = weft::select::<User>().columns(User::id).intersect(weft::select::<Post>().columns(Post::user_id));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "user"."id" FROM "user" INTERSECT SELECT "post"."user_id" FROM "post""#
    /// );
    /// ```
    pub fn intersect<S2, Sel2, L2>(self, other: Select<S2, Sel2, L2>) -> Select<S, Sel, Combined>
    where
        Sel2: Selection,
        Sel2::Output: SameRows<Sel::Output>,
        L: Combinable,
        L2: Combinable,
    {
        self.combine(SetOp::Intersect, false, other)
    }

    /// `self INTERSECT ALL other`: duplicates kept (as many as both sides have). SQLite has
    /// no `INTERSECT ALL`: there the query fails with [`Error::Unsupported`](crate::Error::Unsupported)
    /// before anything is sent ([`Capabilities::intersect_except_all`](crate::Capabilities)).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// let q = weft::select::<User>().columns(User::name).intersect_all(weft::select::<User>().columns(User::name));
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `user`.`name` FROM `user` INTERSECT ALL SELECT `user`.`name` FROM `user`"
    /// );
    /// ```
    pub fn intersect_all<S2, Sel2, L2>(
        self,
        other: Select<S2, Sel2, L2>,
    ) -> Select<S, Sel, Combined>
    where
        Sel2: Selection,
        Sel2::Output: SameRows<Sel::Output>,
        L: Combinable,
        L2: Combinable,
    {
        self.combine(SetOp::Intersect, true, other)
    }

    /// `self EXCEPT other`: the rows of `self` that `other` does not return, without
    /// duplicates.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64, title: String }
    /// let silent = weft::select::<User>().columns(User::id).except(weft::select::<Post>().columns(Post::user_id));
    /// assert_eq!(
    ///     silent.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `user`.`id` FROM `user` EXCEPT SELECT `post`.`user_id` FROM `post`"
    /// );
    /// ```
    pub fn except<S2, Sel2, L2>(self, other: Select<S2, Sel2, L2>) -> Select<S, Sel, Combined>
    where
        Sel2: Selection,
        Sel2::Output: SameRows<Sel::Output>,
        L: Combinable,
        L2: Combinable,
    {
        self.combine(SetOp::Except, false, other)
    }

    /// `self EXCEPT ALL other`: duplicates kept (as many as `self` has more than `other`).
    /// Not on SQLite ([`Error::Unsupported`](crate::Error::Unsupported) before sending).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// let q = weft::select::<User>().columns(User::name).except_all(weft::select::<User>().columns(User::name));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "user"."name" FROM "user" EXCEPT ALL SELECT "user"."name" FROM "user""#
    /// );
    /// ```
    pub fn except_all<S2, Sel2, L2>(self, other: Select<S2, Sel2, L2>) -> Select<S, Sel, Combined>
    where
        Sel2: Selection,
        Sel2::Output: SameRows<Sel::Output>,
        L: Combinable,
        L2: Combinable,
    {
        self.combine(SetOp::Except, true, other)
    }
}
