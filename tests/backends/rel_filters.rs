//! Relation filters on the source table and on the junction's columns, `one, through`
//! relations ordered by the junction, conditions through `one` relations, and counts and
//! extras inside nested relations (issue 13, items 2–5).

use weft::{Db, NotLoaded, Strategy, Table, find_many};
use weft_tests::{backends, statements};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rf_users")]
pub struct User<
    Groups = NotLoaded,
    AdminGroups = NotLoaded,
    GroupsFiltered = NotLoaded,
    Followers = NotLoaded,
    FirstGroup = NotLoaded,
    Posts = NotLoaded,
> {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    #[relation(many, through = Membership)]
    pub groups: Groups,
    /// A predefined filter on the junction's columns.
    #[relation(many, through = Membership, filter = Membership::role.eq("admin"))]
    pub admin_groups: AdminGroups,
    /// Drizzle's `groupsFiltered`: a predefined filter on the source, `users.id >= 2`.
    #[relation(many, through = Membership, filter_source = User::id.ge(2))]
    pub groups_filtered: GroupsFiltered,
    /// A relation of `rf_users` to itself: its source and target are the same table.
    #[relation(many = User, through = Follows, from = Follows::followee_id, to = Follows::follower_id)]
    pub followers: Followers,
    /// The first group, by the target's key unless ordered (by the junction too).
    #[relation(one, through = Membership)]
    pub first_group: FirstGroup,
    #[relation(many = Post)]
    pub posts: Posts,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rf_groups")]
pub struct Group {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rf_memberships", primary_key(user_id, group_id))]
pub struct Membership {
    #[column(references = User::id)]
    pub user_id: i64,
    #[column(references = Group::id)]
    pub group_id: i64,
    pub role: String,
    pub since: i64,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rf_follows", primary_key(follower_id, followee_id))]
pub struct Follows {
    #[column(references = User::id)]
    pub follower_id: i64,
    #[column(references = User::id)]
    pub followee_id: i64,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rf_posts")]
pub struct Post<Author = NotLoaded, Comments = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = User::id)]
    pub user_id: i64,
    pub title: String,
    /// A non-null key: always exactly one author.
    #[relation(one = User)]
    pub author: Author,
    #[relation(many = Comment)]
    pub comments: Comments,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rf_comments")]
pub struct Comment<OfPost = NotLoaded, Author = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Post::id)]
    pub post_id: i64,
    #[column(references = User::id)]
    pub user_id: i64,
    pub body: String,
    #[relation(one = Post)]
    pub post: OfPost,
    #[relation(one = User)]
    pub author: Author,
}

async fn seed(db: &Db) -> weft::Result<()> {
    db.create_tables::<(User, Group, Membership, Follows, Post, Comment)>()
        .await?;
    weft::insert_many([(1, "ann"), (2, "bob"), (3, "cy")].map(|(id, n)| User {
        id,
        name: n.into(),
        groups: NotLoaded,
        admin_groups: NotLoaded,
        groups_filtered: NotLoaded,
        followers: NotLoaded,
        first_group: NotLoaded,
        posts: NotLoaded,
    }))
    .execute(db)
    .await?;
    weft::insert_many(
        [(1, "chess"), (2, "alpine"), (3, "rowing")].map(|(id, n)| Group { id, name: n.into() }),
    )
    .execute(db)
    .await?;
    weft::insert_many(
        [
            (1, 1, "admin", 30),
            (1, 2, "member", 10),
            (1, 3, "member", 20),
            (2, 2, "admin", 5),
            (3, 3, "member", 1),
        ]
        .map(|(u, g, role, since)| Membership {
            user_id: u,
            group_id: g,
            role: role.into(),
            since,
        }),
    )
    .execute(db)
    .await?;
    // bob and cy follow ann; cy follows bob.
    weft::insert_many([(2, 1), (3, 1), (3, 2)].map(|(a, b)| Follows {
        follower_id: a,
        followee_id: b,
    }))
    .execute(db)
    .await?;
    weft::insert_many(
        [(1, 1, "a1"), (2, 2, "b1"), (3, 1, "a2")].map(|(id, u, t)| Post {
            id,
            user_id: u,
            title: t.into(),
            author: NotLoaded,
            comments: NotLoaded,
        }),
    )
    .execute(db)
    .await?;
    weft::insert_many(
        [
            (1, 1, 2, "nice"),
            (2, 2, 1, "hm"),
            (3, 3, 3, "ok"),
            (4, 1, 3, "yes"),
        ]
        .map(|(id, p, u, b)| Comment {
            id,
            post_id: p,
            user_id: u,
            body: b.into(),
            post: NotLoaded,
            author: NotLoaded,
        }),
    )
    .execute(db)
    .await?;
    Ok(())
}

fn names(groups: &[Group]) -> Vec<&str> {
    groups.iter().map(|g| g.name.as_str()).collect()
}

