//! Typed field paths: `Author::name().icontains("doe")`, checked by the Rust compiler.
//!
//! `#[derive(Model)]` generates one associated function per field returning a [`Field`]; its
//! lookup methods only accept values that fit the field's type, and text lookups exist only
//! on text fields. They build the same [`Q`] the runtime string form builds.

use std::borrow::Cow;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use djorm_sql::{Nulls, Value};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::q::LookupPath;
use crate::vocabulary::{self, LookupDef, TransformDef};
use crate::{AutoId, Expression, Rhs, Q};

/// A path to a field of model `M` whose Rust type is `T`, possibly through transforms.
#[derive(Debug)]
pub struct Field<M, T> {
    path: Cow<'static, str>,
    transforms: Vec<&'static TransformDef>,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Field<M, T> {
    fn clone(&self) -> Self {
        Field { path: self.path.clone(), transforms: self.transforms.clone(), _marker: PhantomData }
    }
}

/// A value usable on the right of a lookup on a field of type `T`.
#[diagnostic::on_unimplemented(
    message = "a `{Self}` cannot be compared with a field of type `{T}`",
    label = "this value does not fit the field's type",
    note = "lookups take a value of the field's Rust type (or F(\"other_field\")); use the runtime form Q::new(\"field__lookup\", value) to convert strings"
)]
pub trait Comparable<T> {
    /// The value as a lookup right-hand side.
    fn into_rhs(self) -> Rhs;
}

/// Marks text field types, which take the text lookups.
pub trait TextType {}
impl TextType for String {}
impl TextType for Option<String> {}

/// Marks date and timestamp field types, which take `year`, `month`, `day`, ...
pub trait DateType {}
impl DateType for DateTime<Utc> {}
impl DateType for Option<DateTime<Utc>> {}
impl DateType for NaiveDate {}
impl DateType for Option<NaiveDate> {}

/// Marks timestamp field types, which take `date`, `time`, `hour`, ...
pub trait DateTimeType {}
impl DateTimeType for DateTime<Utc> {}
impl DateTimeType for Option<DateTime<Utc>> {}

