//! A rendered statement: its text for one dialect and its binds, owned or borrowed, as the
//! drivers, logs and `to_sql` read them.

use std::borrow::Cow;
use std::fmt;

use crate::dialect::Dialect;
use crate::value::{Rows, Scalar, SqlType, Value};

/// A rendered statement: SQL text for one dialect and the values bound to its placeholders.
///
/// Every query can produce one without a connection (`to_sql`). `Display` shows the text
/// followed by the binds.
#[derive(Debug, Clone, PartialEq)]
pub struct Sql {
    /// The dialect it was rendered for.
    pub dialect: &'static dyn Dialect,
    /// The SQL text, with placeholders (`$1` on PostgreSQL, `?` on SQLite and MySQL).
    pub text: String,
    /// The bind values, in placeholder order.
    pub binds: Vec<Value>,
}

impl fmt::Display for Sql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        if !self.binds.is_empty() {
            f.write_str(" -- binds: [")?;
            for (i, b) in self.binds.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{b:?}")?;
            }
            f.write_str("]")?;
        }
        Ok(())
    }
}

impl Sql {
    /// This statement, to run, borrowing its text and binds.
    pub(crate) fn stmt(&self) -> Stmt<'_> {
        Stmt {
            dialect: self.dialect,
            text: Cow::Borrowed(&self.text),
            binds: Binds::Values(Cow::Borrowed(&self.binds)),
        }
    }
}

impl From<Sql> for Stmt<'static> {
    fn from(sql: Sql) -> Self {
        Stmt {
            dialect: sql.dialect,
            text: Cow::Owned(sql.text),
            binds: Binds::Values(Cow::Owned(sql.binds)),
        }
    }
}

/// A statement about to run. Unlike [`Sql`] (what `to_sql` shows, owning its binds), its binds
/// may borrow the values of the query that runs it, so running a query copies none of them.
#[doc(hidden)]
pub struct Stmt<'a> {
    pub(crate) dialect: &'static dyn Dialect,
    pub(crate) text: Cow<'a, str>,
    pub(crate) binds: Binds<'a>,
}

impl Stmt<'_> {
    /// The same statement with its text replaced (a dialect's rewrite to carry a timeout).
    pub(crate) fn with_text(&self, text: String) -> Stmt<'_> {
        Stmt {
            dialect: self.dialect,
            text: Cow::Owned(text),
            binds: match &self.binds {
                Binds::Values(v) => Binds::Values(Cow::Borrowed(v)),
                Binds::Refs(r, after) => Binds::Refs(r.clone(), after.clone()),
            },
        }
    }

    /// A statement of `text` without binds (transaction and session control).
    pub(crate) fn bare<'t>(dialect: &'static dyn Dialect, text: &'t str) -> Stmt<'t> {
        Stmt {
            dialect,
            text: Cow::Borrowed(text),
            binds: Binds::Values(Cow::Borrowed(&[])),
        }
    }
}

/// The binds of a [`Stmt`].
pub(crate) enum Binds<'a> {
    /// Values in placeholder order.
    Values(Cow<'a, [Value]>),
    /// Borrowed binds in placeholder order, then the values the [`Renderer`] bound after
    /// them (a value in an insert's `RETURNING`).
    Refs(Vec<BindRef<'a>>, Vec<Value>),
}

impl Binds<'_> {
    pub(crate) fn len(&self) -> usize {
        match self {
            Binds::Values(v) => v.len(),
            Binds::Refs(r, after) => r.len() + after.len(),
        }
    }

    pub(crate) fn get(&self, i: usize) -> BindRef<'_> {
        match self {
            Binds::Values(v) => BindRef::value(&v[i]),
            Binds::Refs(r, _) if i < r.len() => r[i],
            Binds::Refs(r, after) => BindRef::value(&after[i - r.len()]),
        }
    }
}

/// One bind of a [`Stmt`], borrowed.
#[derive(Clone, Copy)]
pub(crate) enum BindRef<'a> {
    /// One value: a [`Value`], or text or bytes borrowed from an inserted row.
    Scalar(Scalar<'a>),
    /// A PostgreSQL array of one column of many rows: entry `col` of each `width`-wide row of
    /// the row-major `rows` (every one `Some`), as an array of `ty`. The same bind as a
    /// [`Value::Array`], without collecting the values.
    Column {
        ty: SqlType,
        rows: Rows<'a>,
        width: usize,
        col: usize,
    },
}

impl<'a> BindRef<'a> {
    /// One value.
    #[inline]
    pub(crate) fn value(v: &'a Value) -> Self {
        BindRef::Scalar(Scalar::Value(v))
    }

    /// The type and elements of an array bind, or (`Err`) the one value of a scalar bind.
    pub(crate) fn array(self) -> Result<(SqlType, Elements<'a>), Scalar<'a>> {
        match self {
            BindRef::Scalar(Scalar::Value(Value::Array(ty, list))) => {
                Ok((*ty, Elements::List(list.iter())))
            }
            BindRef::Scalar(v) => Err(v),
            BindRef::Column {
                ty,
                rows,
                width,
                col,
            } => Ok((
                ty,
                Elements::Column {
                    rows,
                    width,
                    at: col,
                },
            )),
        }
    }
}

/// The elements of an array bind, from either of its forms: `None` for a row that left the
/// column out (`check_elements` refuses the statement then, before anything is sent).
#[derive(Clone)]
pub(crate) enum Elements<'a> {
    List(std::slice::Iter<'a, Value>),
    /// Entry `at`, then every `width`-th, of `rows`.
    Column {
        rows: Rows<'a>,
        width: usize,
        at: usize,
    },
}

impl<'a> Iterator for Elements<'a> {
    type Item = Option<Scalar<'a>>;

    fn next(&mut self) -> Option<Option<Scalar<'a>>> {
        match self {
            Elements::List(it) => it.next().map(|v| Some(Scalar::Value(v))),
            Elements::Column { rows, width, at } => {
                if *at >= rows.len() {
                    return None;
                }
                let v = rows.get(*at);
                *at += *width;
                Some(v)
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Elements::List(it) => it.size_hint(),
            Elements::Column { rows, width, at } => {
                let n = rows.len().saturating_sub(*at).div_ceil((*width).max(1));
                (n, Some(n))
            }
        }
    }
}
