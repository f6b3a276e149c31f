//! Walking `author__posts__title` through relations, making the joins it needs.

use djorm_sql::{BinOp, Expr};

use super::joins::JoinRequest;
use super::path::{is_lookup_or_transform, parse_tail, ResolvedPath};
use super::Lowerer;
use crate::relations::{join_table, reverse_by_query_name, ReverseKind};
use crate::{Error, FieldMeta, ModelMeta, Result};

/// Where crossing a many-to-many relation leads.
enum Crossed {
    /// Into the related model, at this alias: the path goes on.
    Into(String),
    /// The path ends on the related key.
    Ended(ResolvedPath),
}

fn column(alias: &str, column: &str) -> Expr {
    Expr::column(alias, column)
}

/// The path ends on `field` (read as `column`); what follows it is transforms and a lookup.
fn ended(field: &'static FieldMeta, column: Expr, last_join: Option<String>, tail: &[&str]) -> Result<ResolvedPath> {
    let (transforms, lookup) = parse_tail(field, tail)?;
    Ok(ResolvedPath { field, column, last_join, transforms, lookup })
}

/// True when `name` continues a path into `meta` (a field or relation of it).
/// A field of the related model wins over a lookup or transform of the same name, as in
/// Django (`season__year` is Season's `year` field when it has one, `season__gt` its `gt`).
fn continues_into(meta: &ModelMeta, name: Option<&&str>) -> bool {
    match name {
        Some(n) => {
            meta.field(n).is_some()
                || meta.field_by_attname(n).is_some()
                || meta.many_to_many_field(n).is_some()
                || (!is_lookup_or_transform(n) && reverse_by_query_name(meta, n).is_some())
        }
        None => false,
    }
}

impl Lowerer {
    /// How to join a relation: `nullable` when the other side may be missing (a nullable key,
    /// a reverse or many-to-many relation). A filter's condition rejects a missing row anyway,
    /// so filters join INNER; columns, ordering and values (outside filter()) join LEFT OUTER
    /// there, so rows without a related row stay, as in Django.
    fn request(&self, nullable: bool, multi: bool) -> JoinRequest {
        let state = self.state.borrow();
        JoinRequest {
            outer: state.in_or,
            new_outer: nullable && state.reuse_any,
            multi,
            scope: (!state.reuse_any).then_some(state.scope),
        }
    }

    /// Joins `table` by following `relation` from alias `parent` (the three as a `hop`).
    fn join(&self, hop: (&str, &str, &str), request: JoinRequest, on: impl FnOnce(&str) -> Expr) -> String {
        let (parent, relation, table) = hop;
        self.state.borrow_mut().joins.join(parent, relation, table, request, on)
    }

    /// Crosses a many-to-many join table from `alias` (a row of `meta`): `near` is the join
    /// table's column pointing at `meta`, `far` the one pointing at `other`. Either the path
    /// goes on into `other` (its alias) or it ends on `other`'s key through the join table.
    #[allow(clippy::too_many_arguments)]
    fn through_join_table(
        &self,
        alias: &str,
        seg: &str,
        meta: &'static ModelMeta,
        table: &str,
        (near, far): (&str, &str),
        other: &'static ModelMeta,
        rest: &[&str],
    ) -> Result<Crossed> {
        let pk = meta.pk().column;
        let through = self.join((alias, seg, table), self.request(true, true), |new| {
            column(alias, pk).binary(BinOp::Eq, column(new, near))
        });
        if continues_into(other, rest.first()) {
            let key = format!("{seg}+");
            let other_pk = other.pk().column;
            let next = self.join((&through, &key, other.db_table), self.request(true, true), |new| {
                column(&through, far).binary(BinOp::Eq, column(new, other_pk))
            });
            return Ok(Crossed::Into(next));
        }
        let column = self.qualified(&through, far);
        Ok(Crossed::Ended(ended(other.pk(), column, Some(through), rest)?))
    }

    /// True when the path goes through a relation with many rows on the other side.
    pub(super) fn crosses_multi_valued(&self, path: &str) -> bool {
        let mut meta = self.meta;
        for seg in super::path::segments(path) {
            if let Some(field) = meta.field(seg) {
                match &field.relation {
                    Some(rel) => meta = rel.target.get(),
                    None => return false,
                }
            } else if let Some(m2m) = meta.many_to_many_field(seg) {
                let _ = m2m;
                return true;
            } else if let Some(rev) = reverse_by_query_name(meta, seg) {
                if rev.is_multi() {
                    return true;
                }
                meta = rev.model;
            } else {
                return false;
            }
        }
        false
    }

