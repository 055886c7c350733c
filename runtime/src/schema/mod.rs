//! Tables and their static metadata, as `#[derive(Table)]` generates them.

mod ddl;
mod relation;

pub use crate::decode::DecodeRow;
pub use ddl::in_dependency_order;
pub use relation::{Cardinality, Keys, RelationMeta, RelationSpec, resolve};

use crate::value::{InsertSlot, SqlType, Value, ValueRef};

/// A struct that maps to a table: its metadata and its insert form. Implemented by
/// `#[derive(Table)]`; not meant to be written by hand.
///
/// Reading rows is the separate [`DecodeRow`], which the derive implements beside it; a tool
/// that only reads [`Table::META`] never touches it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a weft table",
    label = "expected a struct with `#[derive(weft::Table)]`",
    note = "add `#[derive(weft::Table)]` to `{Self}`"
)]
pub trait Table: DecodeRow + Sized + Send + Sync + Unpin + 'static {
    /// Name, columns, keys, indexes, constraints and relations.
    const META: &'static TableMeta;
    /// [`Table::META`] without its relations, which is what resolving a relation reads: a
    /// table's relations depend on the other tables' columns and theirs on its own, and a
    /// constant cannot depend on itself.
    #[doc(hidden)]
    const META_WITHOUT_RELATIONS: &'static TableMeta;
    /// The insert form: auto-incremented and defaulted columns may be left out of it.
    type Insert: Insertable<Table = Self>;
    /// The types of the columns, in order, as a tuple: `(i64, String)` for
    /// `struct User { id: i64, name: String }`. A derived table or a CTE whose shape is this
    /// table must select exactly these (see [`Select::alias`](crate::Select::alias)).
    type Row;
}

/// One table or a tuple of tables, for [`crate::Db::create_tables`] and
/// [`crate::Db::drop_tables`]: `db.create_tables::<(User, Post)>()`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a table or a tuple of tables",
    note = "name tables as `::<User>` or `::<(User, Post, Comment)>`"
)]
pub trait Tables {
    /// The tables' metadata, in the order given.
    fn metas() -> Vec<&'static TableMeta>;
}

impl<T: Table> Tables for T {
    fn metas() -> Vec<&'static TableMeta> {
        vec![T::META]
    }
}

macro_rules! tuple_tables {
    ($($name:ident)+) => {
        impl<$($name: Table),+> Tables for ($($name,)+) {
            fn metas() -> Vec<&'static TableMeta> {
                vec![$($name::META),+]
            }
        }
    };
}

tuple_tables!(A);
tuple_tables!(A B);
tuple_tables!(A B C);
tuple_tables!(A B C D);
tuple_tables!(A B C D E);
tuple_tables!(A B C D E F);
tuple_tables!(A B C D E F G);
tuple_tables!(A B C D E F G H);
tuple_tables!(A B C D E F G H I);
tuple_tables!(A B C D E F G H I J);
tuple_tables!(A B C D E F G H I J K);
tuple_tables!(A B C D E F G H I J K L);

