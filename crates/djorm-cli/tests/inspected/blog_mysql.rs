//! Models written by `djorm inspectdb` from an existing database. Review them before use:
//! * each model needs exactly one primary key (`id: AutoId` or a field marked `primary_key`);
//! * every foreign key says `on_delete = DoNothing` (the database's own constraint decides):
//!   choose the rule you want;
//! * field types marked as guesses need a look; renaming structs and fields is fine, but keep
//!   `db_table` and `db_column` as they are.

use djorm::prelude::*;

/// The `blog_author` table.
#[derive(Model, Debug, Clone)]
#[djorm(app = "blog", db_table = "blog_author")]
pub struct Author {
    pub id: AutoId,
    #[djorm(max_length = 100)]
    pub name: String,
    #[djorm(max_length = 254, unique)]
    pub email: String,
    pub bio: String,
    pub created_at: DateTime<Utc>,
}

/// The `blog_post` table.
#[derive(Model, Debug, Clone)]
#[djorm(
    app = "blog",
    db_table = "blog_post",
    index(fields = ["author", "-created_at"], name = "blog_post_author__418f7f_idx"),
    index(fields = ["slug"], name = "blog_post_slug_cdb902_idx"),
)]
pub struct Post {
    pub id: AutoId,
    #[djorm(max_length = 200)]
    pub title: String,
    #[djorm(max_length = 50, unique)]
    pub slug: String,
    pub content: String,
    #[djorm(on_delete = DoNothing)]
    pub author: ForeignKey<Author>,
    pub published: bool,
    pub views: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The `blog_post_tags` table.
#[derive(Model, Debug, Clone)]
#[djorm(
    app = "blog",
    db_table = "blog_post_tags",
    unique(fields = ["post", "tag"], name = "blog_post_tags_post_id_tag_id_4925ec37_uniq"),
)]
pub struct PostTags {
    pub id: AutoId,
    #[djorm(on_delete = DoNothing)]
    pub post: ForeignKey<Post>,
    #[djorm(on_delete = DoNothing)]
    pub tag: ForeignKey<Tag>,
}

/// The `blog_tag` table.
#[derive(Model, Debug, Clone)]
#[djorm(app = "blog", db_table = "blog_tag")]
pub struct Tag {
    pub id: AutoId,
    #[djorm(max_length = 50, unique)]
    pub name: String,
    #[djorm(max_length = 50, unique)]
    pub slug: String,
}
