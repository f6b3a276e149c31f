//! The chapter's blog models (section 7.1.4), without the relations that issue #4 adds.

use djorm::prelude::*;

/// A person who writes posts.
#[derive(Model, Debug, Clone)]
#[djorm(app = "blog", ordering = ["name"], verbose_name = "Author", verbose_name_plural = "Authors")]
pub struct Author {
    /// Django's implicit primary key.
    pub id: AutoId,
    /// `CharField(max_length=100)`.
    #[djorm(max_length = 100)]
    pub name: String,
    /// `EmailField(unique=True)`.
    #[djorm(email, unique)]
    pub email: String,
    /// `TextField(blank=True)`.
    #[djorm(blank)]
    pub bio: String,
    /// `DateTimeField(auto_now_add=True)`.
    #[djorm(auto_now_add)]
    pub created_at: DateTime<Utc>,
}

/// A keyword categorising posts.
#[derive(Model, Debug, Clone)]
#[djorm(app = "blog")]
pub struct Tag {
    /// Django's implicit primary key.
    pub id: AutoId,
    /// `CharField(max_length=50, unique=True)`.
    #[djorm(max_length = 50, unique)]
    pub name: String,
    /// `SlugField(unique=True)`.
    #[djorm(slug, unique)]
    pub slug: String,
}

/// A blog entry.
#[derive(Model, Debug, Clone)]
#[djorm(app = "blog", ordering = ["-created_at"], index(fields = ["slug"]), index(fields = ["title", "-created_at"]))]
pub struct Post {
    /// Django's implicit primary key.
    pub id: AutoId,
    /// `CharField(max_length=200)`.
    #[djorm(max_length = 200)]
    pub title: String,
    /// `SlugField(unique=True, db_index=True)`.
    #[djorm(slug, unique, db_index)]
    pub slug: String,
    /// `TextField()`.
    pub content: String,
    /// `BooleanField(default=False)`.
    #[djorm(default = false)]
    pub published: bool,
    /// A view counter, incremented with `F("views") + 1`.
    #[djorm(default = 0)]
    pub views: u32,
    /// `DateTimeField(auto_now_add=True)`.
    #[djorm(auto_now_add)]
    pub created_at: DateTime<Utc>,
    /// `DateTimeField(auto_now=True)`.
    #[djorm(auto_now)]
    pub updated_at: DateTime<Utc>,
}
