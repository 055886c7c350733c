//! Rendering relational loads: a parent's related rows as JSON in one statement
//! ([`Node::Related`]), `EXISTS` and counts of related rows, and batched loads ([`Batch`]).
//! Every spelling that differs comes from the dialect ([`Dialect::json`](super::Dialect::json),
//! its projections and capabilities).

use crate::ast::{Batch, BatchKeys, Related, Select, SelectItem};
use crate::dialect::{Limit, Renderer};
use crate::expr::{Direction, Node};
use crate::schema::RelationMeta;
use crate::schema::TableMeta;

impl Renderer {
    /// A relational query's statement: `select`, whose items may include [`Node::Related`]
    /// JSON. Where the dialect's JSON aggregate has session limits (MariaDB), the statement
    /// raises them for itself and selects them last, so that a result the server cut (only a
    /// warning there) is refused rather than returned.
    pub(crate) fn select_with_related(&mut self, mut select: Select) {
        let spelling = self.dialect.json();
        let related = select
            .columns
            .iter()
            .any(|item| matches!(item.expr, Node::Related(_)));
        if !related || spelling.limit_columns.is_empty() {
            return self.select(&select);
        }
        if let Some(prefix) = spelling.statement_prefix {
            self.push(prefix);
        }
        select.columns.extend(
            spelling
                .limit_columns
                .iter()
                .map(|&limit| SelectItem::new(Node::Raw(limit))),
        );
        self.select(&select);
    }

    fn qualified(&mut self, alias: &str, table: &TableMeta, col: usize) {
        self.ident(alias);
        self.push(".");
        self.ident(table.columns[col].name);
    }

    /// `a.x = b.y AND …` over paired key columns.
    fn key_equality(
        &mut self,
        a: &str,
        at: &TableMeta,
        ak: &[usize],
        b: &str,
        bt: &TableMeta,
        bk: &[usize],
    ) {
        for (i, (&x, &y)) in ak.iter().zip(bk).enumerate() {
            if i > 0 {
                self.push(" AND ");
            }
            self.qualified(a, at, x);
            self.push(" = ");
            self.qualified(b, bt, y);
        }
    }

