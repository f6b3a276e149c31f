//! Reading migration files and ordering them: the dependency graph, leaves and conflicts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{MigrationError, Result};
use crate::Migration;

/// Every migration under `root` (`<root>/<app>/<name>.toml`) and every one the app crates
/// linked into the binary ship ([`djorm_core::migration_packages`], as `djorm-auth` ships
/// `auth`), sorted by app and name; a file under `root` replaces a shipped migration of the
/// same app and name.
pub fn load(root: &Path) -> Result<Vec<Migration>> {
    let mut out = load_dir(root)?;
    for package in djorm_core::migration_packages() {
        for (name, text) in package.migrations {
            if !out.iter().any(|m| m.app == package.app && m.name == *name) {
                out.push(parse(package.app, name, text)?);
            }
        }
    }
    out.sort_by(|a, b| (&a.app, &a.name).cmp(&(&b.app, &b.name)));
    check_dependencies(&out)?;
    Ok(out)
}

/// The migration files under `root`.
fn load_dir(root: &Path) -> Result<Vec<Migration>> {
    let mut out = Vec::new();
    let Ok(apps) = std::fs::read_dir(root) else { return Ok(out) };
    let mut app_dirs: Vec<_> = apps.filter_map(|e| e.ok()).filter(|e| e.path().is_dir()).collect();
    app_dirs.sort_by_key(|e| e.file_name());
    for app_dir in app_dirs {
        let app = app_dir.file_name().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(app_dir.path())
            .map_err(|source| MigrationError::Io { action: "read", path: app_dir.path(), source })?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort_by_key(|e| e.file_name());
        for file in files {
            let path = file.path();
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let text = std::fs::read_to_string(&path).map_err(|source| MigrationError::Io {
                action: "read",
                path: path.clone(),
                source,
            })?;
            out.push(parse(&app, &name, &text).map_err(|e| at_path(e, &path))?);
        }
    }
    Ok(out)
}

/// `e` naming the file at `path` instead of `<app>/<name>.toml`.
fn at_path(e: MigrationError, path: &Path) -> MigrationError {
    match e {
        MigrationError::Parse { source, .. } => MigrationError::Parse { path: path.to_owned(), source },
        MigrationError::NotAMigration { .. } => MigrationError::NotAMigration { path: path.to_owned() },
        other => other,
    }
}

/// Every dependency names a migration that exists (or one a squashed migration replaces):
/// Django's `NodeNotFoundError`, reported before anything else, so a missing file is not
/// mistaken for two latest migrations.
pub fn check_dependencies(migrations: &[Migration]) -> Result<()> {
    let known: BTreeSet<(&str, &str)> = migrations
        .iter()
        .map(|m| (m.app.as_str(), m.name.as_str()))
        .chain(migrations.iter().flat_map(|m| m.replaces.iter().map(|(a, n)| (a.as_str(), n.as_str()))))
        .collect();
    for m in migrations {
        for (app, name) in &m.dependencies {
            if !known.contains(&(app.as_str(), name.as_str())) {
                return Err(MigrationError::NodeNotFound {
                    migration: format!("{}.{}", m.app, m.name),
                    app: app.clone(),
                    name: name.clone(),
                });
            }
        }
    }
    Ok(())
}

/// True for a name Django accepts from `makemigrations --name`: a Python identifier
/// (letters, digits and `_`, not starting with a digit).
pub fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|c| !c.is_numeric()) && is_word(name)
}

