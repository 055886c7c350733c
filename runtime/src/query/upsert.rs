//! Upserts: `INSERT … ON CONFLICT (…) DO NOTHING | DO UPDATE SET …`, or on the MySQL family
//! `INSERT … ON DUPLICATE KEY UPDATE …`, from one API.

use std::marker::PhantomData;

use super::insert::Insert;
use super::select::and_filter;
use crate::ast::{self, ConflictAction};
use crate::expr::pos::P0;
use crate::expr::{Column, Condition, HasTable, Node, Operand, Proposed, ProposedFor, Within};
use crate::schema::Table;
use crate::value::InsertSlot;

impl<T: Table, V: InsertSlot> Insert<T, V> {
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
    pub fn on_conflict<C: ConflictTarget<T>>(self, target: C) -> OnConflict<T, Self> {
        OnConflict::columns(self, target)
    }

    /// Makes the insert an upsert on the unique key or primary key named `constraint`, as
    /// [`on_conflict`](Self::on_conflict) does on its columns: PostgreSQL `ON CONFLICT ON
    /// CONSTRAINT "…"`.
    ///
    /// The names weft knows are those of the table's metadata ([`Table::META`]): the
    /// primary key's `{table}_pkey`, a unique column's `{table}_{column}_key`, a
    /// `#[table(unique(a, b))]`'s `{table}_a_b_key` (PostgreSQL's own names for them).
    /// - SQLite cannot name a constraint: there the upsert names the constraint's columns, and
    ///   a name the metadata does not know is [`Error::Unsupported`](crate::Error::Unsupported)
    ///   before anything is sent.
    /// - The MySQL family conflicts on any unique key (`ON DUPLICATE KEY UPDATE`): the name
    ///   only picks the column a "do nothing" sets to itself.
    /// - PostgreSQL sends the name as given (a constraint made by a migration works too).
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
    ///     email: String,
    ///     name: String,
    /// }
    ///
    /// let q = weft::insert(NewUser { id: None, email: "a@x.io".into(), name: "Ann".into() })
    ///     .on_conflict_constraint("user_email_key")
    ///     .do_update(|set| set.set(User::name, excluded(User::name)));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres)[0].text,
    ///     r#"INSERT INTO "user" ("email", "name") VALUES ($1, $2) ON CONFLICT ON CONSTRAINT "user_email_key" DO UPDATE SET "name" = excluded."name""#
    /// );
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Sqlite)[0].text,
    ///     r#"INSERT INTO "user" ("email", "name") VALUES (?, ?) ON CONFLICT ("email") DO UPDATE SET "name" = excluded."name""#
    /// );
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb)[0].text,
    ///     "INSERT INTO `user` (`email`, `name`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)"
    /// );
    /// ```
    pub fn on_conflict_constraint(self, constraint: impl Into<String>) -> OnConflict<T, Self> {
        OnConflict::constraint(self, constraint.into())
    }
}

/// A statement that can become an upsert: an [`Insert`] or an
/// [`InsertSelect`](super::InsertSelect).
#[doc(hidden)]
pub trait Upsertable<T> {
    /// Where the upsert clause goes.
    fn conflict_slot(&mut self) -> &mut Option<ast::OnConflict>;
}

impl<T, V: InsertSlot> Upsertable<T> for Insert<T, V> {
    fn conflict_slot(&mut self) -> &mut Option<ast::OnConflict> {
        &mut self.on_conflict
    }
}

