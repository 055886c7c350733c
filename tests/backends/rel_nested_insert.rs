//! Nested inserts: a parent with its `many` children and its many-to-many links in one call
//! and one transaction, returned loaded with generated keys (issue 13, item 6).

use weft::{Db, NotLoaded, Strategy, Table, insert_nested};
use weft_tests::{backends, statements};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "ni_users")]
pub struct User<Posts = NotLoaded, Groups = NotLoaded> {
    #[column(primary_key, auto)]
    pub id: i64,
    pub name: String,
    #[relation(many = Post)]
    pub posts: Posts,
    #[relation(many, through = Membership)]
    pub groups: Groups,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "ni_groups")]
pub struct Group {
    #[column(primary_key, auto)]
    pub id: i64,
    pub name: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "ni_memberships", primary_key(user_id, group_id))]
pub struct Membership {
    #[column(references = User::id)]
    pub user_id: i64,
    #[column(references = Group::id)]
    pub group_id: i64,
    pub role: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "ni_posts")]
pub struct Post {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(references = User::id)]
    pub user_id: i64,
    pub title: String,
}

async fn seed(db: &Db) -> weft::Result<Vec<Group>> {
    db.create_tables::<(User, Group, Membership, Post)>()
        .await?;
    // A first user, so the nested one's generated key is not 1.
    weft::insert(NewUser {
        id: None,
        name: "first".into(),
    })
    .execute(db)
    .await?;
    weft::insert_many(["chess", "alpine"].map(|n| NewGroup {
        id: None,
        name: n.into(),
    }))
    .returning()
    .all(db)
    .await
}

fn post(title: &str) -> NewPost {
    // The key into the parent is set by the nested insert.
    NewPost {
        id: None,
        user_id: 0,
        title: title.into(),
    }
}

fn link(group: &Group, role: &str) -> Membership {
    Membership {
        user_id: 0,
        group_id: group.id,
        role: role.into(),
    }
}

#[backends(strategies)]
async fn parent_children_and_links_in_one_call(db: Db, strategy: Strategy) -> weft::Result<()> {
    let groups = seed(&db).await?;
    let before = db.statements_executed();
    let ann = insert_nested(NewUser {
        id: None,
        name: "ann".into(),
    })
    .many(
        User::posts.order_by(Post::id),
        [post("hello"), post("again")],
    )
    .link(
        User::groups.order_by(Group::id),
        [link(&groups[1], "admin"), link(&groups[0], "member")],
    )
    .strategy(strategy)
    .run(&db)
    .await?;
    // Three inserts (the parent, its posts, its links), then the read back.
    assert_eq!(
        db.statements_executed() - before,
        3 + statements(strategy, 2)
    );
    assert_eq!(ann.id, 2);
    assert_eq!(ann.name, "ann");
    let posts: Vec<_> = ann
        .posts
        .iter()
        .map(|p| (p.user_id, p.title.as_str()))
        .collect();
    assert_eq!(posts, [(2, "hello"), (2, "again")]);
    assert!(ann.posts[0].id < ann.posts[1].id);
    let names: Vec<_> = ann.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["chess", "alpine"]);
    let links = weft::select::<Membership>()
        .filter(Membership::user_id.eq(2))
        .order_by(Membership::group_id)
        .all(&db)
        .await?;
    let roles: Vec<_> = links.iter().map(|m| m.role.as_str()).collect();
    assert_eq!(roles, ["member", "admin"]);

    // No children: the parent alone, still read back with empty relations.
    let bob = insert_nested(NewUser {
        id: None,
        name: "bob".into(),
    })
    .many(User::posts, Vec::<NewPost>::new())
    .strategy(strategy)
    .run(&db)
    .await?;
    assert_eq!((bob.id, bob.posts.len()), (3, 0));
    Ok(())
}

#[backends]
async fn a_failing_link_rolls_everything_back(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let missing = Group {
        id: 999,
        name: "nowhere".into(),
    };
    let out = insert_nested(NewUser {
        id: None,
        name: "cy".into(),
    })
    .many(User::posts, [post("lost")])
    .link(User::groups, [link(&missing, "member")])
    .run(&db)
    .await;
    assert!(out.is_err(), "a link to a missing group must fail");
    // Neither the user nor the post was kept.
    assert_eq!(weft::select::<User>().count(&db).await?, 1);
    assert_eq!(weft::select::<Post>().count(&db).await?, 0);
    Ok(())
}
