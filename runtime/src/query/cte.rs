//! Common table expressions: `WITH t AS (…)` and `WITH RECURSIVE t AS (… UNION ALL …)`.
//!
//! A CTE has a shape, a `#[derive(Table)]` struct that is never created (as a derived table
//! has, see [`Select::alias`]): the CTE is named after it, its query must select its column
//! types, and its columns are ordinary typed columns once the query reads it (`weft::select::<T>()`
//! or a join of `T`).

use super::select::Select;
use super::selection::Selection;
use super::subquery::{Derived, FitsShape, shaped};
use crate::ast::{self, Cte, SetOp, SetOperation};
use crate::schema::Table;

impl<S, Sel: Selection, L> Select<S, Sel, L> {
    /// `WITH t AS (query)`: defines the CTE of shape `T` (the query shaped by
    /// [`alias::<T>()`](Self::alias)) for this statement. The statement reads it as a table:
    /// start from it (`weft::select::<T>().with(….alias::<T>())`) or join it. Several calls
    /// define several CTEs, in order (a later one may read an earlier one).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
    /// #[derive(Table)]
    /// struct Author { user_id: i64 }
    ///
    /// let authors = weft::select::<Post>().columns((Post::user_id,));
    /// let q = weft::select::<User>()
    ///     .with(authors.alias::<Author>())
    ///     .inner_join::<Author>()
    ///     .on(Author::user_id.eq(User::id))
    ///     .columns(User::name);
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"WITH "author" AS (SELECT "post"."user_id" AS "user_id" FROM "post") SELECT "user"."name" FROM "user" INNER JOIN "author" ON "author"."user_id" = "user"."id""#
    /// );
    /// ```
    pub fn with<T: Table>(mut self, cte: Derived<T>) -> Self {
        self.add_cte(T::META.name, false, cte.into_query());
        self
    }

    /// `WITH RECURSIVE t AS (base UNION ALL step)`: the CTE of shape `T` (`base` shaped by
    /// [`alias::<T>()`](Self::alias)) holds `base`'s rows, then `step`'s rows computed from
    /// the rows found so far, until `step` finds none. `step` reads `T` (a join of `T`) and
    /// selects `T`'s column types too.
    ///
    /// ```
    /// # use weft::Table;
    /// #[derive(Table)]
    /// struct Comment { #[column(primary_key)] id: i64, parent_id: Option<i64> }
    /// #[derive(Table)]
    /// struct Thread { id: i64, depth: i64 }
    ///
    /// let root = weft::select::<Comment>().filter(Comment::id.eq(1)).columns((Comment::id, weft::value(0i64)));
    /// let root = root.alias::<Thread>();
    /// let replies = weft::select::<Comment>()
    ///     .inner_join::<Thread>()
    ///     .on(Comment::parent_id.eq(Thread::id))
    ///     .columns((Comment::id, Thread::depth + 1));
    /// let q = weft::select::<Thread>().with_recursive(root, replies);
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "WITH RECURSIVE `thread` AS (SELECT `comment`.`id` AS `id`, ? AS `depth` FROM `comment` \
    ///      WHERE `comment`.`id` = ? UNION ALL SELECT `comment`.`id` AS `id`, (`thread`.`depth` + ?) AS `depth` \
    ///      FROM `comment` INNER JOIN `thread` ON `comment`.`parent_id` = `thread`.`id`) \
    ///      SELECT `thread`.`id`, `thread`.`depth` FROM `thread`"
    /// );
    /// ```
    pub fn with_recursive<T, S2, Sel2, L2>(
        mut self,
        base: Derived<T>,
        step: Select<S2, Sel2, L2>,
    ) -> Self
    where
        T: Table,
        Sel2: Selection,
        Sel2::Output: FitsShape<T, T::Row>,
    {
        let mut query = super::set_ops::arm(base.into_query());
        query.set_ops.push(SetOperation {
            op: SetOp::Union,
            all: true,
            query: super::set_ops::arm(step.into_parts().0),
        });
        let query = shaped(query, T::META);
        self.add_cte(T::META.name, true, query);
        self
    }

    /// Appends a CTE; the CTEs its own query defines come first, once each. The same name
    /// twice with the same query is one CTE; with different queries both are sent, and the
    /// server refuses the statement (never one definition silently read in the other's place).
    fn add_cte(&mut self, name: &str, recursive: bool, mut query: ast::Select) {
        for inner in std::mem::take(&mut query.ctes) {
            if !self.stmt.ctes.contains(&inner) {
                self.stmt.ctes.push(inner);
            }
        }
        if self
            .stmt
            .ctes
            .iter()
            .any(|c| c.name == name && c.recursive == recursive && c.query == query)
        {
            return;
        }
        self.stmt.ctes.push(Cte {
            name: name.to_owned(),
            recursive,
            query,
        });
    }
}