#[backends(strategies)]
async fn predefined_source_and_junction_filters(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    let users = find_many::<User>()
        .with(User::groups)
        .with(User::admin_groups)
        .with(User::groups_filtered)
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 3));
    let all: Vec<_> = users.iter().map(|u| names(&u.groups)).collect();
    assert_eq!(
        all,
        [
            vec!["chess", "alpine", "rowing"],
            vec!["alpine"],
            vec!["rowing"]
        ]
    );
    let admin: Vec<_> = users.iter().map(|u| names(&u.admin_groups)).collect();
    assert_eq!(admin, [vec!["chess"], vec!["alpine"], vec![]]);
    let filtered: Vec<_> = users.iter().map(|u| names(&u.groups_filtered)).collect();
    assert_eq!(filtered, [vec![], vec!["alpine"], vec!["rowing"]]);

    // The same filters in conditions: exists, not_exists and count honour them.
    let before = db.statements_executed();
    let rows = find_many::<User>()
        .extras((User::groups_filtered.count(), User::admin_groups.count()))
        .filter(User::groups_filtered.exists())
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, 1);
    let got: Vec<_> = rows.iter().map(|(u, counts)| (u.id, *counts)).collect();
    assert_eq!(got, [(2, (1, 1)), (3, (1, 0))]);
    let lonely = find_many::<User>()
        .filter(User::groups_filtered.not_exists())
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(lonely.iter().map(|u| u.id).collect::<Vec<_>>(), [1]);
    Ok(())
}

#[backends(strategies)]
async fn ad_hoc_source_and_junction_filters(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    let users = find_many::<User>()
        .with(
            User::groups
                .filter(Membership::role.eq("member"))
                .filter_source(User::name.ne("cy")),
        )
        // Source and target are both `rf_users`: `filter` reads the follower, `filter_source`
        // the user followed.
        .with(
            User::followers
                .filter_source(User::id.eq(1))
                .filter(User::name.ne("bob")),
        )
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 2));
    let groups: Vec<_> = users.iter().map(|u| names(&u.groups)).collect();
    assert_eq!(groups, [vec!["alpine", "rowing"], vec![], vec![]]);
    let followers: Vec<Vec<&str>> = users
        .iter()
        .map(|u| u.followers.iter().map(|f| f.name.as_str()).collect())
        .collect();
    assert_eq!(followers, [vec!["cy"], vec![], vec![]]);

    // With a per-parent limit (a derived table or a window), and in a condition on a relation
    // of a table to itself.
    let before = db.statements_executed();
    let users = find_many::<User>()
        .with(
            User::groups
                .filter_source(User::id.ge(2))
                .filter(Membership::since.lt(25))
                .limit(1),
        )
        .filter(User::followers.filter_source(User::id.ne(2)).exists())
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    // Batched too: the only parent fails the source filter, so no child statement is sent.
    assert_eq!(db.statements_executed() - before, 1);
    let got: Vec<_> = users.iter().map(|u| (u.id, names(&u.groups))).collect();
    assert_eq!(got, [(1, vec![])]);
    let before = db.statements_executed();
    let users = find_many::<User>()
        .with(User::groups.filter_source(User::id.ge(2)).limit(1))
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 1));
    let got: Vec<_> = users.iter().map(|u| names(&u.groups)).collect();
    assert_eq!(got, [vec![], vec!["alpine"], vec!["rowing"]]);

    // Nested: the source filter of a nested relation reads its own parent, the post.
    let before = db.statements_executed();
    let posts = find_many::<Post>()
        .with(
            Post::comments
                .filter_source(Post::title.ne("b1"))
                .with(Comment::author)
                .order_by(Comment::id),
        )
        .order_by(Post::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 2));
    let authors: Vec<Vec<&str>> = posts
        .iter()
        .map(|p| p.comments.iter().map(|c| c.author.name.as_str()).collect())
        .collect();
    assert_eq!(authors, [vec!["bob", "cy"], vec![], vec!["cy"]]);
    Ok(())
}

