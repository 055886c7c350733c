//! Reading the rows of hand-written SQL ([`raw`](super::raw)) into a Rust type: a table
//! struct or a `Selectable` struct by column *name*, a value or a tuple of values by
//! *position*. See [`FromRow`].

use super::selection::{As, Selectable, Selection};
use crate::decode::{ColumnSource, RowReader, RowRef};
use crate::error::{Error, Result};
use crate::expr::Node;
use crate::schema::Table;
use crate::value::SqlValue;

/// The kinds of row type (the second parameter of [`FromRow`], inferred: a type is read in
/// the one way it can be).
#[doc(hidden)]
pub mod row_kind {
    /// A `#[derive(Table)]` struct.
    pub struct Table;
    /// A `#[derive(Selectable)]` struct.
    pub struct Selectable;
    /// A value or a tuple of values.
    pub struct Values;
}

/// What a row of hand-written SQL can be read into ([`Raw::fetch_all`](super::Raw::fetch_all)).
///
/// - a `#[derive(Table)]` struct: its columns are found **by name** among the row's columns
///   (in any order; columns the struct does not have are ignored), so `SELECT *` and
///   `SELECT name, id` both fit;
/// - a `#[derive(Selectable)]` struct: likewise, by the names of the columns its fields read
///   (by position when two fields read columns of the same name, or a field reads an
///   expression);
/// - a value (`i64`, `String`, `Option<…>`, …) or a tuple of up to 12 values: **by position**;
///   the row must have exactly that many columns.
///
/// A column the type needs that the row lacks, one that two of the row's columns could be,
/// or a row of the wrong width is an [`Error::RawSql`] naming it; a column that cannot be read
/// as its field's type is an [`Error::Decode`] naming the table and column (a value or tuple:
/// an [`Error::RawSql`] naming the column's position and label). A column is matched by its
/// exact label first, then ignoring ASCII case (PostgreSQL folds unquoted aliases to lower
/// case).
///
/// `K` is inferred; it records which of the three a type is.
#[diagnostic::on_unimplemented(
    message = "a row of hand-written SQL cannot be read into `{Self}`",
    label = "expected a `#[derive(Table)]` or `#[derive(Selectable)]` struct, a value or a tuple of values",
    note = "tuples are read by position and may hold values only (`(i64, String)`), not structs"
)]
pub trait FromRow<K>: Sized + Send {
    /// How the row's columns are found.
    #[doc(hidden)]
    fn shape() -> Shape;
    /// Reads the columns, in the order of [`shape`](Self::shape).
    #[doc(hidden)]
    fn read(reader: &mut RowReader<'_>) -> Result<Self>;
}

/// How a row type finds its columns.
#[doc(hidden)]
pub enum Shape {
    /// By name: these columns, in reading order.
    Named(Vec<&'static str>),
    /// By position: exactly this many columns.
    Positional(usize),
}

impl<T: Table> FromRow<row_kind::Table> for T {
    fn shape() -> Shape {
        Shape::Named(T::META.columns.iter().map(|c| c.name).collect())
    }
    fn read(reader: &mut RowReader<'_>) -> Result<Self> {
        T::decode(reader)
    }
}

impl<R: Selectable> FromRow<row_kind::Selectable> for R {
    fn shape() -> Shape {
        let mut nodes = Vec::new();
        As::<R>::new().push_columns(&mut nodes);
        let names: Option<Vec<&'static str>> = nodes
            .iter()
            .map(|n| match n {
                Node::Column { name, .. } => Some(*name),
                _ => None,
            })
            .collect();
        match names {
            Some(names) if !has_duplicates(&names) => Shape::Named(names),
            _ => Shape::Positional(nodes.len()),
        }
    }
    fn read(reader: &mut RowReader<'_>) -> Result<Self> {
        As::<R>::new().decode(reader)
    }
}

fn has_duplicates(names: &[&str]) -> bool {
    names
        .iter()
        .enumerate()
        .any(|(i, n)| names[..i].contains(n))
}

impl<V: SqlValue> FromRow<row_kind::Values> for V {
    fn shape() -> Shape {
        Shape::Positional(1)
    }
    fn read(reader: &mut RowReader<'_>) -> Result<Self> {
        reader.column("?", "?")
    }
}

macro_rules! tuple_row {
    ($n:literal: $($name:ident)+) => {
        impl<$($name: SqlValue),+> FromRow<row_kind::Values> for ($($name,)+) {
            fn shape() -> Shape {
                Shape::Positional($n)
            }
            fn read(reader: &mut RowReader<'_>) -> Result<Self> {
                Ok(($(reader.column::<$name>("?", "?")?,)+))
            }
        }
    };
}

tuple_row!(1: A);
tuple_row!(2: A B);
tuple_row!(3: A B C);
tuple_row!(4: A B C D);
tuple_row!(5: A B C D E);
tuple_row!(6: A B C D E F);
tuple_row!(7: A B C D E F G);
tuple_row!(8: A B C D E F G H);
tuple_row!(9: A B C D E F G H I);
tuple_row!(10: A B C D E F G H I J);
tuple_row!(11: A B C D E F G H I J K);
tuple_row!(12: A B C D E F G H I J K L);

/// Reads rows of one statement as `R`: where each of `R`'s columns is in the row is worked out
/// from the first row's labels, once.
pub(crate) struct RowDecoder<R, K> {
    shape: Shape,
    /// Row position of each of `R`'s columns, in reading order (from the first row).
    map: Option<Vec<usize>>,
    _row: std::marker::PhantomData<fn() -> (R, K)>,
}

impl<K, R: FromRow<K>> RowDecoder<R, K> {
    pub(crate) fn new() -> Self {
        RowDecoder {
            shape: R::shape(),
            map: None,
            _row: std::marker::PhantomData,
        }
    }

