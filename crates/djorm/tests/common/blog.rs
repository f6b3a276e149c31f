//! The chapter's blog models with relations (section 7.3).
#![allow(dead_code)]

use djorm::prelude::*;

/// Django's built-in User, reduced to what the chapter needs.
#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(app = "auth")]
pub struct User {
    pub id: AutoId,
    #[djorm(max_length = 150, unique)]
    pub username: String,
    pub profile: ReverseOne<Profile>,
    pub author_profile: ReverseOne<Author>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(app = "blog", ordering = ["name"])]
pub struct Author {
    pub id: AutoId,
    #[djorm(on_delete = Cascade, related_name = "author_profile")]
    pub user: Option<OneToOne<User>>,
    #[djorm(max_length = 100)]
    pub name: String,
    #[djorm(blank)]
    pub bio: String,
    pub posts: Reverse<Post>,
    /// A target for `Prefetch(..., to_attr="recent_posts")`.
    pub recent_posts: Reverse<Post>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(app = "blog")]
pub struct Tag {
    pub id: AutoId,
    #[djorm(max_length = 50, unique)]
    pub name: String,
    #[djorm(slug, unique)]
    pub slug: String,
    pub posts: Reverse<Post>,
    pub tagged_posts: Reverse<Post>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(app = "blog", ordering = ["id"])]
pub struct Post {
    pub id: AutoId,
    #[djorm(max_length = 200)]
    pub title: String,
    #[djorm(blank)]
    pub content: String,
    #[djorm(on_delete = Cascade, related_name = "posts")]
    pub author: ForeignKey<Author>,
    #[djorm(related_name = "posts")]
    pub tags: ManyToMany<Tag>,
    #[djorm(through = PostTag, related_name = "tagged_posts")]
    pub dated_tags: ManyToMany<Tag>,
    #[djorm(default = false)]
    pub published: bool,
    #[djorm(default = 0)]
    pub views: u32,
    pub comments: Reverse<Comment>,
}

/// The chapter's through model: when a tag was added to a post.
#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(app = "blog", unique(fields = ["post", "tag"], name = "blog_posttag_post_tag_uniq"))]
pub struct PostTag {
    pub id: AutoId,
    #[djorm(on_delete = Cascade)]
    pub post: ForeignKey<Post>,
    #[djorm(on_delete = Cascade)]
    pub tag: ForeignKey<Tag>,
    #[djorm(auto_now_add)]
    pub added_at: DateTime<Utc>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(app = "blog")]
pub struct Comment {
    pub id: AutoId,
    #[djorm(on_delete = Cascade, related_name = "comments")]
    pub post: ForeignKey<Post>,
    pub body: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(app = "blog")]
pub struct Profile {
    pub id: AutoId,
    #[djorm(on_delete = Cascade, related_name = "profile")]
    pub user: OneToOne<User>,
    #[djorm(blank)]
    pub bio: String,
    pub birth_date: Option<NaiveDate>,
    #[djorm(max_length = 100, blank)]
    pub location: String,
}

/// Self-referential many-to-many: friends (symmetrical) and follows (directed).
#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(app = "social")]
pub struct Person {
    pub id: AutoId,
    #[djorm(max_length = 50)]
    pub name: String,
    pub friends: ManyToMany<Person>,
    #[djorm(symmetrical = false, related_name = "followers")]
    pub follows: ManyToMany<Person>,
    pub followers: Reverse<Person>,
}

pub fn blog_models() -> [&'static djorm::ModelMeta; 7] {
    use djorm::Model;
    [User::meta(), Author::meta(), Tag::meta(), Post::meta(), PostTag::meta(), Comment::meta(), Profile::meta()]
}