    /// `a.x, a.y, …`.
    fn qualified_list(&mut self, alias: &str, table: &TableMeta, cols: &[usize]) {
        for (i, &c) in cols.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.qualified(alias, table, c);
        }
    }

    /// An alias no other table of the statement has: `{prefix}{n}` for a number `n` used by no
    /// other alias, such that neither it nor its junction's alias (`{prefix}{n}j`, see
    /// [`junction_alias`]) may be taken for a table the statement reads under its own name.
    pub(crate) fn fresh_alias(&mut self, prefix: &str) -> String {
        loop {
            self.aliases += 1;
            let alias = format!("{prefix}{}", self.aliases);
            let junction = junction_alias(&alias);
            if !self
                .unaliased
                .iter()
                .any(|name| may_name(name, &alias) || may_name(name, &junction))
            {
                return alias;
            }
        }
    }

    /// `[NOT] EXISTS (…)` for a relation of the table in scope.
    pub(crate) fn exists(
        &mut self,
        meta: &'static RelationMeta,
        filter: Option<&Node>,
        source: Option<&Node>,
        negated: bool,
    ) {
        let head = if negated {
            "NOT EXISTS (SELECT 1 FROM "
        } else {
            "EXISTS (SELECT 1 FROM "
        };
        self.related_subquery(meta, filter, source, head, "e");
    }

    /// `(SELECT COUNT(*) FROM …)`: how many related rows a row of the table in scope has.
    pub(crate) fn count_related(
        &mut self,
        meta: &'static RelationMeta,
        filter: Option<&Node>,
        source: Option<&Node>,
    ) {
        self.related_subquery(meta, filter, source, "(SELECT COUNT(*) FROM ", "c");
    }

    /// `head` then the related rows of the row in scope matching `filter` (on the target and
    /// the junction) and `source` (on the row in scope), with a fresh alias starting with
    /// `alias`, then `)`.
    fn related_subquery(
        &mut self,
        meta: &'static RelationMeta,
        filter: Option<&Node>,
        source: Option<&Node>,
        head: &str,
        alias: &str,
    ) {
        let parent = self.alias_of(meta.source.name);
        let t = self.fresh_alias(alias);
        self.push(head);
        self.relation_from(meta, &t, &parent);
        if let Some(f) = filter {
            self.push(" AND ");
            let pushed = self.push_relation_scope(meta, &t, &junction_alias(&t));
            self.node(f);
            self.pop_scope(pushed);
        }
        if let Some(f) = source {
            // The source's columns are the row in scope: the scope as it was.
            self.push(" AND ");
            self.node(f);
        }
        self.push(")");
    }

    /// Brings a relation's target (as `t`) and its junction (as `t`'s junction alias) into
    /// scope (as `j`), for its filter and order; returns how many scope entries it pushed.
    fn push_relation_scope(&mut self, meta: &RelationMeta, t: &str, j: &str) -> usize {
        self.scope.push((meta.target.name, t.to_owned()));
        match meta.through {
            Some(junction) => {
                self.scope.push((junction.name, j.to_owned()));
                2
            }
            None => 1,
        }
    }

    fn pop_scope(&mut self, n: usize) {
        let len = self.scope.len();
        self.scope.truncate(len.saturating_sub(n));
    }

    /// `target AS t [JOIN junction AS j ON …] WHERE <link to parent>`.
    fn relation_from(&mut self, meta: &RelationMeta, t: &str, parent: &str) {
        self.table(meta.target);
        self.push(" AS ");
        self.ident(t);
        match meta.through {
            Some(junction) => {
                let j = junction_alias(t);
                self.push(" JOIN ");
                self.table(junction);
                self.push(" AS ");
                self.ident(&j);
                self.push(" ON ");
                self.key_equality(
                    t,
                    meta.target,
                    meta.target_keys.as_slice(),
                    &j,
                    junction,
                    meta.junction_target.as_slice(),
                );
                self.push(" WHERE ");
                self.key_equality(
                    &j,
                    junction,
                    meta.junction_source.as_slice(),
                    parent,
                    meta.source,
                    meta.source_keys.as_slice(),
                );
            }
            None => {
                self.push(" WHERE ");
                self.key_equality(
                    t,
                    meta.target,
                    meta.target_keys.as_slice(),
                    parent,
                    meta.source,
                    meta.source_keys.as_slice(),
                );
            }
        }
    }

    /// The relation's order, then the target's primary key: limits and offsets pick the same
    /// rows, and lists come back in the same order, whichever strategy loads them.
    fn order_terms(
        &mut self,
        order: &[(Node, Direction)],
        target: &'static TableMeta,
        leading: &str,
    ) {
        let mut first = true;
        for (node, dir) in order {
            self.push(if first { leading } else { ", " });
            first = false;
            self.node(node);
            if *dir == Direction::Desc {
                self.push(" DESC");
            }
        }
        for &pk in target.primary_key {
            let name = target.columns[pk].name;
            let column = Node::Column {
                table: target.name,
                name,
            };
            if order.iter().any(|(n, _)| *n == column) {
                continue;
            }
            self.push(if first { leading } else { ", " });
            first = false;
            self.node(&column);
        }
    }

    /// The JSON array of a parent's related rows, each row a positional array of its columns
    /// followed by its own relations.
    pub(crate) fn json_relation(&mut self, related: &Related, parent: &str) {
        if !self.dialect.capabilities().json_agg_ordered {
            self.refuse(super::writer::refusal::RELATIONS_IN_ONE_STATEMENT);
        }
        let dialect = self.dialect;
        let meta = related.relation;
        let t = self.fresh_alias("t");
        let filter = related.filter.as_ref();
        let limited = related.limit.is_some() || related.offset.is_some();
        let pushed = self.push_relation_scope(meta, &t, &junction_alias(&t));
        // PostgreSQL functions take at most 100 arguments: past that, build jsonb arrays of up
        // to 100 values and concatenate them.
        let width = related.columns.len() + related.children.len();
        let spelling = dialect.json();
        let chunk = spelling.max_args.filter(|&max| width > max);
        self.push("(SELECT COALESCE(");
        self.push(if chunk.is_some() {
            spelling.open_chunked
        } else {
            spelling.open
        });
        let mut arg = 0;
        let mut next_arg = |r: &mut Renderer| {
            if arg > 0 {
                r.push(match chunk {
                    Some(max) if arg % max == 0 => spelling.chunk_join,
                    _ => ", ",
                });
            }
            arg += 1;
        };
        for node in &related.columns {
            next_arg(self);
            self.json_value(node, meta.target);
        }
        for child in &related.children {
            next_arg(self);
            match spelling.nested {
                Some((before, after)) => {
                    self.push(before);
                    self.json_relation(child, &t);
                    self.push(after);
                }
                None => self.json_relation(child, &t),
            }
        }
        self.push(if chunk.is_some() {
            spelling.close_chunked
        } else {
            ")"
        });
        let in_aggregate = dialect.capabilities().json_agg_order_limit;
        // json_agg / json_group_array take no LIMIT: limit the rows in a derived table.
        let derived = limited && !in_aggregate;
        // Outside a derived table the junction is not in scope: a term of the order that reads
        // it is selected in the derived table, and the aggregate orders by that column.
        let carried = derived
            && related.order.iter().any(|(node, _)| {
                meta.through
                    .is_some_and(|junction| mentions(node, junction.name))
            });
        if carried {
            let order: Vec<(Node, Direction)> = related
                .order
                .iter()
                .enumerate()
                .map(|(i, (_, dir))| {
                    let name = ORDER_COLUMNS.get(i).copied().unwrap_or("__o");
                    (
                        Node::Column {
                            table: meta.target.name,
                            name,
                        },
                        *dir,
                    )
                })
                .collect();
            self.order_terms(&order, meta.target, " ORDER BY ");
        } else {
            self.order_terms(&related.order, meta.target, " ORDER BY ");
        }
        if in_aggregate {
            self.relation_limit(related.limit, related.offset);
        }
        self.push(spelling.close);
        if derived {
            self.push("(SELECT ");
            self.ident(&t);
            self.push(".*");
            if carried {
                for (i, (node, _)) in related.order.iter().enumerate() {
                    self.push(", ");
                    self.node(node);
                    self.push(" AS ");
                    self.ident(ORDER_COLUMNS.get(i).copied().unwrap_or("__o"));
                }
            }
            self.push(" FROM ");
        }
        self.relation_from(meta, &t, parent);
        if let Some(f) = filter {
            self.push(" AND ");
            self.node(f);
        }
        if let Some(f) = &related.source_filter {
            // The source's columns are the parent row's.
            self.push(" AND ");
            let outer = self.scope.len().saturating_sub(pushed);
            self.outside(outer, |r| r.node(f));
        }
        if derived {
            self.order_terms(&related.order, meta.target, " ORDER BY ");
            self.relation_limit(related.limit, related.offset);
            self.push(") AS ");
            self.ident(&t);
        }
        self.push(")");
        self.pop_scope(pushed);
    }

    /// A selected value in its JSON-exact projection.
    fn json_value(&mut self, node: &Node, table: &TableMeta) {
        let ty = match node {
            Node::Column { table: t, name } if *t == table.name => {
                table.column(name).map(|c| c.sql_type)
            }
            _ => None,
        };
        match ty {
            Some(ty) => {
                // Render the column (with its alias) aside, then wrap it.
                let start = self.text.len();
                self.node(node);
                let column = self.text.split_off(start);
                self.dialect.json_projection(&mut self.text, ty, &column);
            }
            None => self.node(node),
        }
    }

    /// The relation's ` LIMIT … OFFSET …` (its order is rendered by `order_terms`).
    fn relation_limit(&mut self, limit: Option<u64>, offset: Option<u64>) {
        self.order_limit(&[], limit.map(Limit::Rows), offset);
    }
}

