//! The statement tree: expressions ([`Node`]) and statements ([`Statement`]). Builders and
//! relation loaders build it; the dialect layer renders it, in one walk, to text and binds.

mod expr;
mod stmt;

pub use expr::{
    Aggregate, Apply, BinOp, Clock, Direction, Function, MAX_EXPRESSION_DEPTH, Node, QueryKind,
};
pub(crate) use stmt::key_in_columns;
pub use stmt::{
    AlterChange, AlterTable, Batch, BatchKeys, ColumnDef, ConflictAction, Constraint,
    ConstraintKind, CreateIndex, CreateTable, Cte, Delete, DropIndex, DropTable, From, Insert,
    InsertSource, InsertValue, Join, JoinKind, Limit, Lock, LockWait, OnConflict, Related, Select,
    SelectItem, SetOp, SetOperation, Source, Statement, Update,
};
