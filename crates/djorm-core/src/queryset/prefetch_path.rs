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
/// Returns the model holding the last relation and the model it leads to.
pub(crate) fn validate(
    model: &'static ModelMeta,
    path: &str,
) -> Result<(&'static ModelMeta, &'static ModelMeta), String> {
    let (mut owner, mut meta) = (model, model);
    for segment in path.split("__") {
        owner = meta;
        meta = level(meta, segment).map(|l| l.child).map_err(|_| {
            format!(
                "Cannot find '{segment}' on {} object, '{path}' is an invalid parameter to prefetch_related()",
                meta.object_name
            )
        })?;
    }
    Ok((owner, meta))
}

/// Django's checks of a `Prefetch`: `to_attr` must not hide a field of the model it is set on,
/// and the QuerySet must be of the related model, returning objects.
pub(crate) fn validate_prefetch(model: &'static ModelMeta, lookup: &crate::Prefetch) -> crate::Result<()> {
    let (owner, child) = validate(model, &lookup.path).map_err(crate::Error::FieldError)?;
    if let Some(attr) = &lookup.to_attr {
        let clashes = owner.field(attr).is_some()
            || owner.many_to_many_field(attr).is_some()
            || reverse_by_accessor(owner, attr).is_some()
            || reverse_by_query_name(owner, attr).is_some();
        if clashes {
            return Err(crate::Error::InvalidValue(format!(
                "to_attr={attr} conflicts with a field on the {} model.",
                owner.object_name
            )));
        }
    }
    if let Some(query) = &lookup.query {
        if query.values.is_some() {
            return Err(crate::Error::InvalidValue(
                "Prefetch querysets cannot use raw(), values(), and values_list().".into(),
            ));
        }
        if !std::ptr::eq(query.model, child) {
            return Err(crate::Error::InvalidValue(format!(
                "Prefetch('{}') needs a QuerySet of {}, not of {}.",
                lookup.path, child.object_name, query.model.object_name
            )));
        }
    }
    Ok(())
}
