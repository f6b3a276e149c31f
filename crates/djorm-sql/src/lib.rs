//! Dialect-neutral SQL for djorm.
//!
//! This crate sits at the bottom of the query pipeline: the query layer lowers model-level
//! queries into plain-data statements (the `ast` and `ddl` modules), and a [`Dialect`] renders them
//! into SQL text plus bound parameters through the one [`SqlWriter`]. Nothing else in djorm
//! builds SQL text: quoting, placeholders and binds live here, so every value is a bound
//! parameter and every identifier is quoted by the dialect.

mod ast;
mod ddl;
mod dialect;
mod features;
#[cfg(test)]
mod golden;
mod stack;
mod transaction;
mod value;
pub mod vocabulary;
mod window;
mod writer;

pub use ast::{
    AggregateFunc, BinOp, DatePart, Delete, Expr, Func, Insert, Join, JoinKind, Nulls, OrderItem, PatternKind, RowLock,
    Select, SelectItem, SetOp, Source, TruncUnit, Update,
};
pub use ddl::{
    AddForeignKey, AlterChange, AlterTable, ColumnDef, ColumnType, CopyRows, CreateIndex, CreateTable, DropIndex,
    DropTable, ForeignKeyRef, TableConstraint,
};
pub use dialect::{is_plain_name, like_pattern, standard_function, standard_in_list, standard_in_values, Dialect};
pub use features::Features;
pub use stack::{at_depth, with_stack};
pub use transaction::{standard_begin, IsolationLevel, TransactionMode};
pub use value::{duration_micros, python_duration, Value, ValueKind};
pub use window::{Frame, FrameUnits, WindowFunc, WindowSpec};
pub use writer::{Compiled, SqlWriter};
