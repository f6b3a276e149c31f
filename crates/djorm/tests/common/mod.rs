//! Shared test models (lookups, CRUD).
//! Models shared by the integration tests: the chapter's Author and an Article with every
//! field type the lookups need.
#![allow(dead_code)]

use djorm::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(app = "blog", ordering = ["name"], verbose_name = "Author", verbose_name_plural = "Authors")]
pub struct Author {
    pub id: AutoId,
    #[djorm(max_length = 100)]
    pub name: String,
    #[djorm(email, unique)]
    pub email: String,
    #[djorm(blank)]
    pub bio: String,
    #[djorm(auto_now_add)]
    pub created_at: DateTime<Utc>,
}

impl Author {
    pub fn new(name: &str, email: &str) -> Self {
        Author { name: name.into(), email: email.into(), ..Default::default() }
    }
}

#[derive(Choices, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    Draft,
    #[djorm(value = "pub", label = "Published")]
    Published,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(
    app = "blog",
    index(fields = ["slug"]),
    index(fields = ["status", "-published_at"], name = "article_status_pub"),
    unique(fields = ["title", "slug"], name = "article_title_slug_uniq"),
    check(name = "article_views_below_limit", views__lt = 1_000_000)
)]
pub struct Article {
    pub id: AutoId,
    #[djorm(max_length = 200)]
    pub title: String,
    #[djorm(slug)]
    pub slug: String,
    pub body: String,
    #[djorm(max_length = 100, blank)]
    pub tagline: Option<String>,
    #[djorm(default = 0)]
    pub views: u32,
    pub rating: Option<f64>,
    #[djorm(default = false)]
    pub published: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub birthday: Option<NaiveDate>,
    pub alarm: Option<NaiveTime>,
    #[djorm(max_digits = 6, decimal_places = 2, default = Decimal::new(0, 0))]
    pub price: Decimal,
    pub status: Status,
    #[djorm(url, blank)]
    pub website: String,
    pub token: Option<Uuid>,
    pub data: Option<serde_json::Value>,
    pub payload: Option<Vec<u8>>,
    pub small: i16,
    pub big: i64,
}

pub fn ts(s: &str) -> DateTime<Utc> {
    djorm::query::lower::parse_datetime(s).expect("test timestamp")
}

pub fn article(title: &str) -> Article {
    Article {
        title: title.into(),
        slug: title.to_lowercase().replace(' ', "-"),
        body: format!("Body of {title}"),
        ..Default::default()
    }
}
