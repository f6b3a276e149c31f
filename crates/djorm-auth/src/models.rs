//! Django's auth models with Django's tables, columns and constraints: `ContentType`
//! (`django_content_type`), `Permission`, `Group` and `User` (`auth_permission`, `auth_group`,
//! `auth_user` and their join tables).

use djorm::prelude::*;
use djorm::InstanceState;

/// A model known to the database (Django's `django.contrib.contenttypes` `ContentType`):
/// what permissions are attached to.
#[derive(Model, Debug, Clone)]
#[djorm(
    app = "contenttypes",
    db_table = "django_content_type",
    verbose_name = "content type",
    verbose_name_plural = "content types",
    unique(name = "django_content_type_app_label_model_76bd3d3b_uniq", fields = ["app_label", "model"])
)]
pub struct ContentType {
    /// Django's integer `AutoField` key.
    #[djorm(auto_field = "AutoField")]
    pub id: AutoId,
    /// The app (`blog`).
    #[djorm(max_length = 100)]
    pub app_label: String,
    /// The model, lower case (`post`).
    #[djorm(max_length = 100, verbose_name = "python model class name")]
    pub model: String,
    /// The database the row came from.
    pub state: InstanceState,
}

/// A permission (`blog.add_post`), attached to a model's content type.
#[derive(Model, Debug, Clone)]
#[djorm(
    app = "auth",
    verbose_name = "permission",
    verbose_name_plural = "permissions",
    ordering = ["content_type__app_label", "content_type__model", "codename"],
    unique(name = "auth_permission_content_type_id_codename_01ab375a_uniq", fields = ["content_type", "codename"])
)]
pub struct Permission {
    /// Django's integer `AutoField` key.
    #[djorm(auto_field = "AutoField")]
    pub id: AutoId,
    /// What it allows, in words (`Can add post`).
    #[djorm(max_length = 255, verbose_name = "name")]
    pub name: String,
    /// The model it is about.
    #[djorm(on_delete = Cascade, verbose_name = "content type")]
    pub content_type: ForeignKey<ContentType>,
    /// The code checked (`add_post`).
    #[djorm(max_length = 100, verbose_name = "codename")]
    pub codename: String,
    /// The database the row came from.
    pub state: InstanceState,
}

/// A named set of permissions given to users together.
#[derive(Model, Debug, Clone)]
#[djorm(app = "auth", verbose_name = "group", verbose_name_plural = "groups")]
pub struct Group {
    /// Django's integer `AutoField` key.
    #[djorm(auto_field = "AutoField")]
    pub id: AutoId,
    /// Unique name.
    #[djorm(max_length = 150, unique, verbose_name = "name")]
    pub name: String,
    /// The permissions its members have.
    #[djorm(blank, verbose_name = "permissions")]
    pub permissions: ManyToMany<Permission>,
    /// Its members (`User.groups`, Django's `group.user_set`).
    pub user_set: Reverse<User>,
    /// The database the row came from.
    pub state: InstanceState,
}

/// Django's built-in user (`django.contrib.auth.models.User`), row for row: a Django
/// application and a djorm service read and write the same `auth_user`.
#[derive(Model, Debug, Clone)]
#[djorm(app = "auth", str = "username", verbose_name = "user", verbose_name_plural = "users")]
pub struct User {
    /// Django's integer `AutoField` key.
    #[djorm(auto_field = "AutoField")]
    pub id: AutoId,
    /// The password in Django's encoded form (`pbkdf2_sha256$…`), never the password itself.
    #[djorm(max_length = 128, verbose_name = "password")]
    pub password: String,
    /// The last successful login.
    #[djorm(null, blank, verbose_name = "last login")]
    pub last_login: Option<DateTime<Utc>>,
    /// Has every permission without being given any.
    #[djorm(
        default = false,
        verbose_name = "superuser status",
        help_text = "Designates that this user has all permissions without explicitly assigning them."
    )]
    pub is_superuser: bool,
    /// Unique; letters, digits and @/./+/-/_ (Django's `UnicodeUsernameValidator`).
    #[djorm(
        max_length = 150,
        unique,
        verbose_name = "username",
        help_text = "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."
    )]
    pub username: String,
    /// Given name.
    #[djorm(max_length = 150, blank, verbose_name = "first name")]
    pub first_name: String,
    /// Family name.
    #[djorm(max_length = 150, blank, verbose_name = "last name")]
    pub last_name: String,
    /// E-mail address (may be empty).
    #[djorm(email, blank, verbose_name = "email address")]
    pub email: String,
    /// May log into the admin site.
    #[djorm(
        default = false,
        verbose_name = "staff status",
        help_text = "Designates whether the user can log into this admin site."
    )]
    pub is_staff: bool,
    /// May log in at all; unselect instead of deleting accounts.
    #[djorm(
        default = true,
        verbose_name = "active",
        help_text = "Designates whether this user should be treated as active. Unselect this instead of deleting accounts."
    )]
    pub is_active: bool,
    /// When the account was made.
    #[djorm(default = Utc::now(), verbose_name = "date joined")]
    pub date_joined: DateTime<Utc>,
    /// The groups the user belongs to; the user has their permissions.
    #[djorm(
        blank,
        related_name = "user_set",
        related_query_name = "user",
        verbose_name = "groups",
        help_text = "The groups this user belongs to. A user will get all permissions granted to each of their groups."
    )]
    pub groups: ManyToMany<Group>,
    /// Permissions given to the user directly.
    #[djorm(
        blank,
        related_name = "user_set",
        related_query_name = "user",
        verbose_name = "user permissions",
        help_text = "Specific permissions for this user."
    )]
    pub user_permissions: ManyToMany<Permission>,
    /// The database the row came from.
    pub state: InstanceState,
}

/// The four models, for `manage_with` and test databases.
pub fn all() -> Vec<&'static djorm::ModelMeta> {
    vec![ContentType::meta(), Permission::meta(), Group::meta(), User::meta()]
}
