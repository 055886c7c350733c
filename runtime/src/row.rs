//! Where the row types were before `decode` held them: the paths callers still use.

pub(crate) use crate::decode::{RowReader, RowRef, UNEXPECTED_NULL};
