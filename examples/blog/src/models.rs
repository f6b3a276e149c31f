//! The chapter's blog models (sections 7.1.4 and 7.3): Author, Tag, Post with its author
//! (ForeignKey, CASCADE, related_name "posts") and tags (ManyToMany), and the user Profile
//! (OneToOne to Django's built-in User, section 7.3.3) that a post_save receiver creates.

use djorm::prelude::*;
use djorm_auth::User;

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

/// Extra information about a user (the chapter's `Profile`): `user.profile` in Django,
/// `ReverseOne::<Profile>::of(&user, "profile")` here (djorm-auth's `User` cannot declare the
/// field).
#[derive(Model, Debug, Clone)]
#[djorm(app = "blog")]
pub struct Profile {
    /// Django's implicit primary key.
    pub id: AutoId,
    /// `OneToOneField(User, on_delete=models.CASCADE, related_name='profile')`.
    #[djorm(on_delete = Cascade, related_name = "profile")]
    pub user: OneToOne<User>,
    /// `TextField(blank=True)`.
    #[djorm(blank)]
    pub bio: String,
    /// `DateField(null=True, blank=True)`.
    #[djorm(null, blank)]
    pub birth_date: Option<NaiveDate>,
    /// `CharField(max_length=100, blank=True)`.
    #[djorm(max_length = 100, blank)]
    pub location: String,
}

/// The chapter's two post_save receivers on `User`: `create_user_profile` makes a profile for
/// every new user, `save_user_profile` saves it again whenever the user is saved. Connected
/// once per process however often this is called, as Django's `dispatch_uid` ensures.
pub fn connect_profile_signals() {
    static CONNECTED: std::sync::Once = std::sync::Once::new();
    CONNECTED.call_once(connect_both);
}

fn connect_both() {
    use djorm::signals::{connect, Signal};
    connect::<User>(Signal::PostSave, |db, user, created| {
        Box::pin(async move {
            if created {
                Profile::objects().create(db, Profile { user: user.into(), ..Default::default() }).await?;
            }
            Ok(())
        })
    });
    connect::<User>(Signal::PostSave, |db, user, _| {
        Box::pin(async move {
            let mut profile = ReverseOne::<Profile>::of(user, "profile").get(db).await?;
            profile.save(db).await
        })
    });
}

/// Every model of the app, for the manage binary.
pub fn all() -> Vec<&'static djorm::ModelMeta> {
    vec![Author::meta(), Tag::meta(), Post::meta(), Profile::meta()]
}
