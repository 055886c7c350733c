//! Column subsets combined with nested relations, at the root and inside relations, empty
//! subsets, and subset rows serialised as objects keyed by column name (issue 13, item 1).

use serde_json::json;
use weft::{Db, Strategy, find_many};
use weft_tests::{backends, statements};

use crate::relations::{Comment, Group, Post, Profile, User, UsersToGroups, seed};

/// A subset of a post's columns, as a named struct.
#[derive(weft::Selectable, serde::Serialize, Debug, PartialEq)]
#[selectable(table = Post)]
pub struct PostHead {
    pub id: i64,
    pub title: String,
}

#[backends(strategies)]
async fn root_subset_with_relations(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    // The root's subset leaves out `id`, the key `posts` is loaded by.
    let users = find_many::<User>()
        .columns(User::name)
        .with(User::posts.columns(Post::title).order_by(Post::id))
        .with(User::profile.columns((Profile::bio,)))
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 2));
    assert_eq!(*users[0], "dan");
    assert_eq!(users[0].relations.0, ["hello", "draft"]);
    assert_eq!(users[2].relations.0.len(), 0);
    assert_eq!(
        serde_json::to_value(&users).unwrap(),
        json!([
            {"name": "dan", "posts": [{"title": "hello"}, {"title": "draft"}], "profile": {"bio": "dan's bio"}},
            {"name": "ann", "posts": [{"title": "ann's"}], "profile": {"bio": "ann's bio"}},
            {"name": "bob", "posts": [], "profile": null},
        ])
    );
    Ok(())
}

#[backends(strategies)]
async fn nested_subsets_and_an_empty_one(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    // A junction read only for its role, with the group's name; then one read for nothing but
    // its group (Drizzle's `columns: {}`).
    let users = find_many::<User>()
        .columns((User::id, User::name))
        .with(
            User::memberships
                .columns(UsersToGroups::role)
                .with(UsersToGroups::group.columns(Group::name))
                .order_by(UsersToGroups::group_id),
        )
        .filter(User::id.le(2))
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 2));
    assert_eq!(users[1].0, 2);
    assert_eq!(users[1].relations.0[1].columns, "admin");
    assert_eq!(users[1].relations.0[1].relations.0, "blue");
    assert_eq!(
        serde_json::to_value(&users[1]).unwrap(),
        json!({"id": 2, "name": "ann", "memberships": [
            {"role": "member", "group": {"name": "red"}},
            {"role": "admin", "group": {"name": "blue"}},
        ]})
    );

    let before = db.statements_executed();
    let groups = find_many::<User>()
        .no_columns()
        .with(
            User::memberships
                .no_columns()
                .with(UsersToGroups::group)
                .order_by(UsersToGroups::group_id),
        )
        .filter(User::name.eq("ann"))
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 2));
    assert_eq!(
        serde_json::to_value(&groups).unwrap(),
        json!([{"memberships": [
            {"group": {"id": 1, "name": "red"}},
            {"group": {"id": 2, "name": "blue"}},
        ]}])
    );
    Ok(())
}

#[backends(strategies)]
async fn selectable_subset_with_relations(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    let users = find_many::<User>()
        .with(
            User::posts
                .columns(PostHead::as_select())
                .with(Post::comments.columns(Comment::body).order_by(Comment::id))
                .order_by(Post::id),
        )
        .filter(User::name.eq("dan"))
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 2));
    let hello = &users[0].posts[0];
    // The struct's fields read through the subset row.
    assert_eq!((hello.id, hello.title.as_str()), (1, "hello"));
    assert_eq!(hello.relations.0, ["first!", "nice"]);
    assert_eq!(
        serde_json::to_value(&users[0].posts).unwrap(),
        json!([
            {"id": 1, "title": "hello", "comments": [{"body": "first!"}, {"body": "nice"}]},
            {"id": 2, "title": "draft", "comments": []},
        ])
    );

    // Without relations a subset row compares equal to its columns, and still serialises
    // as an object.
    let heads = find_many::<Post>()
        .columns((Post::id, Post::title))
        .order_by(Post::id)
        .limit(1)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(heads, [(1, "hello".to_string())]);
    assert_eq!(
        serde_json::to_value(&heads).unwrap(),
        json!([{"id": 1, "title": "hello"}])
    );
    Ok(())
}