#[backends(strategies)]
async fn ordered_by_the_junction(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let first = |users: &[User<NotLoaded, NotLoaded, NotLoaded, NotLoaded, Option<Group>>]| {
        users
            .iter()
            .map(|u| u.first_group.as_ref().map(|g| g.name.clone()))
            .collect::<Vec<_>>()
    };
    let some = |names: [&str; 3]| names.map(|n| Some(n.to_owned()));
    // By default, the first by the target's key.
    let before = db.statements_executed();
    let users = find_many::<User>()
        .with(User::first_group)
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 1));
    assert_eq!(first(&users), some(["chess", "alpine", "rowing"]));
    // The oldest membership, then the newest: junction columns choose "first".
    for (order, expected) in [
        (Membership::since.asc(), ["alpine", "alpine", "rowing"]),
        (Membership::since.desc(), ["chess", "alpine", "rowing"]),
    ] {
        let before = db.statements_executed();
        let users = find_many::<User>()
            .with(User::first_group.order_by(order))
            .order_by(User::id)
            .strategy(strategy)
            .all(&db)
            .await?;
        assert_eq!(db.statements_executed() - before, statements(strategy, 1));
        assert_eq!(first(&users), some(expected));
    }
    // A source filter and the junction's order together.
    let users = find_many::<User>()
        .with(
            User::first_group
                .filter_source(User::name.ne("bob"))
                .order_by(Membership::since),
        )
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(
        first(&users),
        [Some("alpine".to_owned()), None, Some("rowing".to_owned())]
    );
    // A many relation ordered by the junction, limited per parent.
    let users = find_many::<User>()
        .with(User::groups.order_by(Membership::since.desc()).limit(2))
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let all: Vec<_> = users.iter().map(|u| names(&u.groups)).collect();
    assert_eq!(
        all,
        [vec!["chess", "rowing"], vec!["alpine"], vec!["rowing"]]
    );
    Ok(())
}

#[backends(strategies)]
async fn conditions_through_one_relations(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let ids = |posts: &[Post<User>]| posts.iter().map(|p| p.id).collect::<Vec<_>>();
    // Posts by ann, then posts by anyone else.
    let before = db.statements_executed();
    let by_ann = find_many::<Post>()
        .with(Post::author)
        .filter(Post::author.filter(User::name.eq("ann")).exists())
        .order_by(Post::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 1));
    assert_eq!(ids(&by_ann), [1, 3]);
    let others = find_many::<Post>()
        .with(Post::author)
        .filter(Post::author.filter(User::name.eq("ann")).not_exists())
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(ids(&others), [2]);

    // Two `one` relations deep: comments on ann's posts.
    let before = db.statements_executed();
    let comments = find_many::<Comment>()
        .with(Comment::author)
        .filter(
            Comment::post
                .filter(Post::author.filter(User::name.eq("ann")).exists())
                .exists(),
        )
        .order_by(Comment::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 1));
    let got: Vec<_> = comments
        .iter()
        .map(|c| (c.id, c.author.name.as_str()))
        .collect();
    assert_eq!(got, [(1, "bob"), (3, "cy"), (4, "cy")]);

    // Three deep, through many and one: users with a post that cy commented on, and a count
    // through a `one` relation.
    let rows = find_many::<User>()
        .extras(
            User::posts
                .filter(
                    Post::comments
                        .filter(Comment::author.filter(User::name.eq("cy")).exists())
                        .exists(),
                )
                .count(),
        )
        .filter(
            User::posts
                .filter(
                    Post::comments
                        .filter(Comment::author.filter(User::name.eq("cy")).exists())
                        .exists(),
                )
                .exists(),
        )
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let got: Vec<_> = rows.iter().map(|(u, n)| (u.name.as_str(), *n)).collect();
    assert_eq!(got, [("ann", 2)]);
    Ok(())
}

#[backends(strategies)]
async fn counts_and_extras_at_every_level(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    let users = find_many::<User>()
        .extras(User::posts.count())
        .with(
            User::posts
                .extras((
                    Post::comments.count(),
                    Post::comments.filter(Comment::body.ne("nice")).count(),
                ))
                .with(
                    Post::comments
                        .extras(Comment::author.filter(User::name.eq("cy")).count())
                        .with(Comment::author)
                        .order_by(Comment::id),
                )
                .order_by(Post::id),
        )
        .with(User::groups.extras(Group::name).order_by(Group::id))
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 4));
    let shape: Vec<_> = users
        .iter()
        .map(|(user, posts)| {
            let nested: Vec<_> = user
                .posts
                .iter()
                .map(|(post, counts)| {
                    let comments: Vec<_> = post
                        .comments
                        .iter()
                        .map(|(c, by_cy)| (c.author.name.as_str(), *by_cy))
                        .collect();
                    (post.title.as_str(), *counts, comments)
                })
                .collect();
            (user.name.as_str(), *posts, nested)
        })
        .collect();
    assert_eq!(
        shape,
        [
            (
                "ann",
                2,
                vec![
                    ("a1", (2, 1), vec![("bob", 0), ("cy", 1)]),
                    ("a2", (1, 1), vec![("cy", 1)]),
                ]
            ),
            ("bob", 1, vec![("b1", (1, 1), vec![("ann", 0)])]),
            ("cy", 0, vec![]),
        ]
    );
    let groups: Vec<Vec<&str>> = users
        .iter()
        .map(|(u, _)| u.groups.iter().map(|(_, name)| name.as_str()).collect())
        .collect();
    assert_eq!(
        groups,
        [
            vec!["chess", "alpine", "rowing"],
            vec!["alpine"],
            vec!["rowing"]
        ]
    );
    Ok(())
}
