//! Upserts: `INSERT … ON CONFLICT (…) DO NOTHING | DO UPDATE SET …`, or on the MySQL family
//! `INSERT … ON DUPLICATE KEY UPDATE …`, from one API.

use std::marker::PhantomData;

use super::insert::Insert;
use crate::ast::{self, ConflictAction};
use crate::expr::pos::P0;
use crate::expr::{Column, HasTable, Node, Operand, Proposed, ProposedFor, Within};
use crate::schema::Table;

impl<T: Table> Insert<T> {
    /// Makes the insert an upsert: a row that conflicts with an existing one on `target` — a
    /// column of `T` or a tuple of them, naming a unique key or the primary key — is left as it
    /// is ([`do_nothing`](OnConflict::do_nothing)) or updated
    /// ([`do_update`](OnConflict::do_update)). Applies to every row, and to every statement
    /// a large insert is split into. A second call replaces the first.
    ///
    /// The MySQL family cannot name the key: there a row conflicts on *any* unique key of the
    /// table (`ON DUPLICATE KEY UPDATE`), and `target` only picks the column a "do nothing"
    /// sets to itself.
    ///
    /// [`execute`](Insert::execute) returns the rows affected as the server counts them:
    /// - SQLite and PostgreSQL: 1 per row inserted or updated; 0 per row left alone by
    ///   `do_nothing`.
    /// - The MySQL family ([`Upsert::OnDuplicateKey`](crate::dialect::Upsert::OnDuplicateKey)): 1 per row
    ///   inserted, **2** per existing row updated to new values, 1 per existing row left as it
    ///   was (`do_nothing`, or an update that changed nothing): weft's connections ask for
    ///   found rows, not changed rows.
    ///
    /// PostgreSQL refuses a `do_update` in which two rows conflict on the same key (one
    /// statement cannot update a row twice); SQLite and the MySQL family apply them in turn.
    ///
    /// [`returning`](Insert::returning) returns, on SQLite and PostgreSQL, each row inserted or
    /// updated, not the rows `do_nothing` left alone; on MariaDB (10.5+), every row of the
    /// insert, as it is after the statement. MySQL proper has no `RETURNING`: there it is
    /// [`Error::Unsupported`](crate::Error::Unsupported) before anything is sent.
    ///
    /// ```
    /// # use weft::Table;
    /// use weft::excluded;
    ///
    /// #[derive(Table)]
    /// struct User {
    ///     #[column(primary_key, auto)]
    ///     id: i64,
    ///     #[column(unique)]
    ///     name: String,
    ///     visits: i64,
    /// }
    ///
    /// let row = || NewUser { id: None, name: "ann".into(), visits: 1 };
    /// let keep = weft::insert(row()).on_conflict(User::name).do_nothing();
    /// assert_eq!(
    ///     keep.to_sql(weft::Backend::Postgres)[0].text,
    ///     r#"INSERT INTO "user" ("name", "visits") VALUES ($1, $2) ON CONFLICT ("name") DO NOTHING"#
    /// );
    /// let bump = weft::insert(row())
    ///     .on_conflict(User::name)
    ///     .do_update(|set| set.set(User::visits, excluded(User::visits)));
    /// assert_eq!(
    ///     bump.to_sql(weft::Backend::MySql)[0].text,
    ///     "INSERT INTO `user` (`name`, `visits`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `visits` = VALUES(`visits`)"
    /// );
    /// ```
    pub fn on_conflict<C: ConflictTarget<T>>(self, target: C) -> OnConflict<T> {
        let mut columns = Vec::new();
        target.push_columns(&mut columns);
        OnConflict {
            target: columns.into_iter().map(position::<T>).collect(),
            insert: self,
        }
    }
}

/// The position of column `name` in `T`'s columns. A typed column is always there; were it
/// not, the position is one the table does not have, and the walk refuses the statement
/// (`Error::Unsupported`, a malformed statement) rather than conflicting on another column.
fn position<T: Table>(name: &'static str) -> usize {
    T::META
        .columns
        .iter()
        .position(|c| c.name == name)
        .unwrap_or(usize::MAX)
}

/// An upsert whose conflict target is given: say what to do with a row that conflicts.
#[must_use = "say what to do on conflict: `.do_nothing()` or `.do_update(|set| …)`"]
pub struct OnConflict<T> {
    insert: Insert<T>,
    target: Vec<usize>,
}

impl<T: Table> OnConflict<T> {
    /// Leaves a row that conflicts as it is: `ON CONFLICT (…) DO NOTHING`; on the MySQL
    /// family, `ON DUPLICATE KEY UPDATE k = k` with `k` the target's first column.
    pub fn do_nothing(self) -> Insert<T> {
        self.finish(ConflictAction::Nothing)
    }