/// The columns of the unique key or primary key of `T` named `name`, as the metadata knows
/// them (empty if it does not).
fn constraint_columns<T: Table>(name: &str) -> Vec<usize> {
    let meta = T::META;
    if meta.primary_key_name == Some(name) {
        return meta.primary_key.to_vec();
    }
    if let Some(unique) = meta.uniques.iter().find(|u| u.name == name) {
        return unique.columns.to_vec();
    }
    meta.columns
        .iter()
        .position(|c| c.unique == Some(name))
        .map_or_else(Vec::new, |c| vec![c])
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
/// `Q` is the statement: an [`Insert`] or an [`InsertSelect`](super::InsertSelect).
#[must_use = "say what to do on conflict: `.do_nothing()` or `.do_update(|set| …)`"]
pub struct OnConflict<T, Q = Insert<T>> {
    insert: Q,
    target: Vec<usize>,
    constraint: Option<String>,
    _table: PhantomData<fn() -> T>,
}

impl<T: Table, Q: Upsertable<T>> OnConflict<T, Q> {
    pub(super) fn columns<C: ConflictTarget<T>>(insert: Q, target: C) -> Self {
        let mut columns = Vec::new();
        target.push_columns(&mut columns);
        OnConflict {
            target: columns.into_iter().map(position::<T>).collect(),
            constraint: None,
            insert,
            _table: PhantomData,
        }
    }

    pub(super) fn constraint(insert: Q, name: String) -> Self {
        OnConflict {
            target: constraint_columns::<T>(&name),
            constraint: Some(name),
            insert,
            _table: PhantomData,
        }
    }

    /// Leaves a row that conflicts as it is: `ON CONFLICT (…) DO NOTHING`; on the MySQL
    /// family, `ON DUPLICATE KEY UPDATE k = k` with `k` the target's first column.
    pub fn do_nothing(self) -> Q {
        self.finish(ConflictAction::Nothing, None)
    }

    /// Updates the row that conflicts with the assignments `set` makes:
    /// `ON CONFLICT (…) DO UPDATE SET …`, or `ON DUPLICATE KEY UPDATE …`. A value is a value
    /// of the column's type, a column of `T` (the existing row's value), an expression, or
    /// [`excluded(column)`](crate::excluded) (the value the insert proposed). Setting nothing
    /// is [`do_nothing`](Self::do_nothing). [`ConflictSet::filter`] limits the update to the
    /// conflicting rows where a condition holds.
    ///
    /// Every value reads the existing row as it was before the update, on every dialect; a
    /// later `set` of the same column replaces the earlier one (see [`ConflictSet::set`]).
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
    pub fn do_update(self, set: impl FnOnce(ConflictSet<T>) -> ConflictSet<T>) -> Q {
        let ConflictSet { sets, filter, .. } = set(ConflictSet {
            sets: Vec::new(),
            filter: None,
            _table: PhantomData,
        });
        self.finish(ConflictAction::Update(sets), filter)
    }

    fn finish(self, action: ConflictAction, filter: Option<Node>) -> Q {
        let mut insert = self.insert;
        *insert.conflict_slot() = Some(ast::OnConflict {
            target: self.target,
            constraint: self.constraint,
            action,
            filter,
        });
        insert
    }
}

/// The assignments of an upsert's `DO UPDATE`, built in [`OnConflict::do_update`].
#[must_use = "return the assignments from the closure"]
pub struct ConflictSet<T> {
    sets: Vec<(usize, Node)>,
    filter: Option<Node>,
    _table: PhantomData<fn() -> T>,
}

impl<T: Table> ConflictSet<T> {
    /// `SET column = value` on the row that conflicted. `value` may read the existing row
    /// (`User::visits`) and the proposed one ([`excluded(User::visits)`](crate::excluded)),
    /// both of `T` only.
    ///
    /// A later `set` of a column already set replaces its value (the column keeps its place):
    /// one assignment per column, as PostgreSQL requires.
    ///
    /// Every value reads the existing row as it was, on every dialect:
    /// `.set(User::age, excluded(User::age)).set(User::active, User::age.gt(50))` sets
    /// `active` from the old age. The MySQL family's `ON DUPLICATE KEY UPDATE` applies its
    /// assignments left to right, each seeing the columns set before it, so there weft writes
    /// each assignment before those of the columns its value reads (`active` first here),
    /// keeping the given order otherwise. Values that read each other's columns have no
    /// such order: there the upsert is [`Error::Unsupported`](crate::Error::Unsupported)
    /// before anything is sent. `excluded(…)` reads no column of the existing row; a subquery
    /// counts as reading every column.
    pub fn set<V, R, I>(mut self, column: Column<T, V>, value: R) -> Self
    where
        R: Operand<V>,
        R::Tables: UpsertReads<T, I>,
    {
        super::assign(
            &mut self.sets,
            position::<T>(column.name()),
            value.into_node(),
        );
        self
    }

    /// Updates only the conflicting rows where `condition` holds; the others are left as they
    /// are (as by [`do_nothing`](OnConflict::do_nothing)). Like a value, it reads the existing
    /// row (`User::visits`) and the proposed one ([`excluded`](crate::excluded)), of `T` only.
    /// Several calls are joined with `AND`.
    ///
    /// - SQLite and PostgreSQL: `DO UPDATE SET … WHERE condition`.
    /// - The MySQL family has no `WHERE` there: each assignment becomes
    ///   `c = CASE WHEN condition THEN value ELSE c END`. The server applies the assignments
    ///   left to right, each one seeing the columns set before it, so the condition is read
    ///   by every assignment: weft writes the assignment of a column the condition reads last
    ///   (see [`set`](Self::set)). It may therefore read at most one of the columns the update
    ///   sets (and any `excluded` value): a condition reading two is
    ///   [`Error::Unsupported`](crate::Error::Unsupported) before anything is sent. A row the
    ///   condition keeps is counted as found (1), not changed.
    ///
    /// ```
    /// # use weft::Table;
    /// use weft::excluded;
    ///
    /// #[derive(Table)]
    /// struct Price {
    ///     #[column(primary_key)]
    ///     sku: String,
    ///     cents: i64,
    ///     version: i64,
    /// }
    ///
    /// // Keep the newer version of each row.
    /// let q = weft::insert(Price { sku: "a1".into(), cents: 250, version: 3 })
    ///     .on_conflict(Price::sku)
    ///     .do_update(|set| {
    ///         set.set(Price::cents, excluded(Price::cents))
    ///             .set(Price::version, excluded(Price::version))
    ///             .filter(Price::version.lt(excluded(Price::version)))
    ///     });
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres)[0].text,
    ///     r#"INSERT INTO "price" ("sku", "cents", "version") VALUES ($1, $2, $3) ON CONFLICT ("sku") DO UPDATE SET "cents" = excluded."cents", "version" = excluded."version" WHERE "price"."version" < excluded."version""#
    /// );
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb)[0].text,
    ///     "INSERT INTO `price` (`sku`, `cents`, `version`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE \
    ///      `cents` = CASE WHEN `price`.`version` < VALUES(`version`) THEN VALUES(`cents`) ELSE `price`.`cents` END, \
    ///      `version` = CASE WHEN `price`.`version` < VALUES(`version`) THEN VALUES(`version`) ELSE `price`.`version` END"
    /// );
    /// ```
    pub fn filter<C, I>(mut self, condition: C) -> Self
    where
        C: Condition,
        C::Tables: UpsertReads<T, I>,
    {
        self.filter = and_filter(self.filter.take(), condition.into_node());
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

/// Holds when an expression reads only what an upsert of `T`'s `DO UPDATE` may read: `T`'s
/// columns (the existing row) and [`excluded`](crate::excluded) of them (the proposed row).
#[diagnostic::on_unimplemented(
    message = "an upsert into `{T}` reads only `{T}`'s columns and `excluded({T}::…)`",
    label = "this reads something other than the existing or the proposed `{T}` row",
    note = "in `.do_update(…)`, a value or filter reads the existing row (`{T}::<column>`) or the proposed one (`excluded({T}::<column>)`): no other table is in scope"
)]
pub trait UpsertReads<T, I> {}

#[diagnostic::do_not_recommend]
impl<X: Within<Upserting<T>, I>, T, I> UpsertReads<T, I> for X {}

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
