//! Every public method of `QuerySet<M>`, every typed lookup and transform of `Field`, and every
//! expression and function of `expr.rs` (`F`, `Case`, `Subquery`, `Lower`, ...) has a doc
//! example (which `cargo test --doc` runs against the doc examples' blog): one added without
//! an example fails these tests.

/// The public methods of `QuerySet<M>` in `source` (inside `impl<M: Model> QuerySet<M>` blocks
/// and the `forward!` list), each with whether its doc comment holds an example; hidden ones
/// are left out.
fn methods(source: &str) -> Vec<(String, bool)> {
    #[derive(PartialEq)]
    enum Block {
        Outside,
        Impl,
        Forward,
    }
    let mut found = Vec::new();
    let mut block = Block::Outside;
    let mut docs: Vec<&str> = Vec::new();
    for line in source.lines() {
        if line.starts_with("impl<M: Model> QuerySet<M> {") {
            block = Block::Impl;
        } else if line.starts_with("forward! {") {
            block = Block::Forward;
        } else if line.starts_with('}') {
            block = Block::Outside;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("///") || trimmed.starts_with("#[") {
            docs.push(trimmed);
            continue;
        }
        let signature = match block {
            Block::Impl => trimmed.strip_prefix("pub async fn ").or_else(|| trimmed.strip_prefix("pub fn ")),
            Block::Forward => trimmed.strip_prefix("fn "),
            Block::Outside => None,
        };
        if let Some(signature) = signature.filter(|_| !docs.contains(&"#[doc(hidden)]")) {
            let name: String = signature.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            found.push((name, docs.iter().any(|d| d.contains("```"))));
        }
        docs.clear();
    }
    found
}

#[test]
fn every_public_queryset_method_has_an_example() {
    let mut all = Vec::new();
    for source in [include_str!("mod.rs"), include_str!("read.rs"), include_str!("write.rs")] {
        all.extend(methods(source));
    }
    every_one_has_an_example("QuerySet methods", &all, 50);
}

/// The typed lookups and transforms of `Field` (`Post::title().icontains(...)`,
/// `Post::created_at().year()`) in `source`: public methods of `impl<M, T...> Field<M, T>`
/// blocks and the entries of the macros that write them (`exact => EXACT`).
fn field_methods(source: &str) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    let mut inside = false;
    let mut docs: Vec<&str> = Vec::new();
    for line in source.lines() {
        if line.starts_with("impl<M, T") && line.contains("Field<M, T>") {
            inside = true;
        } else if line.starts_with('}') {
            inside = false;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("///") || trimmed.starts_with("#[") {
            docs.push(trimmed);
            continue;
        }
        let method = trimmed.strip_prefix("pub const fn ").or_else(|| trimmed.strip_prefix("pub fn "));
        let entry = trimmed.split_once(" => ").filter(|(name, def)| {
            name.starts_with(|c: char| c.is_ascii_lowercase())
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && def.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        });
        let name = match (method, entry) {
            (Some(signature), _) => Some(signature.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()),
            (None, Some((name, _))) => Some(name.to_owned()),
            (None, None) => None,
        };
        if let Some(name) = name.filter(|_| inside) {
            found.push((name, docs.iter().any(|d| d.contains("```"))));
        }
        docs.clear();
    }
    found
}

#[test]
fn every_typed_lookup_and_transform_has_an_example() {
    let all = field_methods(include_str!("../field.rs"));
    every_one_has_an_example("Field methods", &all, 30);
}

/// Django's expressions and functions in `expr.rs`: the free functions spelled as Django's
/// classes (`F`, `Case`, `Subquery`, `Cast`, ...) and the entries of the macros that write the
/// others (`Lower => LOWER`).
fn expressions(source: &str) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    let mut docs: Vec<&str> = Vec::new();
    for line in source.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("///") || trimmed.starts_with("#[") {
            docs.push(trimmed);
            continue;
        }
        let function = line.strip_prefix("pub fn ").filter(|s| s.starts_with(|c: char| c.is_ascii_uppercase()));
        let entry = trimmed
            .split_once(" => ")
            .filter(|(name, def)| {
                name.starts_with(|c: char| c.is_ascii_uppercase())
                    && name.chars().all(char::is_alphanumeric)
                    && def.trim_end_matches(',').chars().all(|c| c.is_ascii_uppercase() || c == '_')
            })
            .map(|(name, _)| name);
        let name = function.map(|s| s.chars().take_while(|c| c.is_alphanumeric()).collect::<String>());
        if let Some(name) = name.or(entry.map(str::to_owned)) {
            found.push((name, docs.iter().any(|d| d.contains("```"))));
        }
        docs.clear();
    }
    found
}

#[test]
fn every_expression_and_function_has_an_example() {
    let all = expressions(include_str!("../expr.rs"));
    every_one_has_an_example("expressions", &all, 20);
}

/// Fails unless more than `at_least` items were found (the scan still reads the source) and
/// every one has an example, naming those without.
fn every_one_has_an_example(what: &str, found: &[(String, bool)], at_least: usize) {
    assert!(found.len() > at_least, "found only {} {what}: {found:?}", found.len());
    let missing: Vec<&str> = found.iter().filter(|(_, example)| !example).map(|(name, _)| name.as_str()).collect();
    assert!(missing.is_empty(), "{what} without a doc example: {}", missing.join(", "));
}
