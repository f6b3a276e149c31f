//! A custom user model (Django's `AUTH_USER_MODEL` with `AbstractBaseUser` and
//! `PermissionsMixin`): an application's `Member` logs in with its e-mail, has a field of its
//! own, and gets the manager, hashing, logins, permissions through groups, the default
//! permissions after migrate, `createsuperuser` and the shell's methods; a profile made by a
//! post_save receiver relates to it as the chapter's Profile relates to `User`. Both backends.

use std::process::ExitCode;
use std::sync::Arc;

use djorm::prelude::*;
use djorm::testing::{test_backends, TestDatabase};
use djorm_auth::hashers::{self, PasswordHasher, PasswordHashers, Pbkdf2PasswordHasher};
use djorm_auth::permissions::get_permission;
use djorm_auth::{authenticate, AuthUser, AuthUserExt, Group, Permission, UserManager};
use serde_json::{json, Value as Json};

/// The application's user: logs in with `email`; `display_name` is its own field.
#[derive(Model, Debug, Clone)]
#[djorm(app = "accounts", str = "email")]
pub struct Member {
    /// Key.
    pub id: AutoId,
    /// Django's encoded password.
    #[djorm(max_length = 128)]
    pub password: String,
    /// The last login.
    #[djorm(null, blank)]
    pub last_login: Option<DateTime<Utc>>,
    /// The username field.
    #[djorm(email, unique, max_length = 254)]
    pub email: String,
    /// The application's own field, asked for by createsuperuser (REQUIRED_FIELDS).
    #[djorm(max_length = 100)]
    pub display_name: String,
    /// May log in.
    #[djorm(default = true)]
    pub is_active: bool,
    /// Every permission.
    #[djorm(default = false)]
    pub is_superuser: bool,
    /// The admin site.
    #[djorm(default = false)]
    pub is_staff: bool,
    /// PermissionsMixin's groups.
    #[djorm(blank, related_name = "member_set", related_query_name = "member")]
    pub groups: ManyToMany<Group>,
    /// PermissionsMixin's direct permissions.
    #[djorm(blank, related_name = "member_set", related_query_name = "member")]
    pub user_permissions: ManyToMany<Permission>,
}

impl AuthUser for Member {
    const USERNAME_FIELD: &'static str = "email";
    const EMAIL_FIELD: &'static str = "email";
    const REQUIRED_FIELDS: &'static [&'static str] = &["display_name"];
}

/// The chapter's Profile, on the configured user model.
#[derive(Model, Debug, Clone)]
#[djorm(app = "accounts")]
pub struct MemberProfile {
    /// Key.
    pub id: AutoId,
    /// `OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name='profile')`.
    #[djorm(on_delete = Cascade, related_name = "profile")]
    pub user: OneToOne<Member>,
    /// `TextField(blank=True)`.
    #[djorm(blank)]
    pub bio: String,
}

fn models() -> Vec<&'static djorm::ModelMeta> {
    let mut all = djorm_auth::models::all();
    all.extend([Member::meta(), MemberProfile::meta()]);
    all
}

async fn djorm(url: &str, dir: &str, args: &[&str]) -> (ExitCode, String) {
    let args: Vec<String> = ["--database", url, "--dir", dir].iter().chain(args).map(|s| (*s).to_owned()).collect();
    let project = djorm_cli::Project { models: Some(models()), ..Default::default() };
    let mut out = Vec::new();
    let code = djorm_cli::run(&args, &project, &mut out).await;
    (code, String::from_utf8_lossy(&out).into_owned())
}

