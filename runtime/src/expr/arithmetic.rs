//! Arithmetic on numeric columns and expressions: `Post::views + 1`, `Item::price * Item::qty`.
//! The result has the operands' type (nullable when the column is: NULL + 1 is NULL); integer
//! division truncates on every dialect.

use std::ops::{Add, Div, Mul, Sub};

use super::{Column, Dep, Expr, Operand};
use crate::ast::{BinOp, Node};

/// Column types arithmetic applies to.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a numeric column type",
    label = "arithmetic needs a numeric column",
    note = "`+ - * /` apply to i16, i32, i64, f32, f64 and Decimal columns (or their Option)"
)]
pub trait Numeric {
    /// Whether division truncates (integers).
    const INTEGER: bool;
}

macro_rules! numeric {
    ($($ty:ty => $integer:expr),* $(,)?) => {$(
        impl Numeric for $ty {
            const INTEGER: bool = $integer;
        }
        impl Numeric for Option<$ty> {
            const INTEGER: bool = $integer;
        }
    )*};
}
numeric!(i16 => true, i32 => true, i64 => true, f32 => false, f64 => false);
#[cfg(feature = "rust_decimal")]
numeric!(rust_decimal::Decimal => false);

fn arithmetic<V, D>(lhs: Node, op: BinOp, rhs: Node) -> Expr<V, D> {
    Expr::from_node(Node::Binary(Box::new(lhs), op, Box::new(rhs)))
}

macro_rules! operator {
    ($trait:ident, $method:ident, $op:expr) => {
        impl<T, V: Numeric, R: Operand<V>> $trait<R> for Column<T, V> {
            type Output = Expr<V, (Dep<T>, R::Tables)>;
            fn $method(self, rhs: R) -> Self::Output {
                let op: fn(bool) -> BinOp = $op;
                arithmetic(
                    Operand::<V>::into_node(self),
                    op(V::INTEGER),
                    rhs.into_node(),
                )
            }
        }
        impl<V: Numeric, D, R: Operand<V>> $trait<R> for Expr<V, D> {
            type Output = Expr<V, (D, R::Tables)>;
            fn $method(self, rhs: R) -> Self::Output {
                let op: fn(bool) -> BinOp = $op;
                arithmetic(
                    Operand::<V>::into_node(self),
                    op(V::INTEGER),
                    rhs.into_node(),
                )
            }
        }
    };
}

operator!(Add, add, |_| BinOp::Add);
operator!(Sub, sub, |_| BinOp::Sub);
operator!(Mul, mul, |_| BinOp::Mul);
operator!(Div, div, |integer| if integer {
    BinOp::IntDiv
} else {
    BinOp::Div
});
