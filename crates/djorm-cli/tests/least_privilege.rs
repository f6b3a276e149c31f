//! The chapter's least privilege, on PostgreSQL: an owner role runs the migrations, an
//! application role that may only read and write rows runs the app. The app role's CRUD works,
//! its schema changes fail with PostgreSQL's permission error (and advice), and `check --deploy`
//! warns about a superuser connection but not about the app role.

mod common;
use common::{cmd, temp_dir};
use std::process::ExitCode;

use djorm::prelude::*;
use djorm::sql::Compiled;
use djorm::testing::TestDatabase;
use djorm_cli::Project;

mod v1 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "lp")]
    pub struct Invoice {
        pub id: AutoId,
        #[djorm(max_length = 20)]
        pub number: String,
    }
}

mod v2 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "lp")]
    pub struct Invoice {
        pub id: AutoId,
        #[djorm(max_length = 20)]
        pub number: String,
        #[djorm(default = 0)]
        pub total: i32,
    }
}

async fn run(db: &Db, sql: &str) -> djorm::Result<u64> {
    db.execute(&Compiled { sql: sql.into(), params: vec![] }).await
}

#[tokio::test]
async fn the_app_role_reads_and_writes_rows_and_cannot_change_the_schema() {
    let test_db = TestDatabase::new("postgresql", &[]).await.expect("db");
    let url = test_db.url().expect("url");
    let (server, database) = url.rsplit_once('/').expect("a URL");
    let root = test_db.db();
    let (owner, app) = (format!("djorm_owner_{}", std::process::id()), format!("djorm_app_{}", std::process::id()));
    for role in [&owner, &app] {
        let _ = run(root, &format!("DROP ROLE IF EXISTS {role}")).await;
        run(root, &format!("CREATE ROLE {role} LOGIN")).await.expect("role");
    }
    run(root, &format!("ALTER DATABASE \"{database}\" OWNER TO {owner}")).await.expect("owner");
    run(root, &format!("ALTER SCHEMA public OWNER TO {owner}")).await.expect("schema owner");
    run(root, "REVOKE CREATE ON SCHEMA public FROM PUBLIC").await.expect("no CREATE for everyone");
    let as_role = |role: &str| format!("{}/{database}", server.replacen("root@", &format!("{role}@"), 1));
    let (owner_url, app_url) = (as_role(&owner), as_role(&app));

    // The owner migrates and grants the app role row access, now and for tables to come.
    let dir = temp_dir("least-privilege");
    let first = Project { models: Some(vec![v1::Invoice::meta()]), ..Project::default() };
    assert_eq!(cmd(&dir, &owner_url, &first, &["makemigrations"]).await.0, ExitCode::SUCCESS);
    let (code, out) = cmd(&dir, &owner_url, &first, &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let owner_db = djorm::connect(&owner_url).await.expect("owner");
    for grant in [
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}"),
        format!("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}"),
        format!("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}"),
    ] {
        run(&owner_db, &grant).await.expect("grant");
    }

    // The app role: rows yes.
    let app_db = djorm::connect(&app_url).await.expect("app");
    let invoice = v1::Invoice::objects()
        .create(&app_db, v1::Invoice { number: "A-1".into(), ..Default::default() })
        .await
        .expect("insert");
    v1::Invoice::objects().filter(Q::new("pk", invoice.id)).update(&app_db, [("number", "A-2")]).await.expect("update");
    assert_eq!(v1::Invoice::objects().count(&app_db).await.expect("select"), 1);
    v1::Invoice::objects().filter(Q::new("pk", invoice.id)).delete(&app_db).await.expect("delete");

    // Schema no: a new table, and a migration that alters the owner's table.
    let err = run(&app_db, "CREATE TABLE lp_intruder (id int)").await.expect_err("no CREATE on the schema");
    assert!(err.to_string().contains("permission denied for schema public"), "{err}");
    let err = run(&app_db, "ALTER TABLE lp_invoice ADD COLUMN intruder int").await.expect_err("not the owner");
    assert!(
        err.to_string().contains("must be owner of table lp_invoice") && err.to_string().contains("run migrations as"),
        "{err}"
    );
    let second = Project { models: Some(vec![v2::Invoice::meta()]), ..Project::default() };
    assert_eq!(cmd(&dir, &owner_url, &second, &["makemigrations"]).await.0, ExitCode::SUCCESS);
    let (code, out) = cmd(&dir, &app_url, &second, &["migrate"]).await;
    assert_ne!(code, ExitCode::SUCCESS, "{out}");
    assert!(
        out.contains("permission denied for schema public") && out.contains("run migrations as that role"),
        "{out}"
    );
    assert!(out.contains("[42501]"), "PostgreSQL's insufficient_privilege: {out}");
    let (code, out) = cmd(&dir, &owner_url, &second, &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "the owner applies it: {out}");

    // check --deploy: no superuser warning for the app role.
    let (code, out) = cmd(&dir, &app_url, &second, &["check", "--deploy"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(!out.contains("djorm.W003"), "{out}");

    // Leave the cluster as it was: the roles own nothing once their grants are gone.
    drop((owner_db, app_db));
    run(root, &format!("ALTER DATABASE \"{database}\" OWNER TO root")).await.expect("owner back");
    run(root, "ALTER SCHEMA public OWNER TO root").await.expect("schema back");
    for role in [&app, &owner] {
        run(root, &format!("REASSIGN OWNED BY {role} TO root")).await.expect("reassign");
        run(root, &format!("DROP OWNED BY {role}")).await.expect("drop owned");
        run(root, &format!("DROP ROLE {role}")).await.expect("drop role");
    }
}
