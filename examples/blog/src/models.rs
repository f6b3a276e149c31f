//! The chapter's blog models (sections 7.1.4 and 7.3): Author, Tag, Post with its author
//! (ForeignKey, CASCADE, related_name "posts") and tags (ManyToMany).

use djorm::prelude::*;

/// A person who writes posts.
#[derive(Model, Debug, Clone)]
#[djorm(app = "blog", str = "name", ordering = ["name"], verbose_name = "Author", verbose_name_plural = "Authors")]
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
    /// The reverse side of `Post.author` (`related_name='posts'`): `author.posts.all()`.
    pub posts: Reverse<Post>,
}

/// A keyword categorising posts.
#[derive(Model, Debug, Clone)]
#[djorm(app = "blog", str = "name")]
pub struct Tag {
    /// Django's implicit primary key.
    pub id: AutoId,
    /// `CharField(max_length=50, unique=True)`.
    #[djorm(max_length = 50, unique)]
    pub name: String,
    /// `SlugField(unique=True)`.
    #[djorm(slug, unique)]
    pub slug: String,
    /// The reverse side of `Post.tags` (`related_name='posts'`): `tag.posts.all()`.
    pub posts: Reverse<Post>,
}

/// A blog entry.
#[derive(Model, Debug, Clone)]
#[djorm(app = "blog", str = "title", ordering = ["-created_at"], index(fields = ["slug"]), index(fields = ["author", "-created_at"]))]
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
    /// `ForeignKey(Author, on_delete=models.CASCADE, related_name='posts')`.
    #[djorm(on_delete = Cascade, related_name = "posts")]
    pub author: ForeignKey<Author>,
    /// `ManyToManyField(Tag, related_name='posts')`.
    #[djorm(related_name = "posts")]
    pub tags: ManyToMany<Tag>,
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

/// Every model of the app, for the manage binary.
pub fn all() -> Vec<&'static djorm::ModelMeta> {
    vec![Author::meta(), Tag::meta(), Post::meta()]
}
