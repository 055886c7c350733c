//! `FindMany::statements`: every statement a relational query sends, under the strategy it
//! uses on that backend (issue 13, item 7).

use weft::{AsDialect, Backend, Db, Strategy, find_many};
use weft_tests::{backends, statements};

use crate::relations::{Comment, Group, Post, User, seed};

#[backends(strategies)]
async fn the_preview_lists_what_runs(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let query = find_many::<User>()
        .columns(User::name)
        .with(User::groups.order_by(Group::id))
        .with(User::posts.with(Post::comments.order_by(Comment::id)))
        .order_by(User::id)
        .strategy(strategy);
    let shown = query.statements(db.dialect());
    assert_eq!(query.strategy_on(db.dialect()), strategy);
    assert_eq!(shown.len() as u64, statements(strategy, 3));
    let before = db.statements_executed();
    query.all(&db).await?;
    assert_eq!(db.statements_executed() - before, shown.len() as u64);
    // The root first, then each relation before the one nested in it.
    if strategy == Strategy::Batched {
        let tables: Vec<bool> = ["users", "groups", "posts", "comments"]
            .iter()
            .zip(&shown)
            .map(|(table, sql)| sql.text.contains(table))
            .collect();
        assert_eq!(tables, [true; 4], "{shown:#?}");
    }
    Ok(())
}

#[test]
fn the_preview_follows_each_backends_default() {
    let query = find_many::<User>().with(User::posts.with(Post::comments));
    for backend in Backend::ALL {
        let shown = query.statements(backend);
        for sql in &shown {
            println!("{backend}: {sql}");
        }
        let expected = match Strategy::default_for(backend) {
            Strategy::SingleStatement => 1,
            Strategy::Batched => 3,
        };
        assert_eq!(shown.len(), expected, "{backend}");
    }
    // PostgreSQL loads batched by default, one array of keys per relation.
    let pg = query.statements(Backend::Postgres);
    assert!(pg[1].text.contains("= ANY($1)"), "{}", pg[1]);
    // Asked for one statement, it shows (and sends) one.
    let one = query.strategy(Strategy::SingleStatement);
    assert_eq!(one.statements(Backend::Postgres).len(), 1);
}

/// A batched statement orders its rows by the parent key first where the backend's plans
/// gain by it (an index on the key yields them in order: no sort of the whole level): every
/// statement on SQLite, a junction's on PostgreSQL, none in the MySQL family. Each parent's
/// rows keep the same order either way (`relations.rs` checks the loaded lists).
#[test]
fn batched_statements_order_by_the_parent_key_where_it_pays() {
    let direct = find_many::<User>()
        .with(User::posts.with(Post::comments.order_by(Comment::id)))
        .strategy(Strategy::Batched);
    let through = find_many::<User>()
        .with(User::groups.order_by(Group::id))
        .strategy(Strategy::Batched);
    for backend in Backend::ALL {
        let q = |s: &str| match backend {
            Backend::MySql => format!("`{s}`"),
            _ => format!("\"{s}\""),
        };
        let order = |table: &str, key: &str| {
            format!("ORDER BY {}.{}, {}.{}", q(table), q(key), q("t"), q("id"))
        };
        let terms_only = format!("ORDER BY {}.{}", q("t"), q("id"));
        let rule = backend.as_dialect().capabilities().batch_key_order;
        // What each backend was measured to want (docs/design.md).
        let (want_direct, want_through) = match backend {
            Backend::Sqlite => (true, true),
            Backend::Postgres => (false, true),
            Backend::MySql => (false, false),
        };
        assert_eq!(
            (rule.applies(false), rule.applies(true)),
            (want_direct, want_through),
            "{backend}: {rule:?}"
        );
        let comments = &direct.statements(backend)[2].text;
        assert_eq!(
            comments.contains(&order("t", "post_id")),
            want_direct,
            "{backend}: {comments}"
        );
        assert!(
            comments.ends_with(&terms_only) || want_direct,
            "{backend}: {comments}"
        );
        let groups = &through.statements(backend)[1].text;
        assert_eq!(
            groups.contains(&order("j", "user_id")),
            want_through,
            "{backend}: {groups}"
        );
        assert!(
            groups.ends_with(&terms_only) || want_through,
            "{backend}: {groups}"
        );
    }
}
