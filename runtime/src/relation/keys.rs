//! The keys rows are matched on: a parent's key values, read from a row's columns, hashed
//! into the buckets of a batched load, and bound as the next level's `IN (…)` values.

use super::sql::{PlanRef, parent_key_types};
use super::tap::Tap;
use super::{RelationMeta, relation_error};
use crate::decode::RowRef;
use crate::error::Result;
use crate::value::{SqlType, SqlValue, Value};

/// A key value (possibly composite) that rows are matched on. A single-column key (the common
/// case) is held inline; a relation's keys always have the same number of columns.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    One(KeyPart),
    Many(Vec<KeyPart>),
}

/// An integer key (the common case, hashed once per row of a batched load) hashes as its
/// integer alone; equal keys still hash alike (a `One` equals only a `One`).
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Key::One(KeyPart::Int(i)) => state.write_i64(*i),
            Key::One(part) => part.hash(state),
            Key::Many(parts) => parts.hash(state),
        }
    }
}

impl Key {
    pub(super) fn from_parts<E>(
        mut parts: impl ExactSizeIterator<Item = std::result::Result<KeyPart, E>>,
    ) -> std::result::Result<Key, E> {
        if parts.len() == 1
            && let Some(part) = parts.next()
        {
            return part.map(Key::One);
        }
        parts.collect::<std::result::Result<_, _>>().map(Key::Many)
    }

    /// The key's columns.
    pub(crate) fn parts(&self) -> &[KeyPart] {
        match self {
            Key::One(part) => std::slice::from_ref(part),
            Key::Many(parts) => parts,
        }
    }

    pub(super) fn has_null(&self) -> bool {
        self.parts().contains(&KeyPart::Null)
    }
}

/// One column of a key.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyPart {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl KeyPart {
    /// The key part as a bind value of the column's type.
    pub(crate) fn to_value(&self, ty: SqlType) -> Value {
        match (self, ty) {
            (KeyPart::Null, t) => Value::Null(t),
            (KeyPart::Int(i), SqlType::Bool) => Value::Bool(*i != 0),
            (KeyPart::Int(i), SqlType::SmallInt) => Value::I16(*i as i16),
            (KeyPart::Int(i), SqlType::Int) => Value::I32(*i as i32),
            (KeyPart::Int(i), _) => Value::I64(*i),
            (KeyPart::Text(s), SqlType::Enum(ty)) => Value::Enum(ty, s.clone()),
            (KeyPart::Text(s), _) => Value::Text(s.clone()),
            #[cfg(feature = "uuid")]
            (KeyPart::Bytes(b), SqlType::Uuid) => uuid::Uuid::from_slice(b)
                .map(Value::Uuid)
                .unwrap_or_else(|_| Value::Bytes(b.clone())),
            (KeyPart::Bytes(b), _) => Value::Bytes(b.clone()),
        }
    }
}

fn read_part(row: RowRef<'_>, idx: usize, ty: SqlType) -> std::result::Result<KeyPart, String> {
    // The common key, read first and asked about NULL only when it does not read.
    if ty == SqlType::BigInt {
        return match i64::decode(row, idx) {
            Ok(i) => Ok(KeyPart::Int(i)),
            Err(_) if row.is_null(idx) => Ok(KeyPart::Null),
            Err(e) => Err(e),
        };
    }
    if row.is_null(idx) {
        return Ok(KeyPart::Null);
    }
    Ok(match ty {
        SqlType::Bool => KeyPart::Int(bool::decode(row, idx)? as i64),
        SqlType::SmallInt => KeyPart::Int(i16::decode(row, idx)?.into()),
        SqlType::Int => KeyPart::Int(i32::decode(row, idx)?.into()),
        SqlType::BigInt => KeyPart::Int(i64::decode(row, idx)?),
        SqlType::Text | SqlType::Enum(_) => KeyPart::Text(String::decode(row, idx)?),
        SqlType::Blob => KeyPart::Bytes(Vec::<u8>::decode(row, idx)?),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => KeyPart::Bytes(uuid::Uuid::decode(row, idx)?.as_bytes().to_vec()),
        other => return Err(format!("{other:?} columns cannot be relation keys")),
    })
}

/// Hashing for key maps: foldhash, fast on the integer keys that are the common case and
/// randomly seeded per map, so text keys users choose cannot be crafted to collide.
pub(crate) type KeyBuild = foldhash::fast::RandomState;

/// Reads the key in columns `cols`.
pub(super) fn read_key(
    row: RowRef<'_>,
    cols: &[usize],
    types: &[SqlType],
    sql: &str,
    meta: &RelationMeta,
) -> Result<Key> {
    let key = match (cols, types) {
        ([col], [ty]) => read_part(row, *col, *ty).map(Key::One),
        _ => Key::from_parts(cols.iter().zip(types).map(|(&c, &t)| read_part(row, c, t))),
    };
    key.map_err(|m| relation_error(meta, m, sql))
}

/// Where the keys of the relations loaded on a level are in its rows: each relation's parent
/// key columns (`source_keys`) and their types.
pub(crate) struct KeyColumns(Vec<(&'static RelationMeta, Vec<usize>, Vec<SqlType>)>);

impl KeyColumns {
    /// For the relations `plans`, whose key columns are at `positions` (see
    /// [`key_positions`](super::sql::key_positions)) counted from column `offset`.
    pub(crate) fn new(plans: &[PlanRef<'_>], offset: usize, positions: &[Vec<usize>]) -> Self {
        KeyColumns(
            plans
                .iter()
                .zip(positions)
                .map(|(p, at)| {
                    let cols = at.iter().map(|c| c + offset);
                    (p.meta, cols.collect(), parent_key_types(p.meta))
                })
                .collect(),
        )
    }

    /// The columns of the relations' single-column `BIGINT` keys.
    pub(crate) fn integer_columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.0
            .iter()
            .filter_map(|(_, cols, types)| match (&cols[..], &types[..]) {
                ([col], [SqlType::BigInt]) => Some(*col),
                _ => None,
            })
    }

    /// [`read`](Self::read), taking a key `tap` noted as the row was decoded.
    pub(crate) fn read_tapped(
        &self,
        row: RowRef<'_>,
        sql: &str,
        tap: &Tap<'_>,
    ) -> Result<Vec<Key>> {
        self.0
            .iter()
            .map(|(meta, cols, types)| match (&cols[..], &types[..]) {
                ([col], [SqlType::BigInt]) if let Some(key) = tap.value_of(*col) => {
                    Ok(Key::One(KeyPart::Int(key)))
                }
                _ => read_key(row, cols, types, sql, meta),
            })
            .collect()
    }

    /// One row's keys, one per relation.
    pub(crate) fn read(&self, row: RowRef<'_>, sql: &str) -> Result<Vec<Key>> {
        self.0
            .iter()
            .map(|(meta, cols, types)| read_key(row, cols, types, sql, meta))
            .collect()
    }
}
