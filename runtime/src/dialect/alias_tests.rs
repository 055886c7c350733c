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