/// A row that can be inserted into [`Insertable::Table`]: the table's struct itself (every
/// column given) or its generated insert form.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be inserted",
    label = "expected a table struct or its insert form",
    note = "`#[derive(Table)]` on `struct User` generates `NewUser`, in which auto and defaulted columns are optional"
)]
pub trait Insertable: Send + Sync {
    /// The table the row goes into.
    type Table: Table;
    /// How an insert of such rows holds their values: moved ([`Value`]) for a row given by
    /// value, borrowed ([`ValueRef`]) for a row given by reference.
    #[doc(hidden)]
    type Slot: InsertSlot;
    /// Writes one entry per column of the table, in order: `Some` for a given value, `None`
    /// for a column left to its default.
    #[doc(hidden)]
    fn write_values(&self, out: &mut [Option<Value>]);
    /// Like `write_values`, borrowing the row's text and bytes instead of copying them.
    #[doc(hidden)]
    fn write_refs<'a>(&'a self, out: &mut [Option<ValueRef<'a>>]);
    /// The row's values as the insert holds them: moved out of an owned row, borrowed from a
    /// row given by reference.
    #[doc(hidden)]
    fn into_slots(self, out: &mut [Option<Self::Slot>])
    where
        Self: Sized;
}

/// A row given by reference is inserted without copying its text or bytes: the insert
/// borrows them until it is dropped.
impl<'a, T: Insertable> Insertable for &'a T {
    type Table = T::Table;
    type Slot = ValueRef<'a>;
    #[inline]
    fn write_values(&self, out: &mut [Option<Value>]) {
        (**self).write_values(out)
    }
    #[inline]
    fn write_refs<'b>(&'b self, out: &mut [Option<ValueRef<'b>>]) {
        (**self).write_refs(out)
    }
    #[inline]
    fn into_slots(self, out: &mut [Option<ValueRef<'a>>]) {
        T::write_refs(self, out)
    }
}

/// What `#[derive(Table)]` knows about a table: everything the DDL is made of, named, and
/// the relations, so a tool (a migration differ, a CLI) can read a schema back.
///
/// Constraint names: index names are spelled in `CREATE INDEX`. The primary key, unique and
/// foreign-key constraints are created unnamed (the SQL stays as it has been), so each
/// database names them itself; their names here follow PostgreSQL's convention for unnamed
/// constraints (`users_pkey`, `users_email_key`, `posts_author_id_fkey`), which is what a
/// migration would spell.
#[derive(Debug)]
pub struct TableMeta {
    /// The SQL name.
    pub name: &'static str,
    /// The Rust struct's name.
    pub rust_name: &'static str,
    /// Columns in declaration order.
    pub columns: &'static [ColumnMeta],
    /// Positions (in `columns`) of the primary key's columns, in key order.
    pub primary_key: &'static [usize],
    /// The primary key constraint's name (`{table}_pkey`); `None` without a primary key.
    pub primary_key_name: Option<&'static str>,
    /// Unique constraints over several columns (`#[table(unique(…))]`).
    pub uniques: &'static [UniqueMeta],
    /// Indexes (`#[table(index(…))]`).
    pub indexes: &'static [IndexMeta],
    /// The relations declared on the table, in field order.
    pub relations: &'static [&'static RelationMeta],
    /// `#[table(renamed_from = "…")]`: the SQL name the table had before, which a migration
    /// renames instead of dropping and creating.
    pub renamed_from: Option<&'static str>,
}

/// A unique constraint over one or more columns.
#[derive(Debug)]
pub struct UniqueMeta {
    /// The constraint's name: `{table}_{column}_…_key`.
    pub name: &'static str,
    /// Positions in [`TableMeta::columns`], in constraint order.
    pub columns: &'static [usize],
}

/// An index, created with `CREATE INDEX` after its table.
#[derive(Debug)]
pub struct IndexMeta {
    /// The index's name, as `CREATE INDEX` spells it: `{table}_{column}_…_idx`.
    pub name: &'static str,
    /// Positions in [`TableMeta::columns`], in index order.
    pub columns: &'static [usize],
}

/// One column.
#[derive(Debug)]
pub struct ColumnMeta {
    /// The SQL name.
    pub name: &'static str,
    /// The Rust field's name.
    pub field: &'static str,
    /// The type family.
    pub sql_type: SqlType,
    /// Whether NULL is allowed (the field is an `Option`).
    pub nullable: bool,
    /// Generated by the database (autoincrement / identity).
    pub auto: bool,
    /// `UNIQUE` on its own (`#[column(unique)]`): the constraint's name, `{table}_{column}_key`.
    pub unique: Option<&'static str>,
    /// Part of a key, a unique constraint, an index or a foreign key. MySQL cannot index
    /// unbounded text, so such text columns become `VARCHAR(255)` there.
    pub keyed: bool,
    /// The default used when an insert leaves the column out.
    pub default: Option<DefaultValue>,
    /// The foreign key, if any.
    pub references: Option<ForeignKey>,
    /// The only values the column holds (an enum's names; empty: any of its type), checked
    /// by a `CHECK` constraint.
    pub allowed: &'static [&'static str],
    /// `#[column(renamed_from = "…")]`: the SQL name the column had before, which a migration
    /// renames instead of dropping and adding.
    pub renamed_from: Option<&'static str>,
}

/// A column default: a literal or an expression from the schema (never a user's runtime
/// value).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum DefaultValue {
    /// `default = true`
    Bool(bool),
    /// `default = 42`
    Int(i64),
    /// `default = 1.5`
    Float(f64),
    /// `default = "text"`
    Text(&'static str),
    /// `default = now()`: the current instant in UTC, as `weft::now()` spells it.
    Now,
    /// `default = uuid()`: a UUID generated by the database (PostgreSQL's random
    /// `gen_random_uuid()`, MariaDB's `UUID()` as 16 bytes, a random version-4 UUID on SQLite).
    Uuid,
    /// `default = sql("…")`: SQL written by hand, used in parentheses as it is.
    Sql(&'static str),
}

/// A foreign key.
#[derive(Debug, Clone, Copy)]
pub struct ForeignKey {
    /// The constraint's name: `{table}_{column}_fkey`.
    pub name: &'static str,
    /// The referenced table's SQL name.
    pub table: &'static str,
    /// The referenced column's SQL name.
    pub column: &'static str,
    /// What happens to this row when the referenced one is deleted.
    pub on_delete: Option<OnDelete>,
}

/// `ON DELETE` actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// Delete this row too.
    Cascade,
    /// Set the column to NULL.
    SetNull,
    /// Refuse the delete.
    Restrict,
    /// Check at the end of the statement (the SQL default).
    NoAction,
}

impl TableMeta {
    /// The column with SQL name `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnMeta> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The relation declared by field `name`.
    pub fn relation(&self, name: &str) -> Option<&'static RelationMeta> {
        self.relations.iter().copied().find(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests;