/// One method per lookup that compares with one value of the field's type; each names its
/// definition in the registry.
macro_rules! value_lookups {
    ($($(#[$doc:meta])* $name:ident => $def:ident),*) => {$(
        $(#[$doc])*
        pub fn $name(self, v: impl Comparable<T>) -> Q {
            self.lookup(&vocabulary::$def, v.into_rhs())
        }
    )*};
}

impl<M, T> Field<M, T> {
    /// The path to a field, by name (used by the derive).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let title = djorm::Field::<Post, String>::new("title");
    /// assert_eq!(Post::objects().filter(title.exact("Draft")).count(&db).await?, 1);
    /// # Ok(()) });
    /// ```
    pub const fn new(name: &'static str) -> Self {
        Field { path: Cow::Borrowed(name), transforms: Vec::new(), _marker: PhantomData }
    }

    /// The path to a field given in full (`"author__name"`), for paths through relations.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let author_name = djorm::Field::<Post, String>::with_path("author__name".into());
    /// assert_eq!(Post::objects().filter(author_name.exact("Jane Doe")).count(&db).await?, 2);
    /// # Ok(()) });
    /// ```
    pub fn with_path(path: String) -> Self {
        Field { path: Cow::Owned(path), transforms: Vec::new(), _marker: PhantomData }
    }

    /// The path in Django's spelling (`"created_at__year"`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::created_at().year().path(), "created_at__year");
    /// # Ok(()) });
    /// ```
    pub fn path(&self) -> Cow<'_, str> {
        if self.transforms.is_empty() {
            return Cow::Borrowed(&self.path);
        }
        let mut path = self.path.to_string();
        for t in &self.transforms {
            path.push_str("__");
            path.push_str(t.name);
        }
        Cow::Owned(path)
    }

    fn into_path(self) -> String {
        if self.transforms.is_empty() {
            self.path.into_owned()
        } else {
            self.path().into_owned()
        }
    }

    /// The registered lookup `def` against `rhs` (a lookup an application registered; the
    /// built-ins have methods of their own).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let q = Post::title().lookup(&djorm::vocabulary::ICONTAINS, "orm");
    /// assert_eq!(Post::objects().filter(q).count(&db).await?, 1);
    /// # Ok(()) });
    /// ```
    pub fn lookup(self, def: &'static LookupDef, rhs: impl Into<Rhs>) -> Q {
        Q::Lookup { path: LookupPath::parsed(self.path, self.transforms, def), rhs: rhs.into() }
    }

    /// The registered transform `def` applied to this field (`unaccent`, `year`): its value
    /// is of Rust type `U`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let year = Post::created_at().transform::<i32>(&djorm::vocabulary::YEAR);
    /// assert_eq!(Post::objects().filter(year.exact(2024)).count(&db).await?, 2);
    /// # Ok(()) });
    /// ```
    pub fn transform<U>(mut self, def: &'static TransformDef) -> Field<M, U> {
        self.transforms.push(def);
        Field { path: self.path, transforms: self.transforms, _marker: PhantomData }
    }

    value_lookups!(
        /// `exact`: equal to the value (`None` means `IS NULL`).
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::title().exact("Draft")).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        exact => EXACT,
        /// `gt`: greater than.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::views().gt(10)).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        gt => GT,
        /// `gte`: greater than or equal.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::views().gte(10)).count(&db).await?, 2);
        /// # Ok(()) });
        /// ```
        gte => GTE,
        /// `lt`: less than.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::views().lt(10)).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        lt => LT,
        /// `lte`: less than or equal.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::views().lte(10)).count(&db).await?, 2);
        /// # Ok(()) });
        /// ```
        lte => LTE
    );

    /// `in`: one of the values (an empty list matches nothing, without a query).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().filter(Post::id().in_([1, 3])).count(&db).await?, 2);
    /// assert_eq!(Post::objects().filter(Post::id().in_(Vec::<i64>::new())).count(&db).await?, 0);
    /// # Ok(()) });
    /// ```
    pub fn in_<V: Comparable<T>>(self, values: impl IntoIterator<Item = V>) -> Q {
        let list = values
            .into_iter()
            .map(|v| match v.into_rhs() {
                Rhs::Value(v) => v,
                _ => Value::Null,
            })
            .collect();
        self.lookup(&vocabulary::IN, Rhs::List(list))
    }

    /// `range`: between the two bounds, inclusive.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().filter(Post::views().range(5, 30)).count(&db).await?, 2);
    /// # Ok(()) });
    /// ```
    pub fn range(self, low: impl Comparable<T>, high: impl Comparable<T>) -> Q {
        match (low.into_rhs(), high.into_rhs()) {
            (Rhs::Value(l), Rhs::Value(h)) => self.lookup(&vocabulary::RANGE, Rhs::Range(l, h)),
            _ => self.lookup(&vocabulary::RANGE, Rhs::List(Vec::new())),
        }
    }

    /// `isnull`: the column is (or is not) NULL.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().filter(Post::title().isnull(false)).count(&db).await?, 3);
    /// # Ok(()) });
    /// ```
    pub fn isnull(self, is_null: bool) -> Q {
        self.lookup(&vocabulary::ISNULL, Rhs::Value(Value::Bool(is_null)))
    }

    /// `field = value` for `update()`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let changed = Post::objects().filter(Post::title().exact("Draft")).update(&db, [Post::published().set(true)]).await?;
    /// assert_eq!(changed, 1);
    /// # Ok(()) });
    /// ```
    pub fn set(self, v: impl Comparable<T>) -> (String, Expression) {
        let expr = match v.into_rhs() {
            Rhs::Expr(e) => e,
            Rhs::Value(v) => Expression::Value(v),
            _ => Expression::Value(Value::Null),
        };
        (self.into_path(), expr)
    }

    /// Ascending order on this field.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let titles = Post::objects().order_by([Post::views().asc()]).values_list_flat::<String>(&db, "title").await?;
    /// assert_eq!(titles, ["Draft", "First Post", "Django ORM in Rust"]);
    /// # Ok(()) });
    /// ```
    pub fn asc(self) -> crate::OrderBy {
        crate::OrderBy { path: self.into_path(), descending: false, nulls: None, expression: None }
    }

    /// Descending order on this field.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let titles = Post::objects().order_by([Post::views().desc()]).values_list_flat::<String>(&db, "title").await?;
    /// assert_eq!(titles, ["Django ORM in Rust", "First Post", "Draft"]);
    /// # Ok(()) });
    /// ```
    pub fn desc(self) -> crate::OrderBy {
        crate::OrderBy { path: self.into_path(), descending: true, nulls: None, expression: None }
    }
}

