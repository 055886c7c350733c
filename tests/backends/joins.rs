//! Inner and left joins, filters and columns across joined tables.

use weft::Db;
use weft_tests::backends;

use crate::tables::*;

#[backends]
async fn inner_join_returns_pairs(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let rows: Vec<(User, Post)> = weft::select::<User>()
        .inner_join::<Post>()
        .on(Post::user_id.eq(User::id))
        .order_by(Post::id)
        .all(&db)
        .await?;
    let pairs: Vec<(&str, &str)> = rows
        .iter()
        .map(|(u, p)| (u.name.as_str(), p.title.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [("ann", "hello"), ("ann", "again"), ("bob", "bob's")]
    );
    Ok(())
}

#[backends]
async fn left_join_gives_none_where_nothing_matched(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let rows: Vec<(User, Option<Post>)> = weft::select::<User>()
        .left_join::<Post>()
        .on(Post::user_id.eq(User::id))
        .order_by(User::id)
        .order_by(Post::id)
        .all(&db)
        .await?;
    let shape: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|(u, p)| (u.name.as_str(), p.as_ref().map(|p| p.title.as_str())))
        .collect();
    assert_eq!(
        shape,
        [
            ("ann", Some("hello")),
            ("ann", Some("again")),
            ("bob", Some("bob's")),
            ("cat", None)
        ]
    );
    // A matched row with NULL columns is still `Some`.
    assert_eq!(rows[1].1.as_ref().unwrap().score, None);

    // Filter on the joined table and choose columns from both.
    let titles: Vec<(String, Option<f64>)> = weft::select::<User>()
        .left_join::<Post>()
        .on(Post::user_id.eq(User::id))
        .filter(Post::score.is_not_null().or(User::name.eq("cat")))
        .columns((User::name, Post::score))
        .order_by(User::name)
        .all(&db)
        .await?;
    assert_eq!(
        titles,
        [
            ("ann".into(), Some(1.5)),
            ("bob".into(), Some(-2.0)),
            ("cat".into(), None)
        ]
    );

    let lonely = weft::select::<User>()
        .left_join::<Post>()
        .on(Post::user_id.eq(User::id))
        .filter(Post::id.is_null())
        .count(&db)
        .await?;
    assert_eq!(lonely, 1);
    Ok(())
}

/// A struct read from columns of both tables; the left-joined columns are `Option`s.
#[derive(weft::Selectable, Debug, PartialEq)]
#[selectable(table = User)]
pub struct UserTitle {
    pub name: String,
    #[selectable(column = Post::title)]
    pub title: Option<String>,
    #[selectable(column = Post::score)]
    pub score: Option<f64>,
}

#[backends]
async fn selectable_struct_over_a_left_join(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let rows = weft::select::<User>()
        .left_join::<Post>()
        .on(Post::user_id.eq(User::id))
        .columns(UserTitle::as_select())
        .filter(User::name.ne("ann"))
        .order_by(User::name)
        .all(&db)
        .await?;
    assert_eq!(
        rows,
        [
            UserTitle {
                name: "bob".into(),
                title: Some("bob's".into()),
                score: Some(-2.0)
            },
            UserTitle {
                name: "cat".into(),
                title: None,
                score: None
            },
        ]
    );
    Ok(())
}
