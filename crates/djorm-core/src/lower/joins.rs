//! The joins a query needs, with Django's aliasing (`T3`), reuse and LEFT OUTER promotion.

use djorm_sql::{Expr, Join, JoinKind};

/// One join: which relation of which alias it follows, and how.
#[derive(Debug, Clone)]
struct JoinEntry {
    parent: String,
    relation: String,
    /// For a multi-valued relation, the filter() call that created it (joins are shared only
    /// within one call, as Django's `filter(a, b)` versus `filter(a).filter(b)`).
    scope: Option<usize>,
    table: String,
    alias: String,
    on: Expr,
    kind: JoinKind,
}

/// The joins of one query, in creation order.
#[derive(Debug, Clone, Default)]
pub struct JoinSet {
    root: String,
    entries: Vec<JoinEntry>,
}

/// How a new join should be made.
#[derive(Debug, Clone, Copy)]
pub struct JoinRequest {
    /// The relation can be missing (nullable key, or a reverse/many relation under OR/NOT):
    /// LEFT OUTER, promoting a join already made.
    pub outer: bool,
    /// A new join is LEFT OUTER, but one already made keeps its kind (columns and ordering
    /// across a nullable relation: a filter's INNER join already rejects missing rows).
    pub new_outer: bool,
    /// Many rows may match (reverse key, many-to-many).
    pub multi: bool,
    /// The filter() call being lowered; `None` reuses a join of any call (ordering, values).
    pub scope: Option<usize>,
}

impl JoinSet {
    /// Joins for a query whose main table is `root`.
    pub fn new(root: &str) -> Self {
        JoinSet { root: root.to_owned(), entries: Vec::new() }
    }

    fn alias_taken(&self, alias: &str) -> bool {
        alias == self.root || self.entries.iter().any(|e| e.alias == alias)
    }

    fn is_outer(&self, alias: &str) -> bool {
        self.entries.iter().any(|e| e.alias == alias && e.kind == JoinKind::LeftOuter)
    }

    /// The alias of the join following `relation` from `parent`, creating it when needed.
    /// `on` builds the condition from the new alias.
    pub fn join(
        &mut self,
        parent: &str,
        relation: &str,
        table: &str,
        request: JoinRequest,
        on: impl FnOnce(&str) -> Expr,
    ) -> String {
        let scope = if request.multi { request.scope } else { None };
        let outer = request.outer || self.is_outer(parent);
        let reusable = |e: &JoinEntry| {
            e.parent == parent
                && e.relation == relation
                && (!request.multi || request.scope.is_none() || e.scope == scope)
        };
        if let Some(existing) = self.entries.iter_mut().find(|e| reusable(e)) {
            if outer {
                existing.kind = JoinKind::LeftOuter;
            }
            return existing.alias.clone();
        }
        let alias = if self.alias_taken(table) { format!("T{}", self.entries.len() + 2) } else { table.to_owned() };
        let on = on(&alias);
        self.entries.push(JoinEntry {
            parent: parent.to_owned(),
            relation: relation.to_owned(),
            scope,
            table: table.to_owned(),
            alias: alias.clone(),
            on,
            kind: if outer || request.new_outer { JoinKind::LeftOuter } else { JoinKind::Inner },
        });
        alias
    }

    /// Makes the join with this alias, and every join it hangs from, LEFT OUTER (for
    /// `isnull=True` across a relation).
    pub fn promote(&mut self, alias: &str) {
        let mut current = alias.to_owned();
        while let Some(entry) = self.entries.iter_mut().find(|e| e.alias == current) {
            entry.kind = JoinKind::LeftOuter;
            current = entry.parent.clone();
        }
        // Joins hanging from a LEFT OUTER join must be LEFT OUTER too.
        let mut changed = true;
        while changed {
            changed = false;
            let outer: Vec<String> =
                self.entries.iter().filter(|e| e.kind == JoinKind::LeftOuter).map(|e| e.alias.clone()).collect();
            for e in &mut self.entries {
                if e.kind == JoinKind::Inner && outer.contains(&e.parent) {
                    e.kind = JoinKind::LeftOuter;
                    changed = true;
                }
            }
        }
    }

    /// True when no join was needed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The joins as SQL AST.
    pub fn to_ast(&self) -> Vec<Join> {
        self.entries
            .iter()
            .map(|e| Join {
                kind: e.kind,
                table: e.table.clone(),
                alias: (e.alias != e.table).then(|| e.alias.clone()),
                on: e.on.clone(),
            })
            .collect()
    }
}
