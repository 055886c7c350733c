//! Hand-written SQL inside a typed query: [`sql`], an expression of a Rust type you name,
//! whose values are bound ([`Param`], [`Params`]).

use super::{Expr, Node};
use crate::value::{SqlValue, Value};

/// A value that can be bound to a `?` placeholder of hand-written SQL: any column type
/// (`i64`, `String`, `Option<…>`, …) or `&str`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be bound to a `?` placeholder",
    label = "expected a value of a column type here",
    note = "bind values of weft's column types (bool, integers, floats, String/&str, Vec<u8>, Option<…>, …)"
)]
pub trait Param {
    /// The value, as a bind parameter.
    #[doc(hidden)]
    fn into_param(self) -> Value;
}

#[diagnostic::do_not_recommend]
impl<V: SqlValue> Param for V {
    #[inline]
    fn into_param(self) -> Value {
        self.into_value()
    }
}

impl Param for &str {
    #[inline]
    fn into_param(self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl Param for Value {
    #[inline]
    fn into_param(self) -> Value {
        self
    }
}

/// The values of a [`sql`] fragment's placeholders, in order: `()` for none, one value, or a
/// tuple of up to 8 values.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the values of `?` placeholders",
    label = "expected `()`, one value, or a tuple of values",
    note = "write `weft::sql::<T>(\"… ? …\", (a, b))` with one value per `?`"
)]
pub trait Params {
    /// The values, in placeholder order.
    #[doc(hidden)]
    fn into_params(self) -> Vec<Value>;
}

impl Params for () {
    fn into_params(self) -> Vec<Value> {
        Vec::new()
    }
}

#[diagnostic::do_not_recommend]
impl<P: Param> Params for P {
    fn into_params(self) -> Vec<Value> {
        vec![self.into_param()]
    }
}

macro_rules! tuple_params {
    ($($name:ident)+) => {
        impl<$($name: Param),+> Params for ($($name,)+) {
            fn into_params(self) -> Vec<Value> {
                #[allow(non_snake_case)]
                let ($($name,)+) = self;
                vec![$($name.into_param()),+]
            }
        }
    };
}

tuple_params!(A);
tuple_params!(A B);
tuple_params!(A B C);
tuple_params!(A B C D);
tuple_params!(A B C D E);
tuple_params!(A B C D E F);
tuple_params!(A B C D E F G);
tuple_params!(A B C D E F G H);

/// A hand-written SQL expression of Rust type `V`, for what the builder does not spell: usable
/// wherever an expression of `V` is (a filter when `V` is `bool`, a selected column, an
/// `ORDER BY` term, an operand of a comparison).
///
/// Each `?` in `text` is a placeholder for the next of `params` (`()`, one value, or a tuple):
/// the values are bound, never written into the text, and number with the rest of the
/// statement (`$2`, `$3`… on PostgreSQL). `??` is a literal `?` (PostgreSQL only: elsewhere `?`
/// is the placeholder); a `?` inside quotes or a comment is text. A count that does not match
/// is refused with [`Error::RawSql`](crate::Error::RawSql) before anything is sent.
///
/// The text is sent as written and grouped in parentheses, so it is one operand wherever it
/// sits. It reads no table as far as the type checker knows (its tables are `()`): a column
/// it names must be in the query's scope, which the compiler cannot check; name it as the
/// query renders it (`"user"."id"`), or prefer the builder where it can.
///
/// ```
/// # use weft::Table;
/// #[derive(Table)]
/// struct User { #[column(primary_key, auto)] id: i64, name: String }
///
/// let q = weft::select::<User>()
///     .columns((User::id, weft::sql::<i64>("? * 2", 21)))
///     .filter(User::name.eq("Ann").and(weft::sql::<bool>("? < ?", (1, 2))));
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres).text,
///     r#"SELECT "user"."id", ($1 * 2) FROM "user" WHERE ("user"."name" = $2 AND ($3 < $4))"#
/// );
/// assert_eq!(
///     q.to_sql(&weft::dialect::MariaDb).text,
///     "SELECT `user`.`id`, (? * 2) FROM `user` WHERE (`user`.`name` = ? AND (? < ?))"
/// );
/// ```
pub fn sql<V: SqlValue>(text: &str, params: impl Params) -> Expr<V, ()> {
    Expr::from_node(fragment(&format!("({text})"), params.into_params()))
}

/// The node of hand-written `text` with `binds` for its placeholders.
pub(crate) fn fragment(text: &str, binds: Vec<Value>) -> Node {
    Node::Fragment {
        text: text.into(),
        args: binds.into_iter().map(Node::Bind).collect(),
    }
}
