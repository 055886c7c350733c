//! Rendering operations over several operands ([`Node::Apply`]): aggregates, `CAST`, `CASE`,
//! window functions, `COALESCE`, text concatenation and null-safe comparison.

use crate::ast::{Aggregate, Apply, Direction, Node};

use super::Renderer;

impl Renderer {
    /// Aggregates, `CAST`, `CASE` and window functions (see [`Apply`] for the operands).
    pub(super) fn apply(&mut self, op: &Apply, args: &[Node]) {
        match op {
            Apply::Aggregate { function, distinct } => {
                // `weft::sum` of a decimal casts its operand to the decimal type.
                if *function == Aggregate::Sum
                    && !self.dialect.capabilities().exact_decimal_sum
                    && matches!(
                        args.first(),
                        Some(Node::Apply {
                            op: Apply::Cast(crate::value::SqlType::Decimal),
                            ..
                        })
                    )
                {
                    self.refuse(super::writer::refusal::DECIMAL_SUM);
                }
                self.push(match function {
                    Aggregate::Count => "COUNT(",
                    Aggregate::Sum => "SUM(",
                    Aggregate::Avg => "AVG(",
                    Aggregate::Min => "MIN(",
                    Aggregate::Max => "MAX(",
                    Aggregate::RowNumber => "ROW_NUMBER(",
                });
                if *distinct {
                    self.push("DISTINCT ");
                }
                if let Some(arg) = args.first() {
                    self.node(arg);
                }
                self.text.push(')');
            }
            Apply::Cast(ty) => {
                self.push("CAST(");
                if let Some(arg) = args.first() {
                    self.node(arg);
                }
                self.push(" AS ");
                self.push(self.dialect.cast_type(*ty));
                self.text.push(')');
            }
            Apply::Case { operand, otherwise } => {
                self.push("CASE");
                let mut rest = args;
                if *operand && let Some((first, tail)) = rest.split_first() {
                    self.text.push(' ');
                    self.node(first);
                    rest = tail;
                }
                let (pairs, last) = match (*otherwise, rest.split_last()) {
                    (true, Some((last, pairs))) => (pairs, Some(last)),
                    _ => (rest, None),
                };
                for pair in pairs.chunks(2) {
                    self.push(" WHEN ");
                    self.node(&pair[0]);
                    if let Some(then) = pair.get(1) {
                        self.push(" THEN ");
                        self.node(then);
                    }
                }
                if let Some(last) = last {
                    self.push(" ELSE ");
                    self.node(last);
                }
                self.push(" END");
            }
            Apply::NullSafeEq { distinct } => {
                let (before, between, after) = self.dialect.null_safe_eq(*distinct);
                if let [left, right] = args {
                    self.push(before);
                    self.node(left);
                    self.push(between);
                    self.node(right);
                    self.push(after);
                }
            }
            Apply::Coalesce => {
                self.push("COALESCE(");
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.node(arg);
                }
                self.text.push(')');
            }
            Apply::Concat => {
                let function = self.dialect.concat_function();
                self.push(if function { "CONCAT(" } else { "(" });
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        self.push(if function { ", " } else { " || " });
                    }
                    self.node(arg);
                }
                self.text.push(')');
            }
            Apply::Window { partition, order } => {
                let Some((function, rest)) = args.split_first() else {
                    return;
                };
                self.node(function);
                self.push(" OVER (");
                let (partition_by, order_by) = rest.split_at((*partition).min(rest.len()));
                for (i, p) in partition_by.iter().enumerate() {
                    self.push(if i == 0 { "PARTITION BY " } else { ", " });
                    self.node(p);
                }
                for (i, (o, dir)) in order_by.iter().zip(order).enumerate() {
                    self.push(match (i, partition_by.is_empty()) {
                        (0, true) => "ORDER BY ",
                        (0, false) => " ORDER BY ",
                        _ => ", ",
                    });
                    self.node(o);
                    if *dir == Direction::Desc {
                        self.push(" DESC");
                    }
                }
                self.text.push(')');
            }
            Apply::Substr => {
                self.push("SUBSTR(");
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.node(arg);
                }
                self.text.push(')');
            }
            Apply::Clock(clock) => self.push(self.dialect.clock(*clock)),
        }
    }
}
