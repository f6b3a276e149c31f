//! The structs both raw sides map rows into, field for field as djorm's models hold them.

/// A user row as a raw side maps it.
#[allow(dead_code)] // built and dropped through black_box, never read
pub struct RawUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub age: i32,
}

/// An article row with its writer's columns, as a raw side maps a join.
#[allow(dead_code)] // built and dropped through black_box, never read
pub struct RawArticle {
    pub id: i64,
    pub writer_id: i64,
    pub title: String,
    pub writer: (i64, String),
}