impl<M, T: TextType> Field<M, T> {
    value_lookups!(
        /// `iexact`: equal, ignoring case.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Author::objects().filter(Author::name().iexact("jane doe")).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        iexact => IEXACT,
        /// `contains`: contains the text (case-sensitive, `%` and `_` match literally).
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::title().contains("ORM")).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        contains => CONTAINS,
        /// `icontains`: contains the text, ignoring case.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::title().icontains("orm")).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        icontains => ICONTAINS,
        /// `startswith`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::title().startswith("Dra")).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        startswith => STARTSWITH,
        /// `istartswith`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::title().istartswith("dj")).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        istartswith => ISTARTSWITH,
        /// `endswith`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::title().endswith("Rust")).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        endswith => ENDSWITH,
        /// `iendswith`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::title().iendswith("POST")).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        iendswith => IENDSWITH
    );

    /// `regex`: matches the regular expression.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().filter(Post::title().regex(r"^D.*t$")).count(&db).await?, 2);
    /// # Ok(()) });
    /// ```
    pub fn regex(self, pattern: &str) -> Q {
        self.lookup(&vocabulary::REGEX, Rhs::Value(Value::from(pattern)))
    }

    /// `iregex`: matches the regular expression, ignoring case.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().filter(Post::title().iregex(r"^d")).count(&db).await?, 2);
    /// # Ok(()) });
    /// ```
    pub fn iregex(self, pattern: &str) -> Q {
        self.lookup(&vocabulary::IREGEX, Rhs::Value(Value::from(pattern)))
    }
}

