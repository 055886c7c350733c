//! What a query returns: whole tables, left-joined tables, columns, expressions and tuples
//! of them. Decoding is driven by the selection, so the output type is exactly what was asked.

use std::marker::PhantomData;

use crate::decode::RowReader;
use crate::decode::{JsonRow, JsonStop};
use crate::error::Error;
use crate::expr::{Column, Dep, Expr, Expression, Node, TableSource};
use crate::schema::{DecodeRow, Table};
use crate::value::SqlValue;

/// Something a query can return: the columns it selects and how to decode them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be selected",
    label = "expected a column, an expression, or a tuple of them",
    note = "select columns like `(User::id, User::name)`"
)]
pub trait Selection: Send + Sync {
    /// The Rust type of one result row.
    type Output: Send;
    /// The tables read (a type-level list).
    type Tables;
    /// How the output serialises, for naming a relational query's column subset.
    #[doc(hidden)]
    const SHAPE: SubsetShape = SubsetShape::Value;
    #[doc(hidden)]
    fn push_columns(&self, out: &mut Vec<Node>);
    #[doc(hidden)]
    fn decode(&self, reader: &mut RowReader<'_>) -> Result<Self::Output, Error>;
    /// Reads the selection from its columns' JSON projections (relations loaded in one
    /// statement), consuming one value per column.
    #[doc(hidden)]
    fn decode_json<R: JsonRow>(&self, row: &mut R) -> Result<Self::Output, JsonStop>;
}

/// How a selection's output serialises: what a column subset of a relational query
/// ([`crate::Subset`]) keys by column name.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubsetShape {
    /// No columns.
    Empty,
    /// One value.
    Value,
    /// A tuple: one array element per column.
    Tuple,
    /// A struct that serialises with its own field names.
    Struct,
}

/// Every column of `T`, decoded as `T`.
pub struct All<T>(PhantomData<fn() -> T>);

impl<T> All<T> {
    pub(crate) fn new() -> Self {
        All(PhantomData)
    }
}

impl<T: TableSource> Selection for All<T> {
    type Output = T::Row;
    type Tables = Dep<T>;
    const SHAPE: SubsetShape = SubsetShape::Struct;
    fn push_columns(&self, out: &mut Vec<Node>) {
        let table = T::NAME;
        out.extend(T::Row::META.columns.iter().map(|c| Node::Column {
            table,
            name: c.name,
        }));
    }
    #[inline]
    fn decode(&self, reader: &mut RowReader<'_>) -> Result<T::Row, Error> {
        T::Row::decode(reader)
    }
    fn decode_json<R: JsonRow>(&self, row: &mut R) -> Result<T::Row, JsonStop> {
        T::Row::decode_json(row)
    }
}

/// Every column of a left-joined `T`: `None` when the join matched no row.
pub struct Nullable<T>(PhantomData<fn() -> T>);

impl<T> Nullable<T> {
    pub(crate) fn new() -> Self {
        Nullable(PhantomData)
    }
}

impl<T: TableSource> Selection for Nullable<T> {
    type Output = Option<T::Row>;
    type Tables = Dep<T>;
    fn push_columns(&self, out: &mut Vec<Node>) {
        All::<T>::new().push_columns(out)
    }
    fn decode(&self, reader: &mut RowReader<'_>) -> Result<Option<T::Row>, Error> {
        let meta = T::Row::META;
        // A primary key is never NULL in a real row; without one, all columns must be NULL.
        let missing = if meta.primary_key.is_empty() {
            reader.next_all_null(0..meta.columns.len())
        } else {
            reader.next_all_null(meta.primary_key.iter().copied())
        };
        if missing {
            reader.skip(meta.columns.len());
            Ok(None)
        } else {
            T::Row::decode(reader).map(Some)
        }
    }
    // Only a plain query's `left_join` builds this selection, and those rows are never JSON
    // (a relation's `.columns(…)` cannot be given one).
    fn decode_json<R: JsonRow>(&self, row: &mut R) -> Result<Option<T::Row>, JsonStop> {
        let message = "a left-joined table cannot be read from nested JSON".to_owned();
        Err(row.fail(T::NAME, "", message))
    }
}

impl<T: Send + Sync, V: SqlValue> Selection for Column<T, V> {
    type Output = V;
    type Tables = Dep<T>;
    fn push_columns(&self, out: &mut Vec<Node>) {
        out.push(Expression::into_node(*self));
    }
    #[inline]
    fn decode(&self, reader: &mut RowReader<'_>) -> Result<V, Error> {
        reader.column(self.table_name(), self.name())
    }
    #[inline]
    fn decode_json<R: JsonRow>(&self, row: &mut R) -> Result<V, JsonStop> {
        row.column(self.name())
    }
}

impl<V: SqlValue, D> Selection for Expr<V, D> {
    type Output = V;
    type Tables = D;
    fn push_columns(&self, out: &mut Vec<Node>) {
        out.push(self.clone().into_node());
    }
    fn decode(&self, reader: &mut RowReader<'_>) -> Result<V, Error> {
        reader.column("?", "expression")
    }
    fn decode_json<R: JsonRow>(&self, row: &mut R) -> Result<V, JsonStop> {
        row.column("expression")
    }
}

