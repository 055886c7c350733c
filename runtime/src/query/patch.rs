//! Updates whose columns are chosen at run time (a PATCH handler): `set_some` skips a `None`,
//! `set_if` skips when its condition is false. An update left with nothing to set refuses to
//! run ([`Error::EmptyUpdate`]) instead of sending `UPDATE … SET` with no column.

use super::update::{Update, UpdateSet};
use crate::error::{Error, Result};
use crate::expr::{Column, Operand, Within};
use crate::schema::Table;

impl<T: Table> UpdateSet<T> {
    /// `SET column = value` when `value` is `Some`; nothing when it is `None`. For an update
    /// whose columns are chosen at run time, such as a PATCH handler taking an `Option` per
    /// field. A nullable column takes an `Option<Option<V>>`: `Some(None)` sets NULL.
    ///
    /// If every value is `None` the update sets nothing, and running it fails with
    /// [`Error::EmptyUpdate`] before anything is sent ([`Update::is_empty`] says so first).
    ///
    /// ```
    /// # use weft::Table;
    /// #[derive(Table)]
    /// struct User { #[column(primary_key, auto)] id: i64, name: String, email: Option<String> }
    ///
    /// /// The body of `PATCH /users/:id`: absent fields are `None`.
    /// struct UserPatch { name: Option<String>, email: Option<Option<String>> }
    ///
    /// let patch = UserPatch { name: None, email: Some(None) };
    /// let q = weft::update::<User>()
    ///     .set_some(User::name, patch.name)
    ///     .set_some(User::email, patch.email)
    ///     .filter(User::id.eq(7));
    /// assert_eq!(q.to_sql(weft::Backend::Postgres).text, r#"UPDATE "user" SET "email" = $1 WHERE "user"."id" = $2"#);
    /// assert_eq!(q.to_sql(&weft::dialect::MariaDb).text, "UPDATE `user` SET `email` = ? WHERE `user`.`id` = ?");
    /// ```
    pub fn set_some<V, R, I>(self, column: Column<T, V>, value: Option<R>) -> Update<T>
    where
        R: Operand<V>,
        R::Tables: Within<(T,), I>,
    {
        Update::empty().set_some(column, value)
    }

    /// `SET column = value` when `condition` holds; nothing otherwise (see
    /// [`set_some`](Self::set_some)).
    pub fn set_if<V, R, I>(self, condition: bool, column: Column<T, V>, value: R) -> Update<T>
    where
        R: Operand<V>,
        R::Tables: Within<(T,), I>,
    {
        Update::empty().set_if(condition, column, value)
    }
}

impl<T: Table> Update<T> {
    /// Also `SET column = value` when `value` is `Some`; nothing when it is `None` (see
    /// [`UpdateSet::set_some`]).
    pub fn set_some<V, R, I>(self, column: Column<T, V>, value: Option<R>) -> Self
    where
        R: Operand<V>,
        R::Tables: Within<(T,), I>,
    {
        match value {
            Some(value) => self.set(column, value),
            None => self,
        }
    }

    /// Also `SET column = value` when `condition` holds; nothing otherwise.
    pub fn set_if<V, R, I>(self, condition: bool, column: Column<T, V>, value: R) -> Self
    where
        R: Operand<V>,
        R::Tables: Within<(T,), I>,
    {
        if condition {
            self.set(column, value)
        } else {
            self
        }
    }

    /// Whether the update sets no column (every [`set_some`](Self::set_some) was `None`):
    /// running it would fail with [`Error::EmptyUpdate`].
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key, auto)] id: i64, name: String }
    /// let q = weft::update::<User>().set_some(User::name, None::<String>);
    /// assert!(q.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.stmt.set.is_empty()
    }

    /// [`Error::EmptyUpdate`] when the update sets nothing.
    pub(super) fn check_not_empty(&self) -> Result<()> {
        if self.is_empty() {
            return Err(Error::EmptyUpdate {
                table: T::META.name,
            });
        }
        Ok(())
    }
}