    /// Resolves a path that names a value — `F()`, `values()`, `order_by()`, an aggregate's
    /// field — with its transforms applied (`created_at__year`); a lookup at its end
    /// (`pk__in`) is an error, as in Django, instead of being dropped.
    pub(super) fn resolve_value(&self, path: &str) -> Result<(Expr, djorm_sql::ValueKind)> {
        let resolved = self.resolve(path)?;
        let last = path.rsplit("__").next().unwrap_or_default();
        if path.contains("__") && crate::vocabulary::lookup(last).is_some() && resolved.field.name != last {
            return Err(Error::field(format!(
                "Cannot resolve keyword '{last}' into field. Join on '{}' not permitted.",
                resolved.field.name
            )));
        }
        Ok((self.lhs(&resolved), resolved.output_kind()))
    }

    /// Resolves a path to the column it ends on, making the joins it crosses.
    pub(super) fn resolve(&self, path: &str) -> Result<ResolvedPath> {
        let segs: Vec<&str> = super::path::segments(path).collect();
        let mut meta: &'static ModelMeta = self.meta;
        let mut alias = self.root_alias();
        let mut last_join = None;
        let mut i = 0;
        while i < segs.len() {
            let seg = segs[i];
            let next = segs.get(i + 1);
            if let Some(field) = meta.field(seg) {
                if let Some(rel) = &field.relation {
                    let target = rel.target.get();
                    let target_field = rel.target_field();
                    // `author__id`: the key's own column holds it, so no join (Django trims it).
                    if next.is_some_and(|n| *n == target_field.name || (*n == "pk" && target_field.primary_key)) {
                        return ended(field, self.qualified(&alias, field.column), last_join, &segs[i + 2..]);
                    }
                    if continues_into(target, next) {
                        let target_column = target_field.column;
                        let (parent, fk) = (alias.clone(), field.column);
                        // A condition on the joined row already rejects a missing one, so filters join INNER
                        // (Django does too); OR, NOT and isnull=True promote to LEFT OUTER.
                        alias = self.join((&parent, seg, target.db_table), self.request(field.null, false), |new| {
                            column(&parent, fk).binary(BinOp::Eq, column(new, target_column))
                        });
                        last_join = Some(alias.clone());
                        meta = target;
                        i += 1;
                        continue;
                    }
                }
                return ended(field, self.qualified(&alias, field.column), last_join, &segs[i + 1..]);
            }
            // A key's attname (`author_id`) is its own column: no join.
            if let Some(field) = meta.field_by_attname(seg) {
                return ended(field, self.qualified(&alias, field.column), last_join, &segs[i + 1..]);
            }
            if let Some(m2m) = meta.many_to_many_field(seg) {
                let table = join_table(meta, m2m)?;
                let columns = (table.source_column.as_str(), table.target_column.as_str());
                match self.through_join_table(&alias, seg, meta, &table.table, columns, table.target, &segs[i + 1..])? {
                    Crossed::Into(next) => {
                        last_join = Some(next.clone());
                        alias = next;
                        meta = table.target;
                        i += 1;
                        continue;
                    }
                    Crossed::Ended(resolved) => return Ok(resolved),
                }
            }
            if let Some(rev) = reverse_by_query_name(meta, seg) {
                let related = rev.model;
                match (rev.kind, rev.field, rev.m2m) {
                    (ReverseKind::ManyToMany, _, Some(m2m)) => {
                        let table = join_table(related, m2m)?;
                        let columns = (table.target_column.as_str(), table.source_column.as_str());
                        match self.through_join_table(
                            &alias,
                            seg,
                            meta,
                            &table.table,
                            columns,
                            related,
                            &segs[i + 1..],
                        )? {
                            Crossed::Into(next) => {
                                last_join = Some(next.clone());
                                alias = next;
                                meta = related;
                                i += 1;
                                continue;
                            }
                            Crossed::Ended(resolved) => return Ok(resolved),
                        }
                    }
                    (_, Some(fk), _) => {
                        let target_column = fk.relation.as_ref().map_or(meta.pk().column, |r| r.target_field().column);
                        let (parent, fk_column) = (alias.clone(), fk.column);
                        alias =
                            self.join((&parent, seg, related.db_table), self.request(true, rev.is_multi()), |new| {
                                column(&parent, target_column).binary(BinOp::Eq, column(new, fk_column))
                            });
                        last_join = Some(alias.clone());
                        meta = related;
                        if continues_into(related, next) {
                            i += 1;
                            continue;
                        }
                        let field = related.pk();
                        return ended(field, self.qualified(&alias, field.column), last_join, &segs[i + 1..]);
                    }
                    _ => {}
                }
            }
            return Err(Error::field(format!(
                "Cannot resolve keyword '{seg}' into field. Choices are: {}",
                meta.field_names().into_iter().filter(|n| !n.ends_with('+')).collect::<Vec<_>>().join(", ")
            )));
        }
        Err(Error::field(format!("'{path}' does not name a field")))
    }
}
