//! Relation metadata, and resolving a relation's keys at compile time from the tables'
//! metadata: `references` foreign keys when they are unambiguous, the `from`/`to` columns the
//! relation names otherwise. Mistakes stop compilation with a message the derive wrote.

use super::TableMeta;

/// Up to four column positions (composite keys).
#[derive(Debug, Clone, Copy)]
pub struct Keys {
    cols: [usize; 4],
    len: usize,
}

impl Keys {
    const EMPTY: Keys = Keys {
        cols: [0; 4],
        len: 0,
    };

    const fn push(mut self, col: usize, fail: &'static str) -> Keys {
        if self.len == 4 {
            panic!("{}", fail);
        }
        self.cols[self.len] = col;
        self.len += 1;
        self
    }

    /// The positions.
    pub const fn as_slice(&self) -> &[usize] {
        self.cols.split_at(self.len).0
    }

    /// How many columns.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// How many related rows a parent has: the relation's kind as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// Any number (`#[relation(many = …)]`, [`kind::Many`](crate::kind::Many)): the field
    /// loads a `Vec`.
    ZeroOrMore,
    /// Exactly one (a non-null foreign key on the source, [`kind::One`](crate::kind::One)):
    /// the field loads the row.
    ExactlyOne,
    /// At most one ([`kind::OptionalOne`](crate::kind::OptionalOne)): the field loads an
    /// `Option`.
    ZeroOrOne,
}

/// A relation with its keys resolved, listed in its table's [`TableMeta::relations`].
///
/// Without a junction, row pairs match where `source.source_keys = target.target_keys`. With
/// one, where `source.source_keys = junction.junction_source` and
/// `junction.junction_target = target.target_keys`.
///
/// `source`, `target` and `through` are the tables' metadata *without their relations*
/// (their `relations` is empty): a table's relations are resolved from the other tables'
/// columns, and theirs from its own, so a constant holding both would be a cycle. Find a
/// table's full metadata by name (for example among [`crate::Tables::metas`]).
#[derive(Debug)]
pub struct RelationMeta {
    /// The relation field's name.
    pub name: &'static str,
    /// Many, one or optional one.
    pub kind: Cardinality,
    /// The table the relation is declared on.
    pub source: &'static TableMeta,
    /// The related table.
    pub target: &'static TableMeta,
    /// The junction table, for `through` relations.
    pub through: Option<&'static TableMeta>,
    /// Source columns.
    pub source_keys: Keys,
    /// Target columns.
    pub target_keys: Keys,
    /// Junction columns matching `source_keys`.
    pub junction_source: Keys,
    /// Junction columns matching `target_keys`.
    pub junction_target: Keys,
}

impl RelationMeta {
    /// The table and columns on the related side that hold a parent's key: the junction's
    /// `junction_source` for `through` relations, the target's `target_keys` otherwise.
    pub(crate) fn child_side(&self) -> (&'static TableMeta, &[usize]) {
        match self.through {
            Some(junction) => (junction, self.junction_source.as_slice()),
            None => (self.target, self.target_keys.as_slice()),
        }
    }
}

/// Relations are the same when they are the same field of the same table.
impl PartialEq for RelationMeta {
    fn eq(&self, other: &Self) -> bool {
        self.source.name == other.source.name && self.name == other.name
    }
}