/// The columns a derived table carries a relation's order terms in, when they read the
/// junction (which is not in scope outside it). A relation orders by far fewer terms.
const ORDER_COLUMNS: [&str; 16] = [
    "__o0", "__o1", "__o2", "__o3", "__o4", "__o5", "__o6", "__o7", "__o8", "__o9", "__o10",
    "__o11", "__o12", "__o13", "__o14", "__o15",
];

/// Whether `node` reads a column of the table `table`.
fn mentions(node: &Node, table: &str) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if let Node::Column { table: t, .. } = node
            && *t == table
        {
            return true;
        }
        node.for_each_child(|child| stack.push(child));
    }
    false
}

/// The alias of the junction of a relation whose target has alias `t` (which
/// [`Renderer::fresh_alias`] chose so that this one is free too).
fn junction_alias(t: &str) -> String {
    format!("{t}j")
}

/// Whether the table `name` and the alias `alias` (ASCII) may be taken for the same name by
/// some backend: SQLite compares identifiers ignoring ASCII case, MySQL compares table names
/// and aliases ignoring case under `lower_case_table_names`, so compare as leniently as any of
/// them (also through Unicode case mappings, which fold the Kelvin sign into `k`).
fn may_name(name: &str, alias: &str) -> bool {
    name.eq_ignore_ascii_case(alias)
        || (!name.is_ascii()
            && (name.to_lowercase() == alias.to_lowercase()
                || name.to_uppercase() == alias.to_uppercase()))
}

