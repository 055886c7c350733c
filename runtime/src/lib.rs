//! # weft
//!
//! A Rust ORM in the image of [Drizzle](https://orm.drizzle.team): annotate your own structs,
//! get typed, compile-time-checked query builders, and run them through sqlx on SQLite,
//! PostgreSQL or the MySQL family (MariaDB).
//!
//! ```
//! use weft::{Db, Table};
//!
//! #[derive(Table, Debug, PartialEq)]
//! struct User {
//!     #[column(primary_key, auto)]
//!     id: i64,
//!     name: String,
//!     email: Option<String>,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> weft::Result<()> {
//! let db = Db::connect("sqlite::memory:").await?;
//! db.create_tables::<User>().await?;
//!
//! // `NewUser` is generated: `id` is auto-incremented, so it is optional there.
//! weft::insert(NewUser { id: None, name: "Dan".into(), email: None }).execute(&db).await?;
//!
//! let users: Vec<User> = weft::select::<User>().filter(User::name.eq("Dan")).all(&db).await?;
//! assert_eq!(users, [User { id: 1, name: "Dan".into(), email: None }]);
//!
//! // Choose columns with a tuple; the row type follows.
//! let names: Vec<(i64, String)> = weft::select::<User>().columns((User::id, User::name)).all(&db).await?;
//! assert_eq!(names, [(1, "Dan".to_string())]);
//! # Ok(())
//! # }
//! ```
//!
//! ## Column types
//! `bool`, `i16`, `i32`, `i64`, `f32`, `f64`, `String`, `Vec<u8>`, and with features `json`
//! (`Json<T>` for any serde type), `chrono` (`DateTime<Utc>`, `NaiveDateTime`, `NaiveDate`),
//! `uuid` and `rust_decimal`. `Option<T>` makes a column nullable.
//!
//! ## Backends
//! Features `sqlite` (default), `postgres` and `mysql`. [`Db::connect`] picks the backend
//! from the URL. Every query can show the SQL it would send to any backend without a
//! connection: `query.to_sql(Backend::Postgres)`.
//!
//! ## Safety
//! Every value travels as a bound parameter and every identifier is quoted for its dialect.

#![warn(missing_docs)]

mod backend;
mod error;
mod exec;
mod expr;
mod query;
mod render;
mod row;
mod schema;
mod value;

pub use backend::Backend;
pub use error::{Error, Result};
pub use exec::{Db, Executor, Tx};
pub use expr::{
    Column, Condition, Dep, Direction, Expr, Expression, HasTable, IntoOrder, Order, not,
};
pub use query::{
    AddTable, All, As, Delete, FieldOf, Insert, JoinSelection, Joining, Nullable, Returning,
    Select, Selectable, Selection, Update, UpdateSet, delete, insert, insert_many, select, update,
};
pub use render::Sql;
pub use schema::{
    ColumnMeta, DefaultValue, ForeignKey, Insertable, OnDelete, Table, TableMeta, Tables,
    create_table_sql, drop_table_sql, in_dependency_order,
};
#[cfg(feature = "json")]
pub use value::Json;
pub use value::{Operand, SqlType, SqlValue, Text, Value};
pub use weft_macros::{Selectable, Table};

/// The names most programs want: `use weft::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "json")]
    pub use crate::Json;
    pub use crate::{Db, Table, Tx, delete, insert, insert_many, select, update};
}

/// What generated code uses. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::error::Error;
    pub use crate::expr::{Column, Within, pos};
    pub use crate::query::{As, Selectable, Selection, select_field};
    pub use crate::row::RowReader;
    pub use crate::schema::{
        ColumnMeta, DefaultValue, ForeignKey, Insertable, OnDelete, Table, TableMeta,
    };
    pub use crate::value::{AutoIncrement, CanReference, SqlValue, Value};
    pub use std::option::Option::{self, None, Some};
    pub use std::result::Result::{self, Err, Ok};

    /// Fails to compile (at the caller's span) unless a `F` column may reference a `V` column.
    pub const fn check_reference<F: CanReference<V>, T, V>(_: &Column<T, V>) {}
    /// Fails to compile unless `F` is an integer type.
    pub const fn check_auto<F: AutoIncrement>() {}
    /// Fails to compile unless `F` is a column type.
    pub const fn check_column<F: SqlValue>() {}
    /// Fails to compile unless `F` is nullable.
    pub const fn check_nullable<F: NullableColumn>() {}
    /// Nullable column types.
    #[diagnostic::on_unimplemented(
        message = "`on_delete = set_null` needs a nullable column, and `{Self}` is not",
        label = "make this column an `Option<…>`, or pick another `on_delete` action"
    )]
    pub trait NullableColumn {}
    impl<T> NullableColumn for Option<T> {}

    /// Fails to compile unless a literal of kind `L` is a valid default for `F`.
    pub const fn check_default<F: DefaultLiteral<L>, L>() {}

    /// Literal kinds a `#[column(default = …)]` can be.
    pub mod lit {
        pub struct Int;
        pub struct Float;
        pub struct Str;
        pub struct Bool;
    }

    /// Which literal kinds each column type accepts as its default.
    #[diagnostic::on_unimplemented(
        message = "this default does not fit a `{Self}` column",
        label = "wrong kind of literal for `{Self}`",
        note = "defaults are literals of the column's type: `default = 0`, `default = 1.5`, `default = \"text\"`, `default = true`"
    )]
    pub trait DefaultLiteral<L> {}
    macro_rules! default_literals {
        ($($lit:ident: $($ty:ty),*;)*) => {$($(
            impl DefaultLiteral<lit::$lit> for $ty {}
            impl DefaultLiteral<lit::$lit> for Option<$ty> {}
        )*)*};
    }
    default_literals! {
        Int: i16, i32, i64, f32, f64;
        Float: f32, f64;
        Str: String;
        Bool: bool;
    }
    #[cfg(feature = "rust_decimal")]
    default_literals! {
        Int: rust_decimal::Decimal;
    }
}