async fn shell(url: &str, dir: &str, line: &str) -> Json {
    let (code, text) = djorm(url, dir, &["shell", "--yes", "--format", "json", "-c", line]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{line}\n{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{line}: {e}\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_user_model_gets_auth() {
    djorm_auth::install_with_user_model::<Member>();
    hashers::configure(
        PasswordHashers::new(vec![Arc::new(Pbkdf2PasswordHasher { iterations: 1000 }) as Arc<dyn PasswordHasher>])
            .expect("hashers"),
    );
    djorm::signals::connect::<Member>(djorm::signals::Signal::PostSave, |db, member, created| {
        Box::pin(async move {
            if created {
                MemberProfile::objects()
                    .create(db, MemberProfile { user: member.into(), ..Default::default() })
                    .await?;
            }
            Ok(())
        })
    });
    let dir = std::env::temp_dir().join(format!("djorm-custom-user-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let dir = dir.display().to_string();
    for backend in test_backends() {
        let test_db = TestDatabase::empty(backend).await.expect("a test database");
        let (db, url) = (test_db.db(), test_db.url().expect("url"));
        if backend == test_backends()[0] {
            // The app's migration depends on auth's, as Django's would on AUTH_USER_MODEL's app.
            let (code, said) = djorm(&url, &dir, &["makemigrations", "accounts"]).await;
            assert_eq!(code, ExitCode::SUCCESS, "{said}");
            let written = std::fs::read_to_string(format!("{dir}/accounts/0001_initial.toml")).expect("migration");
            assert!(written.contains("auth"), "{written}");
        }
        let (code, said) = djorm(&url, &dir, &["migrate"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{said}");

        // The four default permissions of the app's models, as after Django's migrate.
        for action in ["add", "change", "delete", "view"] {
            let perm = get_permission(db, &format!("accounts.{action}_member")).await;
            assert!(perm.is_ok(), "{backend}: accounts.{action}_member: {perm:?}");
        }

        // The manager: the username field is the e-mail, the app's field is set too.
        let ada = Member::objects()
            .create_user_with(db, "ada@example.com", None, Some("correct horse"), |m| m.display_name = "Ada".into())
            .await
            .expect("create_user");
        assert!(ada.password.starts_with("pbkdf2_sha256$1000$"), "{}", ada.password);
        assert_eq!((ada.get_username(), ada.display_name.as_str()), ("ada@example.com".into(), "Ada"));
        let said = Member::objects().create_user(db, "", None, Some("x")).await.expect_err("no username");
        assert!(said.to_string().contains("The given username must be set"), "{said}");

        // Logins and the profile the receiver made.
        let logged = authenticate::<Member>(db, "ada@example.com", "correct horse").await.expect("authenticate");
        assert_eq!(logged.map(|m| m.id), Some(ada.id), "{backend}");
        assert!(authenticate::<Member>(db, "ada@example.com", "wrong").await.expect("authenticate").is_none());
        let profile = ReverseOne::<MemberProfile>::of(&ada, "profile").get(db).await.expect("the profile");
        assert_eq!(profile.user.id, ada.id, "{backend}");
        assert_eq!(profile.user.get(db).await.expect("profile.user").email, "ada@example.com");

        // Permissions through a group, none when inactive, all for a superuser.
        let editors =
            Group::objects().create(db, Group { name: "editors".into(), ..Default::default() }).await.expect("group");
        let add_member = get_permission(db, "accounts.add_member").await.expect("permission");
        editors.permissions.add(db, [&add_member]).await.expect("grant");
        assert!(!ada.has_perm(db, "accounts.add_member").await.expect("has_perm"));
        ada.groups.add(db, [&editors]).await.expect("join");
        assert!(ada.has_perm(db, "accounts.add_member").await.expect("has_perm"), "{backend}");
        assert_eq!(
            ada.get_all_permissions(db).await.expect("permissions").into_iter().collect::<Vec<_>>(),
            ["accounts.add_member"]
        );
        let mut inactive = ada.clone();
        inactive.is_active = false;
        assert!(!inactive.has_perm(db, "accounts.add_member").await.expect("has_perm"));

        // createsuperuser on the configured model: the e-mail and the app's required field.
        std::env::set_var("DJANGO_SUPERUSER_EMAIL", "root@example.com");
        std::env::set_var("DJANGO_SUPERUSER_DISPLAY_NAME", "Root");
        std::env::set_var("DJANGO_SUPERUSER_PASSWORD", "Tr0ub4dor&3-horse");
        let (code, said) = djorm(&url, &dir, &["createsuperuser", "--noinput"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{said}");
        let root = djorm_auth::get_by_natural_key::<Member>(db, "root@example.com").await.expect("root");
        assert!(root.is_superuser && root.is_staff && root.display_name == "Root", "{root:?}");
        assert!(root.has_perm(db, "blog.anything").await.expect("has_perm"));

        // The shell's methods are the configured model's.
        let line = r#"m = Member.objects.create_user("bob@example.com", password="pw", display_name="Bob"); m.check_password("pw")"#;
        assert_eq!(shell(&url, &dir, line).await, json!(true), "{backend}");
        let line = r#"m = Member.objects.get_by_natural_key("ada@example.com"); m.has_perm("accounts.add_member")"#;
        assert_eq!(shell(&url, &dir, line).await, json!(true), "{backend}");
        assert_eq!(Member::objects().count(db).await.expect("count"), 3);
    }
}