    /// Updates the row that conflicts with the assignments `set` makes:
    /// `ON CONFLICT (…) DO UPDATE SET …`, or `ON DUPLICATE KEY UPDATE …`. A value is a value
    /// of the column's type, a column of `T` (the existing row's value), an expression, or
    /// [`excluded(column)`](crate::excluded) (the value the insert proposed). Setting nothing
    /// is [`do_nothing`](Self::do_nothing).
    ///
    /// ```
    /// # use weft::Table;
    /// use weft::excluded;
    ///
    /// #[derive(Table)]
    /// struct User {
    ///     #[column(primary_key, auto)]
    ///     id: i64,
    ///     #[column(unique)]
    ///     name: String,
    ///     email: Option<String>,
    ///     visits: i64,
    /// }
    ///
    /// let q = weft::insert(NewUser { id: None, name: "ann".into(), email: None, visits: 1 })
    ///     .on_conflict(User::name)
    ///     .do_update(|set| set.set(User::email, excluded(User::email)).set(User::visits, 0));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Sqlite)[0].text,
    ///     r#"INSERT INTO "user" ("name", "email", "visits") VALUES (?, ?, ?) ON CONFLICT ("name") DO UPDATE SET "email" = excluded."email", "visits" = ?"#
    /// );
    /// ```
    pub fn do_update(self, set: impl FnOnce(ConflictSet<T>) -> ConflictSet<T>) -> Insert<T> {
        let sets = set(ConflictSet {
            sets: Vec::new(),
            _table: PhantomData,
        })
        .sets;
        self.finish(ConflictAction::Update(sets))
    }

    fn finish(self, action: ConflictAction) -> Insert<T> {
        let mut insert = self.insert;
        insert.on_conflict = Some(ast::OnConflict {
            target: self.target,
            action,
        });
        insert
    }
}

/// The assignments of an upsert's `DO UPDATE`, built in [`OnConflict::do_update`].
#[must_use = "return the assignments from the closure"]
pub struct ConflictSet<T> {
    sets: Vec<(usize, Node)>,
    _table: PhantomData<fn() -> T>,
}

impl<T: Table> ConflictSet<T> {
    /// `SET column = value` on the row that conflicted. `value` may read the existing row
    /// (`User::visits`) and the proposed one ([`excluded(User::visits)`](crate::excluded)),
    /// both of `T` only.
    pub fn set<V, R, I>(mut self, column: Column<T, V>, value: R) -> Self
    where
        R: Operand<V>,
        R::Tables: Within<Upserting<T>, I>,
    {
        self.sets
            .push((position::<T>(column.name()), value.into_node()));
        self
    }
}

/// What an upsert's `DO UPDATE` may read: the existing row of `T` (its columns) and the row
/// the insert proposed ([`excluded`](crate::excluded) of `T`'s columns).
#[doc(hidden)]
pub struct Upserting<T>(PhantomData<fn() -> T>);

#[diagnostic::do_not_recommend]
impl<T> HasTable<T, P0> for Upserting<T> {}

impl<T, U: ProposedFor<T>> Within<Upserting<T>, ()> for Proposed<U> {}

/// The columns an upsert conflicts on: a column of `T`, or a tuple of columns of `T`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a conflict target for an insert into `{T}`",
    label = "expected a column of `{T}`, or a tuple of columns of `{T}`",
    note = "name the columns of a unique key or the primary key of `{T}`: `.on_conflict({T}::<column>)` or `.on_conflict(({T}::<a>, {T}::<b>))`"
)]
pub trait ConflictTarget<T> {
    #[doc(hidden)]
    fn push_columns(self, out: &mut Vec<&'static str>);
}

impl<T, V> ConflictTarget<T> for Column<T, V> {
    fn push_columns(self, out: &mut Vec<&'static str>) {
        out.push(self.name());
    }
}

macro_rules! conflict_tuple {
    ($($v:ident $n:tt),+) => {
        #[diagnostic::do_not_recommend]
        impl<T, $($v),+> ConflictTarget<T> for ($(Column<T, $v>,)+) {
            fn push_columns(self, out: &mut Vec<&'static str>) {
                $(out.push(self.$n.name());)+
            }
        }
    };
}

conflict_tuple!(A 0);
conflict_tuple!(A 0, B 1);
conflict_tuple!(A 0, B 1, C 2);
conflict_tuple!(A 0, B 1, C 2, D 3);
