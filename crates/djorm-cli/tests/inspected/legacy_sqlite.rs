//! Models written by `djorm inspectdb` from an existing database. Review them before use:
//! * each model needs exactly one primary key (`id: AutoId` or a field marked `primary_key`);
//! * every foreign key says `on_delete = DoNothing` (the database's own constraint decides):
//!   choose the rule you want;
//! * field types marked as guesses need a look; renaming structs and fields is fine, but keep
//!   `db_table` and `db_column` as they are.

use djorm::prelude::*;

/// The `legacy_badge` table.
#[derive(Model, Debug, Clone)]
#[djorm(app = "legacy", db_table = "legacy_badge")]
pub struct Badge {
    // Also a foreign key to `legacy_person.id`.
    #[djorm(primary_key)]
    pub person_id: i32,
    pub since: DateTime<Utc>,
}

/// The `legacy_category` table.
#[derive(Model, Debug, Clone)]
#[djorm(app = "legacy", db_table = "legacy_category")]
pub struct Category {
    #[djorm(primary_key, max_length = 10)]
    pub code: String,
    pub label: String,
}

/// The `legacy_note` table.
#[derive(Model, Debug, Clone)]
#[djorm(app = "legacy", db_table = "legacy_note")]
pub struct Note {
    pub id: AutoId,
    #[djorm(on_delete = DoNothing, to_field = "email", db_index = false, db_column = "author_email")]
    pub author_email: ForeignKey<Person, String>,
}

/// The `legacy_person` table.
#[derive(Model, Debug, Clone)]
#[djorm(
    app = "legacy",
    db_table = "legacy_person",
    unique(fields = ["full_name", "born"], name = "legacy_person_name_born_uniq"),
    index(fields = ["big"], name = "legacy_person_big_idx"),
    index(fields = ["-born", "ratio"], name = "legacy_person_born_desc"),
)]
pub struct Person {
    pub id: AutoId,
    // Field name made lowercase.
    // Field renamed to remove unsuitable characters.
    #[djorm(max_length = 80, db_column = "Full Name")]
    pub full_name: String,
    // Field renamed because it was a Rust reserved word.
    #[djorm(db_column = "type", blank)]
    pub type_field: Option<i16>,
    #[djorm(max_length = 254, unique)]
    pub email: String,
    // max_digits and decimal_places have been guessed, as this database handles decimal fields as float.
    #[djorm(max_digits = 10, decimal_places = 5, blank)]
    pub salary: Option<Decimal>,
    pub ratio: f64,
    #[djorm(blank)]
    pub born: Option<NaiveDate>,
    #[djorm(blank)]
    pub wakes_at: Option<NaiveTime>,
    #[djorm(blank)]
    pub seen_at: Option<DateTime<Utc>>,
    #[djorm(max_length = 32)]
    pub external_id: String,
    #[djorm(blank)]
    pub profile: Option<JsonValue>,
    #[djorm(blank)]
    pub avatar: Option<Vec<u8>>,
    // This field type is a guess: the database type is `inet`.
    #[djorm(blank)]
    pub ip: Option<String>,
    pub active: bool,
    pub big: i64,
    #[djorm(on_delete = DoNothing, db_index = false, db_column = "category_code", blank)]
    pub category_code: Option<ForeignKey<Category>>,
    #[djorm(on_delete = DoNothing, db_index = false, blank)]
    pub manager: Option<ForeignKey<Person>>,
    #[djorm(on_delete = DoNothing, related_name = "person_mentor_set", db_index = false, blank)]
    pub mentor: Option<ForeignKey<Person>>,
}

/// The `legacy_profile` table.
#[derive(Model, Debug, Clone)]
#[djorm(app = "legacy", db_table = "legacy_profile")]
pub struct Profile {
    pub id: AutoId,
    #[djorm(on_delete = DoNothing, related_name = "profile_person")]
    pub person: OneToOne<Person>,
    pub bio: String,
}
