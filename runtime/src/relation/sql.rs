//! SQL for relational queries: one statement with JSON aggregation per dialect, or one
//! batched statement per relation keyed on the parents' keys.

use super::load::{Key, Loader};
use super::{Plan, Rel, Relation, RelationMeta};
use crate::dialect::Dialect;
use crate::expr::Node;
use crate::render::{Limit, Renderer, Sql};
use crate::schema::TableMeta;
use crate::value::{SqlType, Value};

/// An untyped view of one relation to load.
#[derive(Clone)]
#[doc(hidden)]
pub struct PlanRef<'a> {
    pub(crate) meta: &'static RelationMeta,
    pub(crate) plan: &'a Plan,
    pub(crate) prefilter: Option<fn() -> Node>,
    pub(crate) children: Vec<PlanRef<'a>>,
    /// The target's columns read: all of them, or a chosen selection.
    pub(crate) columns: Vec<Node>,
}

impl<'a> PlanRef<'a> {
    pub(crate) fn of<M: Relation, C: Loader>(rel: &'a Rel<M, C>) -> Self {
        let mut children = Vec::new();
        rel.loader.plans(&mut children);
        let mut columns = Vec::new();
        rel.loader.base_columns(&mut columns);
        PlanRef {
            meta: M::META,
            plan: &rel.plan,
            prefilter: M::FILTER,
            children,
            columns,
        }
    }

    /// Whether this relation, or one nested in it, reads a float column: SQLite cannot put
    /// those in JSON exactly (see [`Strategy`](super::Strategy)).
    pub(crate) fn reads_floats(&self) -> bool {
        let target = self.meta.target;
        self.columns.iter().any(|node| match node {
            Node::Column { table, name } if *table == target.name => target
                .column(name)
                .is_some_and(|c| matches!(c.sql_type, SqlType::Real | SqlType::Double)),
            _ => false,
        }) || self.children.iter().any(PlanRef::reads_floats)
    }

    fn filter(&self) -> Option<Node> {
        super::combine_filters(self.prefilter, self.plan.filter.clone())
    }
}

fn column_types(table: &TableMeta, cols: &[usize]) -> Vec<SqlType> {
    cols.iter().map(|&c| table.columns[c].sql_type).collect()
}

/// The types of the `__p*` columns of a batched statement: the child side's own key columns
/// (which may be `i64` where the parent's are `i32`).
pub(crate) fn child_key_types(meta: &RelationMeta) -> Vec<SqlType> {
    let (table, cols) = meta.child_side();
    column_types(table, cols)
}

/// The types of the parent's key columns (`source_keys`) of a relation.
pub(crate) fn parent_key_types(meta: &RelationMeta) -> Vec<SqlType> {
    column_types(meta.source, meta.source_keys.as_slice())
}

