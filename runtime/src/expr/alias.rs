//! Table aliases: one table read under another name, so that a query can read it twice (a
//! self-join). An alias is a type of its own, declared with [`alias!`](crate::alias), so its
//! columns are checked against a query's tables like any table's.

use super::Column;
use crate::schema::Table;

/// What a query reads rows from: a table under its own name, or an [alias](crate::alias) of
/// one. `select::<T>()`, `inner_join::<T>()`, `left_join::<T>()`, … take either.
///
/// Every `#[derive(Table)]` struct is one (under its table name); `weft::alias!` declares the
/// others.
///
/// ```
/// # use weft::Table;
/// #[derive(Table)]
/// #[table(name = "users")]
/// struct User { #[column(primary_key)] id: i64, name: String, invited_by: Option<i64> }
///
/// weft::alias!(Inviter = User as "inviter");
///
/// use weft::TableSource;
/// assert_eq!(<User as TableSource>::NAME, "users");
/// assert_eq!(<Inviter as TableSource>::NAME, "inviter");
/// assert_eq!(<Inviter as TableSource>::ALIAS, Some("inviter"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a weft table or table alias",
    label = "expected a `#[derive(weft::Table)]` struct or a `weft::alias!` type",
    note = "add `#[derive(weft::Table)]` to `{Self}`, or declare an alias of a table: \
            `weft::alias!(Name = Table as \"name\");`"
)]
pub trait TableSource: Send + Sync + 'static {
    /// The table whose rows are read (`Self` for a table).
    type Row: Table;
    /// The name the query reads the rows under: the table's name, or the alias.
    const NAME: &'static str;
    /// `Some(alias)` for an alias (`FROM "users" AS "inviter"`), `None` for a table.
    const ALIAS: Option<&'static str>;
}

impl<T: Table> TableSource for T {
    type Row = T;
    const NAME: &'static str = T::META.name;
    const ALIAS: Option<&'static str> = None;
}

/// Implemented by [`alias!`](crate::alias) for its marker type: the aliased table and the
/// alias's name. Not meant to be written by hand.
#[doc(hidden)]
pub trait Alias: Send + Sync + 'static {
    type Of: Table;
    const NAME: &'static str;
}

/// `column` of `A`'s table, read through the alias `A`: a `Column<A, V>` that renders as
/// `"alias"."column"` and is checked against the query's tables as `A` (what
/// `Inviter::col(User::name)` does).
pub const fn aliased<A: Alias, V>(column: Column<A::Of, V>) -> Column<A, V> {
    Column::new(A::NAME, column.name())
}

/// Declares a table alias: a zero-sized type standing for a table read under another name,
/// so that one query can read the table twice (a self-join: users and who invited them).
///
/// `weft::alias!(pub Inviter = User as "inviter");` declares `pub struct Inviter`, which
///
/// * goes wherever a table does in a query: `select::<Inviter>()`,
///   `.inner_join::<Inviter>()`, `.left_join::<Inviter>()`, … (`FROM "users" AS "inviter"`),
///   and comes back as the table's rows (`User`, or `Option<User>` when left-joined);
/// * has `Inviter::col(User::name)`: that column read through the alias, a
///   `Column<Inviter, String>` rendered `"inviter"."name"`. A filter, order or column list
///   over it compiles only in a query that reads `Inviter`, as for a table.
///
/// The name after `as` is the SQL alias (always quoted); without `as` it is the type's name.
/// It must differ from the other names in the query's FROM and JOINs (a query naming one
/// correlation twice is refused before it is sent, [`Error::Unsupported`](crate::Error)); it
/// may equal any alias weft invents for its subqueries, which then pick another.
///
/// ```
/// # use weft::Table;
/// #[derive(Table, Debug)]
/// #[table(name = "users")]
/// struct User { #[column(primary_key)] id: i64, name: String, invited_by: Option<i64> }
///
/// weft::alias!(Inviter = User as "inviter");
///
/// // Each user with who invited them, if anyone: rows are `(User, Option<User>)`.
/// let q = weft::select::<User>()
///     .left_join::<Inviter>()
///     .on(Inviter::col(User::id).eq(User::invited_by))
///     .filter(Inviter::col(User::name).ne("root"));
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres).text,
///     r#"SELECT "users"."id", "users"."name", "users"."invited_by", "inviter"."id", "inviter"."name", "inviter"."invited_by" FROM "users" LEFT JOIN "users" AS "inviter" ON "inviter"."id" = "users"."invited_by" WHERE "inviter"."name" <> $1"#
/// );
/// assert_eq!(
///     q.to_sql(&weft::dialect::MariaDb).text,
///     "SELECT `users`.`id`, `users`.`name`, `users`.`invited_by`, `inviter`.`id`, `inviter`.`name`, `inviter`.`invited_by` FROM `users` LEFT JOIN `users` AS `inviter` ON `inviter`.`id` = `users`.`invited_by` WHERE `inviter`.`name` <> ?"
/// );
/// ```
#[macro_export]
macro_rules! alias {
    ($(#[$attr:meta])* $vis:vis $name:ident = $table:ty as $sql:expr) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $crate::__private::Alias for $name {
            type Of = $table;
            const NAME: &'static str = $sql;
        }

        impl $crate::TableSource for $name {
            type Row = $table;
            const NAME: &'static str = $sql;
            const ALIAS: ::core::option::Option<&'static str> = ::core::option::Option::Some($sql);
        }

        impl $name {
            /// A column of the aliased table, read through this alias.
            #[allow(dead_code)]
            $vis const fn col<V>(column: $crate::Column<$table, V>) -> $crate::Column<$name, V> {
                $crate::__private::aliased::<$name, V>(column)
            }
        }
    };
    ($(#[$attr:meta])* $vis:vis $name:ident = $table:ty) => {
        $crate::alias!($(#[$attr])* $vis $name = $table as ::core::stringify!($name));
    };
}

impl<T, V: crate::value::SqlValue> Column<T, V> {
    /// This column read as `Option<V>`: for a column of a left-joined table (or an alias),
    /// which is NULL where the join matched no row. A column in `.columns(…)` is typed as
    /// declared, so a non-`Option` column of a left-joined table that comes back NULL fails
    /// with [`Error::Decode`](crate::Error::Decode) naming it; read it through `.nullable()`
    /// (or into an `Option` field of a `#[derive(Selectable)]` struct) instead.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] #[table(name = "users")]
    /// # struct User { #[column(primary_key)] id: i64, name: String, invited_by: Option<i64> }
    /// weft::alias!(Inviter = User as "inviter");
    ///
    /// // Rows are `(String, Option<String>)`: each user's name and their inviter's, if any.
    /// let q = weft::select::<User>()
    ///     .left_join::<Inviter>()
    ///     .on(Inviter::col(User::id).eq(User::invited_by))
    ///     .columns((User::name, Inviter::col(User::name).nullable()));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "users"."name", "inviter"."name" FROM "users" LEFT JOIN "users" AS "inviter" ON "inviter"."id" = "users"."invited_by""#
    /// );
    /// ```
    pub const fn nullable(self) -> Column<T, Option<V>> {
        Column::new(self.table_name(), self.name())
    }
}
