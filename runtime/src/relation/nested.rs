//! Decoding relations loaded in one statement: each relation column's JSON text (borrowed from
//! the result row) is parsed straight into typed rows by serde visitors that the loader tree
//! drives, with no intermediate JSON value tree.
//!
//! A relation column holds `[[col1, col2, …, relation1, …], …]`: one positional array per
//! related row, its columns in the loader's order, then its own relations' arrays.

use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Error as _, IgnoredAny, SeqAccess, Visitor};

use super::load::Loader;
use super::{Relation, RelationMeta};
use crate::decode::RowReader;
use crate::decode::{JsonRow, JsonStop};
use crate::error::{Error, Result};
use crate::schema::Table;
use crate::value::SqlValue;

/// The first failure of a nested decode: serde's errors cannot carry the table and column, so
/// they are kept aside and become the [`Error::Decode`] returned.
struct Failure {
    table: &'static str,
    column: &'static str,
    message: String,
}

type Slot = Option<Failure>;

fn record(slot: &mut Slot, table: &'static str, column: &'static str, message: String) -> JsonStop {
    // The innermost failure is the useful one: outer levels only see it propagate.
    if slot.is_none() {
        *slot = Some(Failure {
            table,
            column,
            message,
        });
    }
    JsonStop
}

/// A nested row's relations, after its columns ([`JsonRow`]): only loaders read them.
#[doc(hidden)]
pub trait JsonRelations: JsonRow {
    /// Reads the next value as the rows of relation `M`, each decoded by `loader`.
    fn relation<M: Relation, C: Loader>(&mut self, loader: &C) -> Result<Vec<C::Out>, JsonStop>;
}

fn relation_fail(slot: &mut Slot, meta: &RelationMeta, message: String) -> JsonStop {
    record(slot, meta.source.name, meta.name, message)
}

/// Attaches the relations of one result row, read from its remaining columns (one JSON text
/// per relation, in the loader's order).
pub(crate) fn attach_relations<L: Loader>(
    loader: &L,
    base: L::Row,
    reader: &mut RowReader<'_>,
    sql: &str,
) -> Result<L::Out> {
    let mut slot = None;
    let mut root = RootRow {
        reader,
        table: L::Table::META.name,
        slot: &mut slot,
    };
    loader.attach_json(base, &mut root).map_err(|JsonStop| {
        let failure = slot.unwrap_or(Failure {
            table: L::Table::META.name,
            column: "relation",
            message: "nested JSON could not be decoded".into(),
        });
        Error::Decode {
            table: failure.table,
            column: failure.column,
            message: failure.message,
            sql: sql.to_owned(),
        }
    })
}

/// The top-level row: relations are SQL columns holding JSON text.
struct RootRow<'a, 'r> {
    reader: &'a mut RowReader<'r>,
    table: &'static str,
    slot: &'a mut Slot,
}

impl JsonRow for RootRow<'_, '_> {
    fn column<V: SqlValue>(&mut self, column: &'static str) -> Result<V, JsonStop> {
        self.reader.column(self.table, column).map_err(|e| {
            let message = match e {
                Error::Decode { message, .. } => message,
                other => other.to_string(),
            };
            record(self.slot, self.table, column, message)
        })
    }

    fn fail(&mut self, table: &'static str, column: &'static str, message: String) -> JsonStop {
        record(self.slot, table, column, message)
    }
}

impl JsonRelations for RootRow<'_, '_> {
    fn relation<M: Relation, C: Loader>(&mut self, loader: &C) -> Result<Vec<C::Out>, JsonStop> {
        let text = self
            .reader
            .next_str()
            .map_err(|m| relation_fail(self.slot, M::META, m))?;
        let mut de = serde_json::Deserializer::from_str(text);
        let seed = RowsSeed {
            loader,
            slot: &mut *self.slot,
        };
        seed.deserialize(&mut de)
            .and_then(|rows| de.end().map(|()| rows))
            .map_err(|e| relation_fail(self.slot, M::META, format!("invalid nested JSON: {e}")))
    }
}

/// A related row: the elements of its positional array.
struct SeqRow<'a, A> {
    seq: A,
    table: &'static str,
    slot: &'a mut Slot,
}

impl<'de, A: SeqAccess<'de>> JsonRow for SeqRow<'_, A> {
    #[inline]
    fn column<V: SqlValue>(&mut self, column: &'static str) -> Result<V, JsonStop> {
        let message = match self.seq.next_element_seed(ColumnSeed::<V>(PhantomData)) {
            Ok(Some(Ok(value))) => return Ok(value),
            Ok(Some(Err(message))) => message,
            Ok(None) => "missing from the nested row".into(),
            Err(e) => e.to_string(),
        };
        Err(record(self.slot, self.table, column, message))
    }

    fn fail(&mut self, table: &'static str, column: &'static str, message: String) -> JsonStop {
        record(self.slot, table, column, message)
    }
}

impl<'de, A: SeqAccess<'de>> JsonRelations for SeqRow<'_, A> {
    fn relation<M: Relation, C: Loader>(&mut self, loader: &C) -> Result<Vec<C::Out>, JsonStop> {
        let seed = RowsSeed {
            loader,
            slot: &mut *self.slot,
        };
        match self.seq.next_element_seed(seed) {
            Ok(Some(rows)) => Ok(rows),
            Ok(None) => Err(relation_fail(
                self.slot,
                M::META,
                "missing from the nested row".into(),
            )),
            Err(e) => Err(relation_fail(
                self.slot,
                M::META,
                format!("expected a JSON array of related rows: {e}"),
            )),
        }
    }
}

/// One column value, read by its type's JSON decoder.
struct ColumnSeed<V>(PhantomData<fn() -> V>);

impl<'de, V: SqlValue> DeserializeSeed<'de> for ColumnSeed<V> {
    type Value = std::result::Result<V, String>;
    #[inline]
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        V::from_json(d)
    }
}

/// A relation's array of related rows.
struct RowsSeed<'a, C> {
    loader: &'a C,
    slot: &'a mut Slot,
}

impl<'de, C: Loader> DeserializeSeed<'de> for RowsSeed<'_, C> {
    type Value = Vec<C::Out>;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, C: Loader> Visitor<'de> for RowsSeed<'_, C> {
    type Value = Vec<C::Out>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of related rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let slot = self.slot;
        while let Some(row) = seq.next_element_seed(RowSeed {
            loader: self.loader,
            slot: &mut *slot,
        })? {
            rows.push(row);
        }
        Ok(rows)
    }
}

/// One related row: its columns, then its own relations.
struct RowSeed<'a, C> {
    loader: &'a C,
    slot: &'a mut Slot,
}

impl<'de, C: Loader> DeserializeSeed<'de> for RowSeed<'_, C> {
    type Value = C::Out;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, C: Loader> Visitor<'de> for RowSeed<'_, C> {
    type Value = C::Out;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a related row as a JSON array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<Self::Value, A::Error> {
        let table = C::Table::META.name;
        let mut row = SeqRow {
            seq,
            table,
            slot: self.slot,
        };
        let stopped = |JsonStop| A::Error::custom("decoding a related row failed");
        let base = self.loader.decode_base_json(&mut row).map_err(stopped)?;
        let out = self.loader.attach_json(base, &mut row).map_err(stopped)?;
        if row.seq.next_element::<IgnoredAny>()?.is_some() {
            let message = "malformed related row: more values than columns and relations".into();
            return Err(stopped(record(row.slot, table, "", message)));
        }
        Ok(out)
    }
}
