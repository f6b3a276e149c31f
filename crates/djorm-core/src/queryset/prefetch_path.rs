//! How one `prefetch_related()` path segment links related rows to their parents: the one
//! rule both loaders (typed objects, the untyped rows the shell shows) follow.

use crate::relations::{reverse_by_accessor, reverse_by_query_name, reverse_relations, ReverseKind};
use crate::ModelMeta;

/// How one level links children to parents.
#[derive(Debug, Clone)]
pub(crate) struct Level {
    /// The related model.
    pub child: &'static ModelMeta,
    /// The path on the child whose value equals the parent's key (`author`, `tags`, `id`).
    pub link: String,
    /// Which field of the parent holds that key.
    pub parent_key: usize,
    /// Many children per parent (reverse keys, many-to-many) or at most one (keys, one-to-one).
    pub many: bool,
}

/// The level `name` reaches from `meta`: a key on the parent (`post.author`), a many-to-many
/// field either way, or a reverse key; Django's message when it is none of them.
pub(crate) fn level(meta: &'static ModelMeta, name: &str) -> Result<Level, String> {
    if let Some((index, field)) = meta.fields.iter().enumerate().find(|(_, f)| f.name == name) {
        if let Some(rel) = &field.relation {
            return Ok(Level {
                child: rel.target.get(),
                link: rel.target_field().name.to_owned(),
                parent_key: index,
                many: false,
            });
        }
    }
    if let Some(m2m) = meta.many_to_many_field(name) {
        let child = m2m.target.get();
        let link = if m2m.symmetrical && child.is(meta) {
            m2m.name.to_owned()
        } else {
            reverse_relations(child)
                .iter()
                .find(|r| r.kind == ReverseKind::ManyToMany && r.m2m.is_some_and(|m| std::ptr::eq(m, m2m)))
                .map(|r| r.query_name.clone())
                .ok_or_else(|| format!("no reverse side for {}.{name}", meta.object_name))?
        };
        return Ok(Level { child, link, parent_key: meta.pk_index, many: true });
    }
    if let Some(rev) = reverse_by_accessor(meta, name).or_else(|| reverse_by_query_name(meta, name)) {
        let (link, parent_key) = match (rev.field, rev.m2m) {
            (Some(f), _) => {
                let target = f.relation.as_ref().map_or(meta.pk().name, |r| r.target_field().name);
                (f.name.to_owned(), meta.fields.iter().position(|x| x.name == target).unwrap_or(meta.pk_index))
            }
            (None, Some(m)) => (m.name.to_owned(), meta.pk_index),
            (None, None) => (String::new(), meta.pk_index),
        };
        return Ok(Level { child: rev.model, link, parent_key, many: rev.is_multi() });
    }
    Err(format!(
        "Cannot find '{name}' on {} object, '{name}' is an invalid parameter to prefetch_related()",
        meta.object_name
    ))
}

/// Checks a whole path (`"posts__tags"`): Django's message names the segment and the path.
pub(crate) fn validate(model: &'static ModelMeta, path: &str) -> Result<(), String> {
    let mut meta = model;
    for segment in path.split("__") {
        meta = level(meta, segment).map(|l| l.child).map_err(|_| {
            format!(
                "Cannot find '{segment}' on {} object, '{path}' is an invalid parameter to prefetch_related()",
                meta.object_name
            )
        })?;
    }
    Ok(())
}
