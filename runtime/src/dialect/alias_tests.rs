//! Table aliases in the walk: a renamed table's columns, self-joins, user aliases reserved
//! against invented ones, and one name for two sources refused.

use super::{Postgres, render};
use crate::ast::*;
use crate::schema::{ColumnMeta, TableMeta};
use crate::value::{SqlType, Value};

static COLUMNS: [ColumnMeta; 1] = [ColumnMeta {
    name: "id",
    field: "id",
    sql_type: SqlType::BigInt,
    nullable: false,
    auto: false,
    unique: None,
    keyed: true,
    default: None,
    references: None,
    allowed: &[],
    renamed_from: None,
}];

static USERS: TableMeta = TableMeta {
    name: "users",
    rust_name: "User",
    columns: &COLUMNS,
    primary_key: &[0],
    primary_key_name: Some("users_pkey"),
    uniques: &[],
    indexes: &[],
    relations: &[],
    renamed_from: None,
};

fn table(alias: Option<&str>) -> Source {
    Source::Table {
        table: &USERS,
        alias: alias.map(String::from),
    }
}

fn select(source: Source, joins: Vec<Source>, columns: &[&'static str]) -> Statement {
    Statement::Select(Box::new(Select {
        columns: columns
            .iter()
            .map(|t| {
                SelectItem::new(Node::Column {
                    table: t,
                    name: "id",
                })
            })
            .collect(),
        from: Some(From {
            source,
            joins: joins
                .into_iter()
                .map(|source| Join {
                    kind: JoinKind::Cross,
                    source,
                    on: None,
                })
                .collect(),
        }),
        ..Select::default()
    }))
}

fn refused(sql: &super::Sql) -> bool {
    sql.binds
        .iter()
        .any(|b| matches!(b, Value::Unencodable(r) if r.starts_with(super::UNSUPPORTED_MARK)))
}

#[test]
fn a_table_read_only_under_an_alias_renames_its_columns() {
    let sql = render(&select(table(Some("u")), vec![], &["users"]), &Postgres);
    assert_eq!(sql.text, r#"SELECT "u"."id" FROM "users" AS "u""#);
    assert!(!refused(&sql));
}

#[test]
fn a_self_join_keeps_each_name() {
    let sql = render(
        &select(
            table(None),
            vec![table(Some("inviter"))],
            &["users", "inviter"],
        ),
        &Postgres,
    );
    assert_eq!(
        sql.text,
        r#"SELECT "users"."id", "inviter"."id" FROM "users" CROSS JOIN "users" AS "inviter""#
    );
    assert!(!refused(&sql));
}

#[test]
fn one_name_for_two_sources_is_refused() {
    for (first, second) in [(None, None), (None, Some("USERS")), (Some("a"), Some("a"))] {
        let sql = render(
            &select(table(first), vec![table(second)], &["users"]),
            &Postgres,
        );
        assert!(refused(&sql), "{first:?} {second:?}: {}", sql.text);
    }
}

#[test]
fn user_aliases_are_reserved_against_invented_ones() {
    let mut r = super::Renderer::new(&Postgres);
    r.reserve_alias("e1");
    r.reserve("e2");
    assert_eq!(r.fresh_alias("e"), "e3");
}

static POSTS: TableMeta = TableMeta {
    name: "posts",
    rust_name: "Post",
    columns: &COLUMNS,
    primary_key: &[0],
    primary_key_name: Some("posts_pkey"),
    uniques: &[],
    indexes: &[],
    relations: &[],
    renamed_from: None,
};

/// `SELECT "<table>"."id" FROM <source> [WHERE filter]` as a bare select.
fn query(source: Source, column: &'static str, filter: Option<Node>) -> Select {
    Select {
        columns: vec![SelectItem::new(Node::Column {
            table: column,
            name: "id",
        })],
        from: Some(From {
            source,
            joins: Vec::new(),
        }),
        filter,
        ..Select::default()
    }
}

fn posts() -> Source {
    Source::Table {
        table: &POSTS,
        alias: None,
    }
}

fn exists(query: Select) -> Node {
    Node::Query {
        kind: QueryKind::Exists { negated: false },
        args: Vec::new(),
        query: Box::new(query),
    }
}

fn id(table: &'static str) -> Node {
    Node::Column { table, name: "id" }
}

#[test]
fn a_subquery_reading_the_table_under_its_own_name_is_not_the_outer_alias() {
    let inner = query(table(None), "users", None);
    let outer = query(table(Some("inviter")), "users", Some(exists(inner)));
    let sql = render(&Statement::Select(Box::new(outer)), &Postgres);
    assert_eq!(
        sql.text,
        r#"SELECT "inviter"."id" FROM "users" AS "inviter" WHERE EXISTS (SELECT "users"."id" FROM "users")"#
    );
    assert!(!refused(&sql));
}

#[test]
fn a_correlated_subquery_still_reads_the_outer_alias() {
    // The subquery reads posts; `users` is the outer table, read as "inviter".
    let filter = Node::Binary(Box::new(id("posts")), BinOp::Eq, Box::new(id("users")));
    let inner = query(posts(), "posts", Some(filter));
    let outer = query(table(Some("inviter")), "users", Some(exists(inner)));
    let sql = render(&Statement::Select(Box::new(outer)), &Postgres);
    assert_eq!(
        sql.text,
        r#"SELECT "inviter"."id" FROM "users" AS "inviter" WHERE EXISTS (SELECT "posts"."id" FROM "posts" WHERE "posts"."id" = "inviter"."id")"#
    );
}

#[test]
fn a_set_operation_arm_is_not_in_the_first_arms_scope() {
    let mut outer = query(table(Some("inviter")), "users", None);
    outer.set_ops = vec![
        SetOperation {
            op: SetOp::Union,
            all: false,
            query: query(table(None), "users", None),
        },
        // An arm that does not read users is not in the first arm's FROM either.
        SetOperation {
            op: SetOp::Union,
            all: false,
            query: query(posts(), "users", None),
        },
    ];
    let sql = render(&Statement::Select(Box::new(outer)), &Postgres);
    assert_eq!(
        sql.text,
        r#"SELECT "inviter"."id" FROM "users" AS "inviter" UNION SELECT "users"."id" FROM "users" UNION SELECT "users"."id" FROM "posts""#
    );
}

#[test]
fn a_derived_table_is_not_in_the_scope_of_the_from_beside_it() {
    let derived = |query| Source::Query {
        query: Box::new(query),
        alias: "d".into(),
        lateral: false,
    };
    for (inner, shown) in [
        (
            query(table(None), "users", None),
            r#"SELECT "users"."id" FROM "users""#,
        ),
        (
            query(posts(), "users", None),
            r#"SELECT "users"."id" FROM "posts""#,
        ),
    ] {
        let outer = Select {
            columns: vec![SelectItem::new(id("users"))],
            from: Some(From {
                source: table(Some("inviter")),
                joins: vec![Join {
                    kind: JoinKind::Cross,
                    source: derived(inner),
                    on: None,
                }],
            }),
            ..Select::default()
        };
        let sql = render(&Statement::Select(Box::new(outer)), &Postgres);
        assert_eq!(
            sql.text,
            format!(
                r#"SELECT "inviter"."id" FROM "users" AS "inviter" CROSS JOIN ({shown}) AS "d""#
            )
        );
    }
}

#[test]
fn a_cte_body_is_not_in_the_outer_froms_scope() {
    // A CTE of a subquery under an aliased outer table reads users under its own name.
    let mut inner = query(table(None), "users", None);
    inner.ctes = vec![Cte {
        name: "c".into(),
        recursive: false,
        query: query(table(None), "users", None),
    }];
    let outer = query(table(Some("inviter")), "users", Some(exists(inner)));
    let sql = render(&Statement::Select(Box::new(outer)), &Postgres);
    assert_eq!(
        sql.text,
        r#"SELECT "inviter"."id" FROM "users" AS "inviter" WHERE EXISTS (WITH "c" AS (SELECT "users"."id" FROM "users") SELECT "users"."id" FROM "users")"#
    );
}