/// What `#[relation(…)]` says, for [`resolve`]. The messages are written by the derive, with
/// the user's names in them.
#[doc(hidden)]
pub struct RelationSpec {
    pub name: &'static str,
    pub source: &'static TableMeta,
    pub target: &'static TableMeta,
    pub through: Option<&'static TableMeta>,
    pub kind: Cardinality,
    /// Columns named by `from` as (table, column): on the source, or on the junction for
    /// `through`.
    pub from: &'static [(&'static str, &'static str)],
    /// Columns named by `to`: on the target, or on the junction for `through`.
    pub to: &'static [(&'static str, &'static str)],
    /// No foreign key links the tables.
    pub no_key: &'static str,
    /// Several foreign keys could link them.
    pub ambiguous: &'static str,
    /// `from` and `to` name different numbers of columns, or a key is malformed.
    pub mismatch: &'static str,
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn position(table: &TableMeta, column: &str, fail: &'static str) -> usize {
    let mut i = 0;
    while i < table.columns.len() {
        if str_eq(table.columns[i].name, column) {
            return i;
        }
        i += 1;
    }
    panic!("{}", fail)
}

/// The positions of `columns` in `table`; each must be a column of `table`.
const fn positions(table: &TableMeta, columns: &[(&str, &str)], fail: &'static str) -> Keys {
    let mut keys = Keys::EMPTY;
    let mut i = 0;
    while i < columns.len() {
        if !str_eq(columns[i].0, table.name) {
            panic!("{}", fail);
        }
        keys = keys.push(position(table, columns[i].1, fail), fail);
        i += 1;
    }
    keys
}

/// Keys are matched by value in Rust as well as in SQL: only exact, hashable types qualify.
const fn check_key_types(table: &TableMeta, keys: Keys, fail: &'static str) {
    use crate::value::SqlType::*;
    let mut i = 0;
    while i < keys.len {
        match table.columns[keys.cols[i]].sql_type {
            Bool | SmallInt | Int | BigInt | Text | Enum(_) | Blob | Uuid => {}
            _ => panic!("{}", fail),
        }
        i += 1;
    }
}

/// The single column of `on` with a foreign key into `into`: `(count, column)`.
const fn foreign_keys_into(on: &TableMeta, into: &TableMeta) -> (usize, usize) {
    let (mut count, mut found) = (0, 0);
    let mut i = 0;
    while i < on.columns.len() {
        if let Some(fk) = on.columns[i].references
            && str_eq(fk.table, into.name)
        {
            count += 1;
            found = i;
        }
        i += 1;
    }
    (count, found)
}

/// The columns of `other` that junction columns `cols` stand for: what their foreign keys
/// reference, or else `other`'s primary key in order.
const fn counterparts(
    junction: &TableMeta,
    cols: Keys,
    other: &TableMeta,
    spec: &RelationSpec,
) -> Keys {
    let mut keys = Keys::EMPTY;
    let mut i = 0;
    while i < cols.len {
        let col = &junction.columns[cols.cols[i]];
        let pos = match col.references {
            Some(fk) if str_eq(fk.table, other.name) => position(other, fk.column, spec.mismatch),
            _ => {
                if other.primary_key.len() != cols.len {
                    panic!("{}", spec.mismatch);
                }
                other.primary_key[i]
            }
        };
        keys = keys.push(pos, spec.mismatch);
        i += 1;
    }
    keys
}

/// One side of a junction: the named columns, or the one foreign key into `side`.
const fn junction_side(
    junction: &TableMeta,
    named: &[(&str, &str)],
    side: &TableMeta,
    spec: &RelationSpec,
) -> Keys {
    if !named.is_empty() {
        return positions(junction, named, spec.mismatch);
    }
    match foreign_keys_into(junction, side) {
        (1, col) => Keys::EMPTY.push(col, spec.mismatch),
        (0, _) => panic!("{}", spec.no_key),
        _ => panic!("{}", spec.ambiguous),
    }
}

/// Resolves a relation's keys; a mistake is a compile error with the spec's message.
pub const fn resolve(spec: RelationSpec) -> RelationMeta {
    let (source, target) = (spec.source, spec.target);
    let mut meta = RelationMeta {
        name: spec.name,
        source,
        target,
        through: spec.through,
        kind: spec.kind,
        source_keys: Keys::EMPTY,
        target_keys: Keys::EMPTY,
        junction_source: Keys::EMPTY,
        junction_target: Keys::EMPTY,
    };
    if let Some(junction) = spec.through {
        meta.junction_source = junction_side(junction, spec.from, source, &spec);
        meta.junction_target = junction_side(junction, spec.to, target, &spec);
        meta.source_keys = counterparts(junction, meta.junction_source, source, &spec);
        meta.target_keys = counterparts(junction, meta.junction_target, target, &spec);
    } else if !spec.from.is_empty() || !spec.to.is_empty() {
        meta.source_keys = positions(source, spec.from, spec.mismatch);
        meta.target_keys = positions(target, spec.to, spec.mismatch);
    } else {
        // The foreign key on the target (to-many, or a one-to-one seen from the referenced
        // side) or on the source (to-one).
        let on_target = foreign_keys_into(target, source);
        let on_source = foreign_keys_into(source, target);
        let many = matches!(spec.kind, Cardinality::ZeroOrMore);
        let (fk_on_target, count, col) = if many || on_source.0 == 0 {
            (true, on_target.0, on_target.1)
        } else {
            (false, on_source.0, on_source.1)
        };
        if count == 0 {
            panic!("{}", spec.no_key);
        } else if count > 1 {
            panic!("{}", spec.ambiguous);
        }
        let (fk_table, other) = if fk_on_target {
            (target, source)
        } else {
            (source, target)
        };
        let fk_col = col;
        let referenced = match fk_table.columns[fk_col].references {
            Some(fk) => position(other, fk.column, spec.mismatch),
            None => panic!("{}", spec.mismatch),
        };
        if fk_on_target {
            meta.source_keys = Keys::EMPTY.push(referenced, spec.mismatch);
            meta.target_keys = Keys::EMPTY.push(fk_col, spec.mismatch);
        } else {
            meta.source_keys = Keys::EMPTY.push(fk_col, spec.mismatch);
            meta.target_keys = Keys::EMPTY.push(referenced, spec.mismatch);
        }
    }
    let lined_up = match spec.through {
        Some(_) => {
            meta.junction_source.len == meta.source_keys.len
                && meta.junction_target.len == meta.target_keys.len
        }
        None => meta.source_keys.len == meta.target_keys.len,
    };
    if !lined_up || meta.source_keys.is_empty() || meta.target_keys.is_empty() {
        panic!("{}", spec.mismatch);
    }
    check_key_types(source, meta.source_keys, spec.mismatch);
    check_key_types(target, meta.target_keys, spec.mismatch);
    if let Some(junction) = spec.through {
        check_key_types(junction, meta.junction_source, spec.mismatch);
        check_key_types(junction, meta.junction_target, spec.mismatch);
    }
    meta
}
