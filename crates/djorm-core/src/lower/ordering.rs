//! ORDER BY and row locks: Django's ordering by a relation (the related Meta.ordering,
//! followed through), ordering keys lowered to expressions, and `select_for_update(of=...)`
//! names mapped to table aliases.

use djorm_sql::{Expr, OrderItem};

use super::{related, Lowerer};
use crate::{Error, ModelMeta, OrderBy, Result};

impl Lowerer {
    /// Django's rule for ordering by a relation (`order_by("author")`): the related model's
    /// Meta.ordering, followed through, with the direction combined; a key without one (or
    /// its attname, `author_id`) orders by the key column.
    fn expand_relation_ordering(&self, key: &OrderBy, out: &mut Vec<OrderBy>, depth: usize) -> Result<()> {
        let expandable = key.expression.is_none() && key.path != "?" && self.annotation(&key.path).is_none();
        let target = expandable.then(|| self.ordered_relation_target(&key.path)).flatten();
        match target {
            Some(target) if depth >= 8 => {
                Err(Error::FieldError(format!("Infinite loop caused by ordering (through {}).", target.object_name)))
            }
            Some(target) => {
                for spec in target.ordering {
                    let inner = OrderBy::parse(spec);
                    let next = OrderBy {
                        path: format!("{}__{}", key.path, inner.path),
                        descending: key.descending != inner.descending,
                        nulls: key.nulls,
                        expression: None,
                    };
                    self.expand_relation_ordering(&next, out, depth + 1)?;
                }
                Ok(())
            }
            None => {
                out.push(key.clone());
                Ok(())
            }
        }
    }

    /// The model a path ends on when its last name is a forward relation whose model has a
    /// default ordering.
    fn ordered_relation_target(&self, path: &str) -> Option<&'static ModelMeta> {
        let mut meta = self.meta;
        let mut segs = path.split("__").peekable();
        while let Some(seg) = segs.next() {
            let field = meta.field(seg)?;
            let target = field.relation.as_ref()?.target.get();
            if segs.peek().is_none() {
                return (seg != "pk" && !target.ordering.is_empty()).then_some(target);
            }
            meta = target;
        }
        None
    }

    pub(super) fn order_items(&self, ordering: &[OrderBy]) -> Result<Vec<OrderItem>> {
        let mut expanded = Vec::with_capacity(ordering.len());
        for key in ordering {
            self.expand_relation_ordering(key, &mut expanded, 0)?;
        }
        expanded
            .iter()
            .map(|o| {
                let expr = if let Some(e) = &o.expression {
                    self.expression(e)?
                } else if o.path == "?" {
                    Expr::Random
                } else if let Some((expr, _)) = self.annotation(&o.path) {
                    expr
                } else {
                    self.resolve_value(&o.path)?.0
                };
                Ok(OrderItem { expr, descending: o.descending, nulls: o.nulls })
            })
            .collect()
    }

    /// `select_for_update(of=...)`'s names as table aliases: `self` is the root table, any
    /// other a relation select_related follows; else Django's FieldError.
    pub(super) fn lock_of(&self, names: &[String], related: &[related::RelatedNode]) -> Result<Vec<String>> {
        let mut aliases = Vec::with_capacity(names.len());
        let mut invalid = Vec::new();
        for name in names {
            match name.as_str() {
                "self" => aliases.push(self.root_alias()),
                path => match related::RelatedNode::alias_of(related, path) {
                    Some(alias) => aliases.push(alias.to_owned()),
                    None => invalid.push(path),
                },
            }
        }
        if invalid.is_empty() {
            return Ok(aliases);
        }
        let mut choices = vec!["self".to_owned()];
        related::RelatedNode::paths(related, "", &mut choices);
        Err(Error::FieldError(format!(
            "Invalid field name(s) given in select_for_update(of=(...)): {}. Only relational fields followed in the \
             query are allowed. Choices are: {}.",
            invalid.join(", "),
            choices.join(", ")
        )))
    }
}
