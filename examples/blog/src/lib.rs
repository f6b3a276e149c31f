//! The chapter's blog as a library: its models, shared by the example and its manage binary.

pub mod models;