impl Renderer {
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
        negated: bool,
    ) {
        let head = if negated {
            "NOT EXISTS (SELECT 1 FROM "
        } else {
            "EXISTS (SELECT 1 FROM "
        };
        self.related_subquery(meta, filter, head, "e");
    }

    /// `(SELECT COUNT(*) FROM …)`: how many related rows a row of the table in scope has.
    pub(crate) fn count_related(&mut self, meta: &'static RelationMeta, filter: Option<&Node>) {
        self.related_subquery(meta, filter, "(SELECT COUNT(*) FROM ", "c");
    }

    /// `head` then the related rows of the row in scope matching `filter`, with a fresh alias
    /// starting with `alias`, then `)`.
    fn related_subquery(
        &mut self,
        meta: &'static RelationMeta,
        filter: Option<&Node>,
        head: &str,
        alias: &str,
    ) {
        let parent = self.alias_of(meta.source.name);
        let t = self.fresh_alias(alias);
        self.push(head);
        self.relation_from(meta, &t, &parent);
        if let Some(f) = filter {
            self.push(" AND ");
            self.scoped(meta.target.name, &t, |r| r.node(f));
        }
        self.push(")");
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

    fn scoped(&mut self, table: &'static str, alias: &str, f: impl FnOnce(&mut Renderer)) {
        self.scope.push((table, alias.to_owned()));
        f(self);
        self.scope.pop();
    }

    /// The relation's order, then the target's primary key: limits and offsets pick the same
    /// rows, and lists come back in the same order, whichever strategy loads them.
    fn order_terms(&mut self, plan: &Plan, target: &'static TableMeta, leading: &str) {
        let mut first = true;
        for (node, dir) in &plan.order {
            self.push(if first { leading } else { ", " });
            first = false;
            self.node(node);
            if *dir == crate::expr::Direction::Desc {
                self.push(" DESC");
            }
        }
        for &pk in target.primary_key {
            let name = target.columns[pk].name;
            let column = Node::Column {
                table: target.name,
                name,
            };
            if plan.order.iter().any(|(n, _)| *n == column) {
                continue;
            }
            self.push(if first { leading } else { ", " });
            first = false;
            self.node(&column);
        }
    }

    /// The JSON array of a parent's related rows, each row a positional array of its columns
    /// followed by its own relations.
    pub(crate) fn json_relation(&mut self, plan: &PlanRef<'_>, parent: &str) {
        let dialect = self.dialect;
        let meta = plan.meta;
        let t = self.fresh_alias("t");
        let filter = plan.filter();
        let limited = plan.plan.limit.is_some() || plan.plan.offset.is_some();
        self.scope.push((meta.target.name, t.clone()));
        // PostgreSQL functions take at most 100 arguments: past that, build jsonb arrays of up
        // to 100 values and concatenate them.
        let width = plan.columns.len() + plan.children.len();
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
        for node in &plan.columns {
            next_arg(self);
            self.json_value(node, meta.target);
        }
        for child in &plan.children {
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
        self.order_terms(plan.plan, meta.target, " ORDER BY ");
        let in_aggregate = dialect.capabilities().json_agg_order_limit;
        if in_aggregate {
            self.relation_limit(plan.plan);
        }
        self.push(spelling.close);
        // json_agg / json_group_array take no LIMIT: limit the rows in a derived table.
        let derived = limited && !in_aggregate;
        if derived {
            self.push("(SELECT ");
            self.ident(&t);
            self.push(".* FROM ");
        }
        self.relation_from(meta, &t, parent);
        if let Some(f) = &filter {
            self.push(" AND ");
            self.node(f);
        }
        if derived {
            self.order_terms(plan.plan, meta.target, " ORDER BY ");
            self.relation_limit(plan.plan);
            self.push(") AS ");
            self.ident(&t);
        }
        self.push(")");
        self.scope.pop();
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
    fn relation_limit(&mut self, plan: &Plan) {
        self.order_limit(&[], plan.limit.map(Limit::Rows), plan.offset);
    }
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

/// The statements loading `plan`'s rows for `parents` (several only when an IN-list would
/// pass the bind-parameter limit; PostgreSQL takes any number of keys in one).
pub(crate) fn batched_statement(
    dialect: &'static dyn Dialect,
    plan: &PlanRef<'_>,
    parents: &[Key],
) -> Vec<Sql> {
    let types = parent_key_types(plan.meta);
    // PostgreSQL takes the keys as arrays, one per key column: the SQL text, and so the
    // prepared statement, stays the same whatever the number of parents (and a row-value IN
    // list of ten thousand pairs overflows PostgreSQL's stack).
    let array = dialect.capabilities().array_binds;
    if parents.is_empty() {
        return Vec::new();
    }
    if array {
        return vec![batched_one(dialect, plan, parents, &types, array)];
    }
    // Each statement binds its parents' keys and the relation's own values (its filter, limit
    // and offset), the same in every statement: as many parents as leave room for those. Their
    // number is known once one statement is rendered; the first guess leaves half the binds to
    // them, and the first statement is rendered again if it guessed wrong.
    let width = types.len().max(1);
    let max = dialect.capabilities().max_bind_params;
    let mut per_statement = (max / width / 2).max(1);
    let mut fitted = false;
    let mut statements = Vec::new();
    let mut start = 0;
    while start < parents.len() {
        let end = parents.len().min(start + per_statement);
        let sql = batched_one(dialect, plan, &parents[start..end], &types, array);
        if !fitted {
            fitted = true;
            let own = sql.binds.len().saturating_sub((end - start) * width);
            if own + width > max {
                // No room for even one parent: one statement, which is refused before it is
                // sent (`Error::TooManyBinds`), rather than one per parent.
                if end - start < parents.len() {
                    return vec![batched_one(dialect, plan, parents, &types, array)];
                }
                return vec![sql];
            }
            per_statement = (max.saturating_sub(own) / width).max(1);
            if sql.binds.len() > max && end - start > per_statement {
                continue;
            }
        }
        statements.push(sql);
        start = end;
    }
    statements
}

/// Column `col` (of type `ty`) of the keys `parents`, as one PostgreSQL array.
fn key_array(parents: &[Key], col: usize, ty: SqlType) -> Value {
    Value::Array(
        ty,
        parents
            .iter()
            .map(|k| k.parts()[col].to_value(ty))
            .collect(),
    )
}

fn batched_one(
    dialect: &'static dyn Dialect,
    plan: &PlanRef<'_>,
    parents: &[Key],
    types: &[SqlType],
    array: bool,
) -> Sql {
    let meta = plan.meta;
    let mut r = Renderer::new(dialect);
    let (t, j) = ("t", "j");
    // The parent key is read from the columns that match the parent's source keys.
    let (key_table, key_cols) = meta.child_side();
    let key_alias = if meta.through.is_some() { j } else { t };
    let limited = plan.plan.limit.is_some() || plan.plan.offset.is_some();
    r.scope.push((meta.target.name, t.to_owned()));
    r.push("SELECT ");
    let select_list = |r: &mut Renderer, aliased: bool| {
        for (i, &c) in key_cols.iter().enumerate() {
            if i > 0 {
                r.push(", ");
            }
            r.qualified(key_alias, key_table, c);
            r.push(" AS ");
            r.ident(&format!("__p{i}"));
        }
        for (i, node) in plan.columns.iter().enumerate() {
            r.push(", ");
            r.node(node);
            if aliased {
                r.push(" AS ");
                r.ident(&format!("c{i}"));
            }
        }
    };
    if limited {
        r.push("* FROM (SELECT ");
        select_list(&mut r, true);
        r.push(", ROW_NUMBER() OVER (PARTITION BY ");
        r.qualified_list(key_alias, key_table, key_cols);
        r.order_terms(plan.plan, meta.target, " ORDER BY ");
        r.push(") AS ");
        r.ident("__rn");
    } else {
        select_list(&mut r, false);
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
    if array && key_cols.len() == 1 {
        r.qualified(key_alias, key_table, key_cols[0]);
        r.push(" = ANY(");
        let list = match types[0] {
            SqlType::Text => Value::TextList(
                parents
                    .iter()
                    .filter_map(|k| match &k.parts()[0] {
                        super::load::KeyPart::Text(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
            ),
            SqlType::SmallInt | SqlType::Int | SqlType::BigInt => Value::IntList(
                parents
                    .iter()
                    .filter_map(|k| match &k.parts()[0] {
                        super::load::KeyPart::Int(i) => Some(*i),
                        _ => None,
                    })
                    .collect(),
            ),
            ty => key_array(parents, 0, ty),
        };
        r.bind(list);
        r.push(")");
    } else if array {
        // `(a, b) IN (SELECT * FROM UNNEST($1::T[], $2::U[]))`: a semi-join on the key pairs.
        r.push("(");
        r.qualified_list(key_alias, key_table, key_cols);
        r.push(") IN (SELECT * FROM UNNEST(");
        for (i, &ty) in types.iter().enumerate() {
            if i > 0 {
                r.push(", ");
            }
            r.bind(key_array(parents, i, ty));
            r.push("::");
            r.push(dialect.column_type(ty, true));
            r.push("[]");
        }
        r.push("))");
    } else {
        let composite = key_cols.len() > 1;
        if composite {
            r.push("(");
        }
        r.qualified_list(key_alias, key_table, key_cols);
        r.push(if composite { ") IN (" } else { " IN (" });
        for (n, key) in parents.iter().enumerate() {
            if n > 0 {
                r.push(", ");
            }
            if composite {
                r.push("(");
            }
            for (i, (part, ty)) in key.parts().iter().zip(types).enumerate() {
                if i > 0 {
                    r.push(", ");
                }
                r.bind(part.to_value(*ty));
            }
            if composite {
                r.push(")");
            }
        }
        r.push(")");
    }
    if let Some(f) = plan.filter() {
        r.push(" AND ");
        r.node(&f);
    }
    if limited {
        r.push(") AS ");
        r.ident("w");
        r.push(" WHERE ");
        r.ident("__rn");
        r.push(" > ");
        r.bind_u64(plan.plan.offset.unwrap_or(0));
        if let Some(limit) = plan.plan.limit {
            r.push(" AND ");
            r.ident("__rn");
            r.push(" <= ");
            r.bind_u64(plan.plan.offset.unwrap_or(0).saturating_add(limit));
        }
        r.push(" ORDER BY ");
        r.ident("__rn");
    } else {
        r.order_terms(plan.plan, meta.target, " ORDER BY ");
    }
    r.scope.pop();
    r.finish()
}
