//! select_related: the joins and columns of related objects, and the plan to decode them.

use djorm_sql::{BinOp, Expr, Select, SelectItem, ValueKind};

use super::joins::JoinRequest;
use super::Lowerer;
use crate::relations::{reverse_by_accessor, reverse_by_query_name, ReverseKind};
use crate::{Error, ModelMeta, Result};

/// A related object that select_related puts into each row, after its parent's columns.
#[derive(Debug, Clone)]
pub struct RelatedNode {
    /// The field (or reverse one-to-one accessor) on the parent.
    pub name: String,
    /// The related model.
    pub meta: &'static ModelMeta,
    /// Objects related to this one, in column order.
    pub children: Vec<RelatedNode>,
    alias: String,
    /// Columns taken by this object and its children (worked out once, read per row).
    width: usize,
    /// Whether the primary key is an integer (looked at without building a value).
    pub(crate) int_key: bool,
}

impl RelatedNode {
    /// The table alias of the object `path` (`author__country`) names among `nodes`.
    pub(crate) fn alias_of<'a>(nodes: &'a [RelatedNode], path: &str) -> Option<&'a str> {
        let (head, rest) = path.split_once("__").map_or((path, None), |(h, r)| (h, Some(r)));
        let node = nodes.iter().find(|n| n.name == head)?;
        match rest {
            None => Some(&node.alias),
            Some(rest) => Self::alias_of(&node.children, rest),
        }
    }

    /// Every path the tree follows (`author`, `author__country`), parents first.
    pub(crate) fn paths(nodes: &[RelatedNode], prefix: &str, out: &mut Vec<String>) {
        for node in nodes {
            let path = format!("{prefix}{}", node.name);
            out.push(path.clone());
            Self::paths(&node.children, &format!("{path}__"), out);
        }
    }

    /// Columns taken by this object and its children.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Sets each node's width, children first.
    fn measure(nodes: &mut [RelatedNode]) {
        for node in nodes {
            RelatedNode::measure(&mut node.children);
            node.width = node.meta.fields.len() + node.children.iter().map(RelatedNode::width).sum::<usize>();
        }
    }
}

impl Lowerer {
    /// Joins and selects the objects `paths` name (`"author"`, `"author__user"`), returning
    /// the decode plan.
    pub(super) fn select_related(
        &self,
        paths: &[String],
        select: &mut Select,
        kinds: &mut Vec<ValueKind>,
    ) -> Result<Vec<RelatedNode>> {
        let mut roots: Vec<RelatedNode> = Vec::new();
        for path in paths {
            let mut meta = self.meta;
            let mut alias = self.root_alias();
            let mut nodes = &mut roots;
            for seg in path.split("__") {
                let (target, new_alias) = self.related_hop(meta, &alias, seg)?;
                let position = match nodes.iter().position(|n| n.name == seg) {
                    Some(p) => p,
                    None => {
                        nodes.push(RelatedNode {
                            name: seg.to_owned(),
                            meta: target,
                            children: Vec::new(),
                            alias: new_alias.clone(),
                            width: 0,
                            int_key: matches!(
                                target.pk().value_kind(),
                                ValueKind::I64 | ValueKind::I32 | ValueKind::I16
                            ),
                        });
                        nodes.len() - 1
                    }
                };
                meta = target;
                alias = new_alias;
                nodes = &mut nodes[position].children;
            }
        }
        // Columns go depth-first (a node, then its children), the order decoding reads them.
        fn emit(nodes: &[RelatedNode], select: &mut Select, kinds: &mut Vec<ValueKind>) {
            for node in nodes {
                for f in node.meta.fields {
                    let column = Expr::column(node.alias.clone(), f.column);
                    select.columns.push(SelectItem { expr: Lowerer::read_column(column, f), alias: None });
                    kinds.push(f.value_kind());
                }
                emit(&node.children, select, kinds);
            }
        }
        emit(&roots, select, kinds);
        RelatedNode::measure(&mut roots);
        Ok(roots)
    }

    fn related_hop(&self, meta: &'static ModelMeta, alias: &str, seg: &str) -> Result<(&'static ModelMeta, String)> {
        let request = |outer| JoinRequest { outer, new_outer: false, multi: false, scope: None };
        if let Some(field) = meta.field(seg) {
            if let Some(rel) = &field.relation {
                let target = rel.target.get();
                let target_column = rel.target_field().column;
                let parent = alias.to_owned();
                let a = self.state.borrow_mut().joins.join(&parent, seg, target.db_table, request(field.null), |new| {
                    Expr::column(parent.clone(), field.column).binary(BinOp::Eq, Expr::column(new, target_column))
                });
                return Ok((target, a));
            }
        }
        let reverse = reverse_by_accessor(meta, seg).or_else(|| reverse_by_query_name(meta, seg));
        if let Some(rev) = reverse.filter(|r| r.kind == ReverseKind::OneToOne) {
            if let Some(fk) = rev.field {
                let related = rev.model;
                let parent = alias.to_owned();
                let pk = meta.pk().column;
                let a = self.state.borrow_mut().joins.join(&parent, seg, related.db_table, request(true), |new| {
                    Expr::column(parent.clone(), pk).binary(BinOp::Eq, Expr::column(new, fk.column))
                });
                return Ok((related, a));
            }
        }
        let mut choices: Vec<String> =
            meta.fields.iter().filter(|f| f.relation.is_some()).map(|f| f.name.to_owned()).collect();
        choices.extend(
            crate::relations::reverse_relations(meta)
                .iter()
                .filter(|r| r.kind == ReverseKind::OneToOne)
                .map(|r| r.accessor_name.clone()),
        );
        Err(Error::field(format!(
            "Invalid field name(s) given in select_related: '{seg}'. Choices are: {}",
            if choices.is_empty() { "(none)".to_owned() } else { choices.join(", ") }
        )))
    }
}