macro_rules! tuple_selection {
    ($($name:ident)+) => {
        impl<$($name: Selection),+> Selection for ($($name,)+) {
            type Output = ($($name::Output,)+);
            type Tables = tuple_selection!(@tables $($name)+);
            const SHAPE: SubsetShape = SubsetShape::Tuple;
            fn push_columns(&self, out: &mut Vec<Node>) {
                #[allow(non_snake_case)]
                let ($($name,)+) = self;
                $($name.push_columns(out);)+
            }
            #[inline]
            fn decode(&self, reader: &mut RowReader<'_>) -> Result<Self::Output, Error> {
                #[allow(non_snake_case)]
                let ($($name,)+) = self;
                Ok(($($name.decode(reader)?,)+))
            }
            fn decode_json<R: JsonRow>(&self, row: &mut R) -> Result<Self::Output, JsonStop> {
                #[allow(non_snake_case)]
                let ($($name,)+) = self;
                Ok(($($name.decode_json(row)?,)+))
            }
        }
    };
    (@tables $head:ident $($rest:ident)*) => { ($head::Tables, tuple_selection!(@tables $($rest)*)) };
    (@tables) => { () };
}

tuple_selection!(A);
tuple_selection!(A B);
tuple_selection!(A B C);
tuple_selection!(A B C D);
tuple_selection!(A B C D E);
tuple_selection!(A B C D E F);
tuple_selection!(A B C D E F G);
tuple_selection!(A B C D E F G H);
tuple_selection!(A B C D E F G H I);
tuple_selection!(A B C D E F G H I J);
tuple_selection!(A B C D E F G H I J K);
tuple_selection!(A B C D E F G H I J K L);

/// Adds a joined table's selection to the default selection (whole tables).
#[diagnostic::on_unimplemented(
    message = "join before choosing columns",
    label = "this query already selects `{Self}`",
    note = "call `.inner_join`/`.left_join`/`.right_join`/`.full_join`/`.cross_join` first, then `.columns(…)`"
)]
pub trait JoinSelection<X> {
    /// The selection with `X` appended.
    type Out;
    #[doc(hidden)]
    fn append(self, x: X) -> Self::Out;
}

impl<T, X> JoinSelection<X> for All<T> {
    type Out = (All<T>, X);
    fn append(self, x: X) -> Self::Out {
        (self, x)
    }
}

impl<T, X> JoinSelection<X> for Nullable<T> {
    type Out = (Nullable<T>, X);
    fn append(self, x: X) -> Self::Out {
        (self, x)
    }
}

macro_rules! join_selection {
    ($($name:ident)+) => {
        impl<$($name,)+ X> JoinSelection<X> for ($($name,)+) {
            type Out = ($($name,)+ X);
            #[allow(non_snake_case)]
            fn append(self, x: X) -> Self::Out {
                let ($($name,)+) = self;
                ($($name,)+ x)
            }
        }
    };
}

join_selection!(A B);
join_selection!(A B C);
join_selection!(A B C D);
join_selection!(A B C D E);

/// A query's FROM and JOIN tables with one more table appended.
pub trait AddTable<T> {
    /// The longer list.
    type Out;
}

macro_rules! add_table {
    ($($name:ident)+) => {
        impl<$($name,)+ T> AddTable<T> for ($($name,)+) {
            type Out = ($($name,)+ T);
        }
    };
}

add_table!(A);
add_table!(A B);
add_table!(A B C);
add_table!(A B C D);
add_table!(A B C D E);

/// A struct that names the columns it is read from: `#[derive(weft::Selectable)]`.
///
/// Select it with `.columns(MyRow::as_select())`. Implemented by the derive; not meant to be
/// written by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a selectable struct",
    label = "expected a struct with `#[derive(weft::Selectable)]`",
    note = "add `#[derive(weft::Selectable)] #[selectable(table = YourTable)]` to `{Self}`"
)]
pub trait Selectable: Sized + Send {
    /// The columns, as a (possibly nested) tuple.
    type Columns: Selection;
    #[doc(hidden)]
    fn columns() -> Self::Columns;
    #[doc(hidden)]
    fn from_output(output: <Self::Columns as Selection>::Output) -> Self;
}

/// The selection of a [`Selectable`] struct.
pub struct As<R: Selectable> {
    columns: R::Columns,
}

impl<R: Selectable> As<R> {
    /// The selection of `R` (what `R::as_select()` returns).
    pub fn new() -> Self {
        As {
            columns: R::columns(),
        }
    }
}

impl<R: Selectable> Default for As<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Selectable> Selection for As<R>
where
    R::Columns: Selection,
{
    type Output = R;
    type Tables = <R::Columns as Selection>::Tables;
    const SHAPE: SubsetShape = SubsetShape::Struct;
    fn push_columns(&self, out: &mut Vec<Node>) {
        self.columns.push_columns(out)
    }
    #[inline]
    fn decode(&self, reader: &mut RowReader<'_>) -> Result<R, Error> {
        self.columns.decode(reader).map(R::from_output)
    }
    fn decode_json<J: JsonRow>(&self, row: &mut J) -> Result<R, JsonStop> {
        self.columns.decode_json(row).map(R::from_output)
    }
}

/// Which field types may hold a column of type `V`: `V` itself, or `Option<V>` (for columns
/// of a left-joined table).
#[diagnostic::on_unimplemented(
    message = "a field of type `{Self}` cannot hold a column of type `{V}`",
    label = "this field's type does not match its column",
    note = "use the column's type `{V}`, or `Option<{V}>`"
)]
pub trait FieldOf<V> {}
impl<V: SqlValue> FieldOf<V> for V {}
impl<V: SqlValue> FieldOf<V> for Option<V> {}

impl<T, V> Column<T, V> {
    /// This column, read into a field of type `F` (used by `#[derive(Selectable)]`). A method
    /// so that `V` is known before `F` is checked against it.
    #[doc(hidden)]
    pub const fn __select_as<F: FieldOf<V>>(self) -> Column<T, F> {
        Column::new(self.table_name(), self.name())
    }
}