/// True for a migration's or an app's name as a file name: letters, digits and `_` only (a
/// migration's number comes first), so no path separator and no `..`.
pub fn is_word(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Parses one migration file.
/// The errors name the file `<app>/<name>.toml`; [`load`] names the whole path.
pub fn parse(app: &str, name: &str, text: &str) -> Result<Migration> {
    #[derive(serde::Deserialize)]
    struct File {
        /// Every file djorm writes has it (`[]` for an initial migration): a file without it
        /// is empty or not a migration, and must not be recorded as applied.
        dependencies: Option<Vec<(String, String)>>,
        #[serde(default = "yes")]
        atomic: bool,
        #[serde(default)]
        lint_allow: Vec<usize>,
        #[serde(default)]
        replaces: Vec<(String, String)>,
        #[serde(default)]
        operations: Vec<crate::Operation>,
    }
    fn yes() -> bool {
        true
    }
    let path = PathBuf::from(app).join(format!("{name}.toml"));
    let file: File = toml::from_str(text).map_err(|source| MigrationError::Parse { path: path.clone(), source })?;
    let Some(dependencies) = file.dependencies else {
        return Err(MigrationError::NotAMigration { path });
    };
    Ok(Migration {
        app: app.to_owned(),
        name: name.to_owned(),
        dependencies,
        atomic: file.atomic,
        lint_allow: file.lint_allow,
        replaces: file.replaces,
        operations: file.operations,
    })
}

/// `(app, name)` of a migration.
pub type Key = (String, String);

/// The migrations in an order where every dependency comes first (ties by app, then name).
pub fn ordered(migrations: &[Migration]) -> Result<Vec<&Migration>> {
    let by_key: BTreeMap<Key, &Migration> = migrations.iter().map(|m| ((m.app.clone(), m.name.clone()), m)).collect();
    for m in migrations {
        for dep in &m.dependencies {
            if !by_key.contains_key(dep) {
                return Err(MigrationError::NodeNotFound {
                    migration: format!("{}.{}", m.app, m.name),
                    app: dep.0.clone(),
                    name: dep.1.clone(),
                });
            }
        }
    }
    let mut done: BTreeSet<Key> = BTreeSet::new();
    let mut out = Vec::new();
    while out.len() < migrations.len() {
        let next = by_key
            .iter()
            .find(|(k, m)| !done.contains(*k) && m.dependencies.iter().all(|d| done.contains(d)))
            .map(|(k, m)| (k.clone(), *m));
        match next {
            Some((k, m)) => {
                done.insert(k);
                out.push(m);
            }
            None => return Err(MigrationError::CircularDependency),
        }
    }
    Ok(out)
}

/// The latest migration of each app: the ones no other migration of the app depends on.
/// More than one per app is a conflict for `makemigrations --merge`.
pub fn leaves(migrations: &[Migration]) -> BTreeMap<String, Vec<String>> {
    let (migrations, _) = resolve_replacements(migrations, &BTreeSet::new());
    let migrations = migrations.as_slice();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in migrations {
        let depended_on = migrations
            .iter()
            .any(|o| o.app == m.app && o.dependencies.iter().any(|(a, n)| a == &m.app && n == &m.name));
        if !depended_on {
            out.entry(m.app.clone()).or_default().push(m.name.clone());
        }
    }
    out
}

/// Apps with more than one leaf: Django's "Conflicting migrations detected".
pub fn conflicts(migrations: &[Migration]) -> Vec<(String, Vec<String>)> {
    leaves(migrations).into_iter().filter(|(_, l)| l.len() > 1).collect()
}

/// Django's squashed-migration rule: a squashed migration stands in for the ones it replaces
/// when none or all of them are applied (then it counts as applied too); when only some are,
/// the originals run and the squashed one is left out. Dependencies on a replaced migration
/// are pointed at the squashed one that stands in for it.
pub fn resolve_replacements(migrations: &[Migration], applied: &BTreeSet<Key>) -> (Vec<Migration>, BTreeSet<Key>) {
    let mut applied = applied.clone();
    let mut dropped: BTreeSet<Key> = BTreeSet::new();
    let mut redirect: BTreeMap<Key, Key> = BTreeMap::new();
    let present: BTreeSet<Key> = migrations.iter().map(|m| (m.app.clone(), m.name.clone())).collect();
    for m in migrations.iter().filter(|m| !m.replaces.is_empty()) {
        let key = (m.app.clone(), m.name.clone());
        let done = m.replaces.iter().filter(|r| applied.contains(*r)).count();
        if done == 0 || done == m.replaces.len() {
            if done > 0 {
                applied.insert(key.clone());
            }
            for r in &m.replaces {
                dropped.insert(r.clone());
                redirect.insert(r.clone(), key.clone());
            }
        } else {
            dropped.insert(key);
        }
    }
    let out = migrations
        .iter()
        .filter(|m| !dropped.contains(&(m.app.clone(), m.name.clone())))
        .map(|m| {
            let mut m = m.clone();
            for dep in &mut m.dependencies {
                if let Some(to) = redirect.get(dep) {
                    *dep = to.clone();
                }
            }
            m.dependencies.retain(|d| {
                d != &(m.app.clone(), m.name.clone()) && (present.contains(d) || redirect.values().any(|v| v == d))
            });
            m.dependencies.dedup();
            m
        })
        .collect();
    (out, applied)
}

/// The migrations as they run on a new database: squashed migrations stand in for the ones
/// they replace.
pub fn effective(migrations: &[Migration]) -> Vec<Migration> {
    resolve_replacements(migrations, &BTreeSet::new()).0
}

/// Squashes an app's migrations up to `upto` into one that replaces them (Django's
/// `squashmigrations`): their operations in order, and their dependencies on other apps.
pub fn squash(migrations: &[Migration], app: &str, upto: &str, name: Option<&str>) -> Result<Migration> {
    let order = ordered(migrations)?;
    let own: Vec<&Migration> = order.into_iter().filter(|m| m.app == app).collect();
    let end = own.iter().position(|m| m.name == upto).ok_or_else(|| {
        MigrationError::UnknownMigration(format!("Cannot find a migration matching '{upto}' from app '{app}'."))
    })?;
    let squashed = &own[..=end];
    let replaces: Vec<Key> = squashed.iter().map(|m| (m.app.clone(), m.name.clone())).collect();
    let mut dependencies: Vec<Key> = Vec::new();
    for m in squashed {
        for d in &m.dependencies {
            if !replaces.contains(d) && !dependencies.contains(d) {
                dependencies.push(d.clone());
            }
        }
    }
    let number = squashed.first().and_then(|m| m.name.get(..4)).unwrap_or("0001");
    Ok(Migration {
        app: app.to_owned(),
        name: format!("{number}_{}", name.map_or_else(|| format!("squashed_{upto}"), str::to_owned)),
        dependencies,
        atomic: squashed.iter().all(|m| m.atomic),
        lint_allow: Vec::new(),
        replaces,
        operations: squashed.iter().flat_map(|m| m.operations.iter().cloned()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(app: &str, name: &str, deps: &[(&str, &str)]) -> Migration {
        let deps: Vec<String> = deps.iter().map(|(a, n)| format!("[\"{a}\", \"{n}\"]")).collect();
        parse(app, name, &format!("dependencies = [{}]\n", deps.join(", "))).expect("a migration")
    }

    #[test]
    fn a_broken_file_keeps_the_parsers_error_as_its_source() {
        let err = parse("shop", "0002_x", "dependencies = [\n  oops").expect_err("bad TOML");
        assert!(matches!(&err, MigrationError::Parse { path, .. } if path.ends_with("shop/0002_x.toml")), "{err:?}");
        let source = std::error::Error::source(&err).expect("the TOML error");
        assert!(source.to_string().contains("line 2"), "{source}");
        let err = parse("shop", "0003_empty", "").expect_err("not a migration");
        assert!(matches!(err, MigrationError::NotAMigration { .. }), "{err:?}");
    }

    #[test]
    fn the_graph_orders_dependencies_first_and_names_what_is_missing_or_circular() {
        let a = migration("shop", "0001_initial", &[]);
        let b = migration("shop", "0002_more", &[("shop", "0001_initial")]);
        let both = [b.clone(), a.clone()];
        let order: Vec<&str> = ordered(&both).expect("order").iter().map(|m| m.name.as_str()).collect();
        assert_eq!(order, ["0001_initial", "0002_more"]);
        let dangling = migration("shop", "0003_x", &[("shop", "0002_gone")]);
        let err = check_dependencies(&[a.clone(), dangling]).expect_err("missing");
        assert_eq!(
            err.to_string(),
            "Migration shop.0003_x dependencies reference nonexistent parent node ('shop', '0002_gone')"
        );
        let x = migration("shop", "x", &[("shop", "y")]);
        let y = migration("shop", "y", &[("shop", "x")]);
        assert!(matches!(ordered(&[x, y]), Err(MigrationError::CircularDependency)));
    }
}
