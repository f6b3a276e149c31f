//! The migrations of `contenttypes` and `auth`, shipped in the crate under Django's names:
//! [`crate::install`] installs them, so `migrate` creates the tables, and a database Django
//! migrated shows them applied.

use djorm::apps::MigrationPackage;

macro_rules! files {
    ($app:literal: $($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../migrations/", $app, "/", $name, ".toml")))),*]
    };
}

/// `contenttypes`' migrations.
pub(crate) static CONTENTTYPES: MigrationPackage = MigrationPackage {
    app: "contenttypes",
    migrations: files!("contenttypes": "0001_initial", "0002_remove_content_type_name"),
    django_history: true,
};

/// `auth`'s migrations.
pub(crate) static AUTH: MigrationPackage = MigrationPackage {
    app: "auth",
    migrations: files!("auth":
        "0001_initial",
        "0002_alter_permission_name_max_length",
        "0003_alter_user_email_max_length",
        "0004_alter_user_username_opts",
        "0005_alter_user_last_login_null",
        "0006_require_contenttypes_0002",
        "0007_alter_validators_add_error_messages",
        "0008_alter_user_username_max_length",
        "0009_alter_user_last_name_max_length",
        "0010_alter_group_name_max_length",
        "0011_update_proxy_permissions",
        "0012_alter_user_first_name_max_length",
    ),
    django_history: true,
};