macro_rules! int_part {
    ($($(#[$doc:meta])* $name:ident => $def:ident),*) => {$(
        $(#[$doc])*
        pub fn $name(self) -> Field<M, i32> {
            self.transform(&vocabulary::$def)
        }
    )*};
}

impl<M, T: DateType> Field<M, T> {
    int_part!(
        /// `__year`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::created_at().year().exact(2024)).count(&db).await?, 2);
        /// # Ok(()) });
        /// ```
        year => YEAR,
        /// `__iso_year`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::created_at().iso_year().gte(2025)).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        iso_year => ISO_YEAR,
        /// `__quarter`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::created_at().quarter().exact(1)).count(&db).await?, 3);
        /// # Ok(()) });
        /// ```
        quarter => QUARTER,
        /// `__month`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::created_at().month().exact(3)).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        month => MONTH,
        /// `__week` (ISO week number).
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// // 2024-01-10 is in ISO week 2.
        /// assert_eq!(Post::objects().filter(Post::created_at().week().exact(2)).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        week => WEEK,
        /// `__day`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::created_at().day().exact(5)).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        day => DAY,
        /// `__week_day` (1 = Sunday … 7 = Saturday).
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// // 2024-01-10 was a Wednesday: 4 counting from Sunday.
        /// assert_eq!(Post::objects().filter(Post::created_at().week_day().exact(4)).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        week_day => WEEK_DAY,
        /// `__iso_week_day` (1 = Monday … 7 = Sunday).
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// // 2025-02-01 was a Saturday: 6 counting from Monday.
        /// assert_eq!(Post::objects().filter(Post::created_at().iso_week_day().exact(6)).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        iso_week_day => ISO_WEEK_DAY
    );
}

impl<M, T: DateTimeType> Field<M, T> {
    /// `__date`: the calendar date in the current time zone.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let day = NaiveDate::from_ymd_opt(2024, 3, 5).expect("a date");
    /// assert_eq!(Post::objects().filter(Post::created_at().date().exact(day)).count(&db).await?, 1);
    /// # Ok(()) });
    /// ```
    pub fn date(self) -> Field<M, NaiveDate> {
        self.transform(&vocabulary::DATE)
    }
    /// `__time`: the time of day in the current time zone.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let noon = NaiveTime::from_hms_opt(12, 0, 0).expect("a time");
    /// assert_eq!(Post::objects().filter(Post::created_at().time().exact(noon)).count(&db).await?, 1);
    /// # Ok(()) });
    /// ```
    pub fn time(self) -> Field<M, NaiveTime> {
        self.transform(&vocabulary::TIME)
    }
    int_part!(
        /// `__hour`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::created_at().hour().exact(9)).count(&db).await?, 1);
        /// # Ok(()) });
        /// ```
        hour => HOUR,
        /// `__minute`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::created_at().minute().exact(0)).count(&db).await?, 3);
        /// # Ok(()) });
        /// ```
        minute => MINUTE,
        /// `__second`.
        ///
        /// ```
        /// # djorm_doc_examples::run(|db| async move {
        /// # use djorm_doc_examples::{Author, Post, Tag};
        /// use djorm::prelude::*;
        /// assert_eq!(Post::objects().filter(Post::created_at().second().lt(30)).count(&db).await?, 3);
        /// # Ok(()) });
        /// ```
        second => SECOND
    );
}

impl<T> Comparable<T> for Expression {
    fn into_rhs(self) -> Rhs {
        Rhs::Expr(self)
    }
}

/// Implements [`Comparable`] for a field type `$field` from each listed value type.
#[macro_export]
#[doc(hidden)]
macro_rules! __comparable {
    ($field:ty => $($v:ty),+) => {$(
        impl $crate::Comparable<$field> for $v {
            fn into_rhs(self) -> $crate::Rhs {
                $crate::Rhs::Value($crate::FieldType::to_value(&<$field>::from(self)))
            }
        }
        impl $crate::Comparable<Option<$field>> for $v {
            fn into_rhs(self) -> $crate::Rhs {
                $crate::Rhs::Value($crate::FieldType::to_value(&<$field>::from(self)))
            }
        }
    )+};
}

impl<T: crate::FieldType> Comparable<Option<T>> for Option<T> {
    fn into_rhs(self) -> Rhs {
        Rhs::Value(crate::FieldType::to_value(&self))
    }
}

__comparable!(String => String, &str, &String);
__comparable!(bool => bool);
__comparable!(i16 => i16);
__comparable!(i32 => i32, i16);
__comparable!(i64 => i64, i32, i16);
__comparable!(u32 => u32);
__comparable!(f64 => f64, f32);
__comparable!(Decimal => Decimal);
__comparable!(DateTime<Utc> => DateTime<Utc>);
__comparable!(NaiveDate => NaiveDate);
__comparable!(NaiveTime => NaiveTime);
__comparable!(Uuid => Uuid);
__comparable!(serde_json::Value => serde_json::Value);
__comparable!(Vec<u8> => Vec<u8>);

impl Comparable<AutoId> for AutoId {
    fn into_rhs(self) -> Rhs {
        Rhs::Value(crate::FieldType::to_value(&self))
    }
}
impl Comparable<AutoId> for i64 {
    fn into_rhs(self) -> Rhs {
        Rhs::Value(Value::I64(self))
    }
}
impl Comparable<AutoId> for i32 {
    fn into_rhs(self) -> Rhs {
        Rhs::Value(Value::I64(i64::from(self)))
    }
}

/// An `ORDER BY` key: a field path or an expression, direction and NULL placement.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    /// Field path (`"?"` for random order); empty when ordering by an expression.
    pub path: String,
    /// Descending when true.
    pub descending: bool,
    /// Where NULLs go.
    pub nulls: Option<Nulls>,
    /// The expression ordered by (Django's `order_by(Lower("name"))`), instead of a path.
    pub expression: Option<Box<crate::Expression>>,
}

impl OrderBy {
    /// Parses Django's spelling: `"name"`, `"-name"`, `"?"`.
    pub fn parse(spec: &str) -> Self {
        match spec.strip_prefix('-') {
            Some(path) => OrderBy { path: path.to_owned(), descending: true, nulls: None, expression: None },
            None => OrderBy {
                path: spec.trim_start_matches('+').to_owned(),
                descending: false,
                nulls: None,
                expression: None,
            },
        }
    }

    /// Ascending or descending order by an expression (`Lower("name").desc()`).
    pub fn expression(expression: impl Into<crate::Expression>, descending: bool) -> Self {
        OrderBy { path: String::new(), descending, nulls: None, expression: Some(Box::new(expression.into())) }
    }

    /// Puts NULLs first (`F("x").asc(nulls_first=True)`).
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Some(Nulls::First);
        self
    }

    /// Puts NULLs last (`F("x").desc(nulls_last=True)`).
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Some(Nulls::Last);
        self
    }
}

impl From<&str> for OrderBy {
    fn from(spec: &str) -> Self {
        OrderBy::parse(spec)
    }
}

impl From<String> for OrderBy {
    fn from(spec: String) -> Self {
        OrderBy::parse(&spec)
    }
}
