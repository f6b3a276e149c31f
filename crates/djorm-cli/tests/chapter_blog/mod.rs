//! The chapter's blog schema for the standalone `djorm` binary's tests: the blog's first
//! migration, copied from the example app into a directory of its own. The example's later
//! migrations depend on djorm-auth's apps, which only a project that installs them (the blog's
//! own `manage` binary) can migrate, as in Django an app's migration that depends on an app
//! missing from INSTALLED_APPS cannot run.

use std::path::{Path, PathBuf};

/// A fresh migrations directory holding `blog/0001_initial.toml` from `examples/blog`.
pub fn blog_migrations() -> PathBuf {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("djorm-chapter-blog-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(dir.join("blog")).expect("a migrations directory");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/blog/migrations/blog/0001_initial.toml");
    std::fs::copy(source, dir.join("blog/0001_initial.toml")).expect("the blog's first migration");
    dir
}