impl Renderer {
    /// A batched load: `batch.related`'s rows of every parent whose key is in `batch.keys`,
    /// in the relation's order per parent, each with its parent's key first (`__p0`, …)
    /// unless its own columns hold it ([`Related::key_in_columns`]).
    pub(crate) fn batch(&mut self, batch: &Batch) {
        let related = &batch.related;
        let meta = related.relation;
        let r = self;
        let (t, j) = ("t", "j");
        // The parent key is read from the columns that match the parent's source keys.
        let (key_table, key_cols) = meta.child_side();
        let key_alias = if meta.through.is_some() { j } else { t };
        let limited = related.limit.is_some() || related.offset.is_some();
        let pushed = r.push_relation_scope(meta, t, j);
        r.push("SELECT ");
        // The key is selected first unless the row's own columns hold it.
        let key_first = related.key_in_columns().is_none();
        let select_list = |r: &mut Renderer, aliased: bool| {
            if key_first {
                for (i, &c) in key_cols.iter().enumerate() {
                    if i > 0 {
                        r.push(", ");
                    }
                    r.qualified(key_alias, key_table, c);
                    r.push(" AS ");
                    r.ident(&format!("__p{i}"));
                }
            }
            for (i, node) in related.columns.iter().enumerate() {
                if key_first || i > 0 {
                    r.push(", ");
                }
                r.node(node);
                if aliased {
                    r.push(" AS ");
                    r.ident(&format!("c{i}"));
                }
            }
        };
        if limited {
            r.push("* FROM (SELECT ");
            select_list(r, true);
            r.push(", ROW_NUMBER() OVER (PARTITION BY ");
            r.qualified_list(key_alias, key_table, key_cols);
            r.order_terms(&related.order, meta.target, " ORDER BY ");
            r.push(") AS ");
            r.ident("__rn");
        } else {
            select_list(r, false);
        }
        r.push(" FROM ");
        match meta.through {
            Some(junction) => {
                r.table(junction);
                r.push(" AS ");
                r.ident(j);
                r.push(" JOIN ");
                r.table(meta.target);
                r.push(" AS ");
                r.ident(t);
                r.push(" ON ");
                r.key_equality(
                    t,
                    meta.target,
                    meta.target_keys.as_slice(),
                    j,
                    junction,
                    meta.junction_target.as_slice(),
                );
            }
            None => {
                r.table(meta.target);
                r.push(" AS ");
                r.ident(t);
            }
        }
        r.push(" WHERE ");
        match &batch.keys {
            BatchKeys::Arrays(arrays) if key_cols.len() == 1 => {
                r.qualified(key_alias, key_table, key_cols[0]);
                r.push(" = ANY(");
                if let Some((list, ty)) = arrays.first() {
                    r.bind(list.clone());
                    r.array_cast(*ty);
                }
                r.push(")");
            }
            BatchKeys::Arrays(arrays) => {
                // `(a, b) IN (SELECT * FROM UNNEST($1::T[], $2::U[]))`: a semi-join on the key
                // pairs.
                r.push("(");
                r.qualified_list(key_alias, key_table, key_cols);
                r.push(") IN (SELECT * FROM UNNEST(");
                for (i, (array, ty)) in arrays.iter().enumerate() {
                    if i > 0 {
                        r.push(", ");
                    }
                    r.bind(array.clone());
                    r.push("::");
                    r.push_column_type(*ty, true);
                    r.push("[]");
                }
                r.push("))");
            }
            BatchKeys::Rows(rows) => {
                let composite = key_cols.len() > 1;
                if composite {
                    r.push("(");
                }
                r.qualified_list(key_alias, key_table, key_cols);
                r.push(if composite { ") IN (" } else { " IN (" });
                for (n, key) in rows.iter().enumerate() {
                    if n > 0 {
                        r.push(", ");
                    }
                    if composite {
                        r.push("(");
                    }
                    for (i, part) in key.iter().enumerate() {
                        if i > 0 {
                            r.push(", ");
                        }
                        r.bind(part.clone());
                    }
                    if composite {
                        r.push(")");
                    }
                }
                r.push(")");
            }
        }
        if let Some(f) = &related.filter {
            r.push(" AND ");
            r.node(f);
        }
        if limited {
            r.push(") AS ");
            r.ident("w");
            r.push(" WHERE ");
            r.ident("__rn");
            r.push(" > ");
            r.bind_u64(related.offset.unwrap_or(0));
            if let Some(limit) = related.limit {
                r.push(" AND ");
                r.ident("__rn");
                r.push(" <= ");
                r.bind_u64(related.offset.unwrap_or(0).saturating_add(limit));
            }
            r.push(" ORDER BY ");
            r.ident("__rn");
        } else if r
            .dialect
            .capabilities()
            .batch_key_order
            .applies(meta.through.is_some())
        {
            // By the parent key first: rows are bucketed by it, so this changes no parent's
            // order, and an index on the key (a foreign key's, a junction's primary key)
            // then hands the rows over in order (see `BatchKeyOrder`).
            r.push(" ORDER BY ");
            r.qualified_list(key_alias, key_table, key_cols);
            r.order_terms(&related.order, meta.target, ", ");
        } else {
            r.order_terms(&related.order, meta.target, " ORDER BY ");
        }
        r.pop_scope(pushed);
    }
}