    pub(crate) fn decode(&mut self, row: RowRef<'_>, sql: &str) -> Result<R> {
        let source = row.columns();
        let map = match &mut self.map {
            Some(map) => map,
            slot => slot.insert(resolve(&self.shape, source).map_err(|reason| raw(reason, sql))?),
        };
        let remapped = Remapped { source, map };
        let mut reader = RowReader::new(RowRef::new(&remapped), sql);
        R::read(&mut reader).map_err(|e| match (&self.shape, e) {
            // A value has no column name of its own: name its position and label.
            (Shape::Positional(_), Error::Decode { message, .. }) => {
                let at = reader.position().saturating_sub(1);
                let label = source.column_name(map.get(at).copied().unwrap_or(at));
                raw(format!("column {} (`{label}`): {message}", at + 1), sql)
            }
            (_, e) => e,
        })
    }
}

fn raw(reason: String, sql: &str) -> Error {
    Error::RawSql {
        reason,
        sql: sql.to_owned(),
    }
}

/// The row position of each column `shape` reads, or why the row does not fit it.
fn resolve(shape: &Shape, row: &dyn ColumnSource) -> std::result::Result<Vec<usize>, String> {
    let count = row.column_count();
    let labels: Vec<&str> = (0..count).map(|i| row.column_name(i)).collect();
    let listed = || {
        labels
            .iter()
            .map(|l| format!("`{l}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match shape {
        Shape::Positional(n) if *n == count => Ok((0..count).collect()),
        Shape::Positional(n) => Err(format!(
            "the statement returned {count} column{} ({}), the row type reads {n} by position",
            if count == 1 { "" } else { "s" },
            listed()
        )),
        Shape::Named(names) => names
            .iter()
            .map(|name| {
                let exact: Vec<usize> = (0..count).filter(|&i| labels[i] == *name).collect();
                let found = match exact.as_slice() {
                    [] => (0..count)
                        .filter(|&i| labels[i].eq_ignore_ascii_case(name))
                        .collect(),
                    _ => exact,
                };
                match found.as_slice() {
                    [one] => Ok(*one),
                    [] => Err(format!(
                        "the statement returned no column named `{name}` (it returned {}): \
                         select it, or alias a column `AS {name}`",
                        listed()
                    )),
                    _ => Err(format!(
                        "the statement returned {} columns named `{name}`: alias all but one \
                         (`AS …`) or select fewer",
                        found.len()
                    )),
                }
            })
            .collect(),
    }
}

/// A row whose columns are read through a map: column `i` of the row type is column `map[i]`
/// of the row.
struct Remapped<'a> {
    source: &'a dyn ColumnSource,
    map: &'a [usize],
}

impl Remapped<'_> {
    #[inline]
    fn at(&self, idx: usize) -> usize {
        self.map.get(idx).copied().unwrap_or(usize::MAX)
    }
}

macro_rules! remapped {
    ($($(#[$cfg:meta])* $method:ident -> $out:ty;)*) => {
        impl ColumnSource for Remapped<'_> {
            #[inline]
            fn is_null(&self, idx: usize) -> bool {
                self.source.is_null(self.at(idx))
            }
            $(
                $(#[$cfg])*
                #[inline]
                fn $method(&self, idx: usize) -> std::result::Result<$out, String> {
                    self.source.$method(self.at(idx))
                }
            )*
            fn column_count(&self) -> usize {
                self.map.len()
            }
            fn column_name(&self, idx: usize) -> &str {
                self.source.column_name(self.at(idx))
            }
        }
    };
}

remapped! {
    bool -> bool;
    i16 -> i16;
    i32 -> i32;
    i64 -> i64;
    u64 -> u64;
    f32 -> f32;
    f64 -> f64;
    text -> &str;
    bytes -> &[u8];
    #[cfg(feature = "chrono")] timestamp -> chrono::DateTime<chrono::Utc>;
    #[cfg(feature = "chrono")] local_timestamp -> chrono::NaiveDateTime;
    #[cfg(feature = "chrono")] date -> chrono::NaiveDate;
    #[cfg(feature = "chrono")] time -> chrono::NaiveTime;
    #[cfg(feature = "uuid")] uuid -> uuid::Uuid;
    #[cfg(feature = "rust_decimal")] decimal -> rust_decimal::Decimal;
    #[cfg(feature = "json")] json -> &str;
}
