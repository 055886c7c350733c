//! What may stand where a column of a type is expected: values of the type, references to
//! them, and (for text and bytes) borrowed forms.

use crate::ast::Node;
use crate::value::{SqlValue, Value};

/// Whether a value of `Self` may stand where a column of type `V` is expected: in a comparison,
/// an update, or as an insert value.
///
/// Values, references to values and other columns of the same type qualify; a non-null value
/// may be used against a nullable column.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a value for a column of type `{V}`",
    label = "expected a value of type `{V}` here, or a column or expression of that type",
    note = "weft compares and assigns only values of the column's own Rust type; convert the value first"
)]
pub trait Operand<V> {
    /// The tables this operand reads (a type-level list; `()` for plain values).
    type Tables;
    #[doc(hidden)]
    fn into_node(self) -> Node;
}

#[diagnostic::do_not_recommend]
impl<V: SqlValue> Operand<V> for V {
    type Tables = ();
    #[inline]
    fn into_node(self) -> Node {
        Node::Bind(self.to_value())
    }
}

#[diagnostic::do_not_recommend]
impl<V: SqlValue> Operand<Option<V>> for V {
    type Tables = ();
    #[inline]
    fn into_node(self) -> Node {
        Node::Bind(self.to_value())
    }
}

#[diagnostic::do_not_recommend]
impl<V: SqlValue> Operand<V> for &V {
    type Tables = ();
    #[inline]
    fn into_node(self) -> Node {
        Node::Bind(self.to_value())
    }
}

#[diagnostic::do_not_recommend]
impl Operand<String> for &str {
    type Tables = ();
    #[inline]
    fn into_node(self) -> Node {
        Node::Bind(Value::Text(self.to_owned()))
    }
}

#[diagnostic::do_not_recommend]
impl Operand<Option<String>> for &str {
    type Tables = ();
    #[inline]
    fn into_node(self) -> Node {
        Node::Bind(Value::Text(self.to_owned()))
    }
}

#[diagnostic::do_not_recommend]
impl Operand<Vec<u8>> for &[u8] {
    type Tables = ();
    #[inline]
    fn into_node(self) -> Node {
        Node::Bind(Value::Bytes(self.to_vec()))
    }
}

#[diagnostic::do_not_recommend]
impl<const N: usize> Operand<Vec<u8>> for &[u8; N] {
    type Tables = ();
    #[inline]
    fn into_node(self) -> Node {
        Node::Bind(Value::Bytes(self.to_vec()))
    }
}
