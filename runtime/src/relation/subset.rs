//! Rows of a column subset (`.columns(…)` in a relational query): the chosen values, named,
//! and the relations loaded on them.

use std::sync::Arc;

use serde::ser::{Error as _, SerializeMap};

use super::{Relation, SetRelation};
pub use crate::query::SubsetShape;

/// A row of a column subset: the chosen columns (`columns`: one value, a tuple, or a
/// `#[derive(Selectable)]` struct) and the relations loaded on them (`relations`: a tuple, in
/// `.with(…)` order).
///
/// It reads like its columns (`row.0`, `row.title`: it dereferences to them), compares equal
/// to them when it has no relations, and serialises as one JSON object keyed by column name
/// (a struct's field names), with each loaded relation under its own name, as a whole row
/// does.
#[derive(Clone)]
pub struct Subset<C, R = ()> {
    /// The chosen columns.
    pub columns: C,
    /// The loaded relations, in `.with(…)` order.
    pub relations: R,
    names: Names,
}

/// The names a subset serialises under: its columns' (shared by every row of a query) and its
/// relations'.
#[derive(Clone)]
struct Names {
    columns: Arc<[String]>,
    /// How the columns serialise: one value, a tuple, or a struct with its own field names.
    shape: SubsetShape,
    relations: Vec<&'static str>,
}

impl<C> Subset<C, ()> {
    pub(crate) fn new(columns: C, names: Arc<[String]>, shape: SubsetShape) -> Self {
        Subset {
            columns,
            relations: (),
            names: Names {
                columns: names,
                shape,
                relations: Vec::new(),
            },
        }
    }
}

impl<C, R> std::ops::Deref for Subset<C, R> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.columns
    }
}

impl<C: std::fmt::Debug, R: std::fmt::Debug> std::fmt::Debug for Subset<C, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("Subset");
        s.field("columns", &self.columns);
        if !self.names.relations.is_empty() {
            s.field("relations", &self.relations);
        }
        s.finish()
    }
}

impl<C: PartialEq<X>, X> PartialEq<X> for Subset<C, ()> {
    fn eq(&self, other: &X) -> bool {
        self.columns == *other
    }
}

/// Adds a loaded relation to a subset's relations tuple.
#[doc(hidden)]
pub trait Append<X> {
    type Out;
    fn append(self, value: X) -> Self::Out;
}

/// The loaded relations of a subset, serialised under their names.
#[doc(hidden)]
pub trait SerializeRelations {
    fn serialize_entries<M: SerializeMap>(
        &self,
        names: &[&'static str],
        map: &mut M,
    ) -> Result<(), M::Error>;
}

macro_rules! relations_tuple {
    ($($name:ident $idx:tt)*) => {
        impl<$($name,)* X> Append<X> for ($($name,)*) {
            type Out = ($($name,)* X,);
            #[allow(non_snake_case, clippy::unused_unit)]
            fn append(self, value: X) -> Self::Out {
                let ($($name,)*) = self;
                ($($name,)* value,)
            }
        }
        impl<$($name: serde::Serialize,)*> SerializeRelations for ($($name,)*) {
            #[allow(unused_variables)]
            fn serialize_entries<M: SerializeMap>(
                &self,
                names: &[&'static str],
                map: &mut M,
            ) -> Result<(), M::Error> {
                $(
                    if let Some(name) = names.get($idx) {
                        map.serialize_entry(name, &self.$idx)?;
                    }
                )*
                Ok(())
            }
        }
    };
}

relations_tuple!();
relations_tuple!(A 0);
relations_tuple!(A 0 B 1);
relations_tuple!(A 0 B 1 C 2);
relations_tuple!(A 0 B 1 C 2 D 3);
relations_tuple!(A 0 B 1 C 2 D 3 E 4);
relations_tuple!(A 0 B 1 C 2 D 3 E 4 F 5);
relations_tuple!(A 0 B 1 C 2 D 3 E 4 F 5 G 6);
relations_tuple!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7);

impl<M: Relation, X, C, R: Append<X>> SetRelation<M, X> for Subset<C, R> {
    type Out = Subset<C, R::Out>;
    // A subset's relations are listed in its type as they are added.
    type Current = super::NotLoaded;
    fn set_relation(self, value: X) -> Self::Out {
        let mut names = self.names;
        names.relations.push(M::META.name);
        Subset {
            columns: self.columns,
            relations: self.relations.append(value),
            names,
        }
    }
}

impl<C: serde::Serialize, R: SerializeRelations> serde::Serialize for Subset<C, R> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let names = &self.names;
        // The columns' own shape (a value, an array for a tuple, an object for a struct),
        // keyed by name.
        let value = serde_json::to_value(&self.columns).map_err(S::Error::custom)?;
        let mut map = serializer.serialize_map(None)?;
        match (names.shape, value) {
            (SubsetShape::Struct, serde_json::Value::Object(fields)) => {
                for (key, value) in &fields {
                    map.serialize_entry(key, value)?;
                }
            }
            (SubsetShape::Value, value) if names.columns.len() == 1 => {
                map.serialize_entry(&names.columns[0], &value)?
            }
            (SubsetShape::Empty, _) => {}
            (SubsetShape::Tuple, serde_json::Value::Array(values))
                if values.len() == names.columns.len() =>
            {
                for (name, value) in names.columns.iter().zip(&values) {
                    map.serialize_entry(name, value)?;
                }
            }
            _ => {
                return Err(S::Error::custom(
                    "a subset's columns did not serialise as one value per column",
                ));
            }
        }
        self.relations
            .serialize_entries(&names.relations, &mut map)?;
        map.end()
    }
}

/// No columns of a level (`.no_columns()`): only its relations are loaded, as Drizzle's
/// `columns: {}`. Not constructible outside weft, so plain selects cannot take it.
#[doc(hidden)]
pub struct NoColumns(());

impl NoColumns {
    pub(crate) const fn new() -> Self {
        NoColumns(())
    }
}

impl crate::query::Selection for NoColumns {
    type Output = ();
    type Tables = ();
    const SHAPE: SubsetShape = SubsetShape::Empty;
    fn push_columns(&self, _: &mut Vec<crate::expr::Node>) {}
    fn decode(&self, _: &mut crate::decode::RowReader<'_>) -> crate::error::Result<()> {
        Ok(())
    }
    fn decode_json<J: crate::decode::JsonRow>(
        &self,
        _: &mut J,
    ) -> Result<(), crate::decode::JsonStop> {
        Ok(())
    }
}
