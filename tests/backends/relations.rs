//! Relational queries on every backend, in both loading strategies, with the number of
//! statements each sends.

use weft::{Db, NotLoaded, Strategy, Table, find_first, find_many};
use weft_tests::{backends, statements};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "users", serialize)]
pub struct User<
    Groups = NotLoaded,
    Posts = NotLoaded,
    Followers = NotLoaded,
    Profile = NotLoaded,
    Published = NotLoaded,
    Memberships = NotLoaded,
> {
    #[column(primary_key, auto)]
    pub id: i64,
    pub name: String,
    #[relation(many, through = UsersToGroups)]
    pub groups: Groups,
    #[relation(many = Post)]
    pub posts: Posts,
    /// Users who follow this one: the junction has two keys into `users`, so they are named.
    #[relation(many = User, through = Follows, from = Follows::followee_id, to = Follows::follower_id)]
    pub followers: Followers,
    #[relation(one = Profile)]
    pub profile: Profile,
    #[relation(many = Post, filter = Post::published.eq(true))]
    pub published_posts: Published,
    #[relation(many = UsersToGroups)]
    pub memberships: Memberships,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "groups", serialize)]
pub struct Group<Users = NotLoaded, Leader = NotLoaded> {
    #[column(primary_key, auto)]
    pub id: i64,
    pub name: String,
    #[relation(many, through = UsersToGroups)]
    pub users: Users,
    #[relation(one = User, through = Leaders)]
    pub leader: Leader,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "users_to_groups", primary_key(user_id, group_id), serialize)]
pub struct UsersToGroups<TheGroup = NotLoaded> {
    #[column(references = User::id, on_delete = cascade)]
    pub user_id: i64,
    #[column(references = Group::id, on_delete = cascade)]
    pub group_id: i64,
    pub role: String,
    #[relation(one = Group)]
    pub group: TheGroup,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "leaders", primary_key(group_id))]
pub struct Leaders {
    #[column(references = Group::id)]
    pub group_id: i64,
    #[column(references = User::id)]
    pub user_id: i64,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "follows", primary_key(follower_id, followee_id))]
pub struct Follows {
    #[column(references = User::id)]
    pub follower_id: i64,
    #[column(references = User::id)]
    pub followee_id: i64,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "posts", serialize)]
pub struct Post<Author = NotLoaded, Comments = NotLoaded> {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(references = User::id, on_delete = cascade)]
    pub user_id: i64,
    pub title: String,
    pub published: bool,
    #[relation(one = User)]
    pub author: Author,
    #[relation(many = Comment)]
    pub comments: Comments,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "comments", serialize)]
pub struct Comment {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(references = Post::id, on_delete = cascade)]
    pub post_id: i64,
    pub body: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "profiles", serialize)]
pub struct Profile {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(references = User::id, unique)]
    pub user_id: i64,
    pub bio: String,
}

type Schema = (
    User,
    Group,
    UsersToGroups,
    Leaders,
    Follows,
    Post,
    Comment,
    Profile,
);

/// dan (groups 1; posts "hello" (2 comments), "draft"), ann (groups 1, 2; post "ann's"),
/// bob (group 2, no posts, no profile). ann follows dan, bob follows dan and ann.
pub(crate) async fn seed(db: &weft::Db) -> weft::Result<()> {
    db.create_tables::<Schema>().await?;
    weft::insert_many(["dan", "ann", "bob"].map(|n| NewUser {
        id: None,
        name: n.into(),
    }))
    .execute(db)
    .await?;
    weft::insert_many(["red", "blue", "empty"].map(|n| NewGroup {
        id: None,
        name: n.into(),
    }))
    .execute(db)
    .await?;
    weft::insert_many(
        [
            (1, 1, "admin"),
            (2, 1, "member"),
            (2, 2, "admin"),
            (3, 2, "member"),
        ]
        .map(|(u, g, r)| UsersToGroups {
            user_id: u,
            group_id: g,
            role: r.into(),
            group: NotLoaded,
        }),
    )
    .execute(db)
    .await?;
    weft::insert_many([Leaders {
        group_id: 1,
        user_id: 1,
    }])
    .execute(db)
    .await?;
    weft::insert_many([(2, 1), (3, 1), (3, 2)].map(|(a, b)| Follows {
        follower_id: a,
        followee_id: b,
    }))
    .execute(db)
    .await?;
    weft::insert_many(
        [(1, "hello", true), (1, "draft", false), (2, "ann's", true)].map(|(u, t, p)| NewPost {
            id: None,
            user_id: u,
            title: t.into(),
            published: p,
        }),
    )
    .execute(db)
    .await?;
    weft::insert_many(
        [(1, "first!"), (1, "nice"), (3, "hi ann")].map(|(p, b)| NewComment {
            id: None,
            post_id: p,
            body: b.into(),
        }),
    )
    .execute(db)
    .await?;
    weft::insert_many(
        [(1, "dan's bio"), (2, "ann's bio")].map(|(u, b)| NewProfile {
            id: None,
            user_id: u,
            bio: b.into(),
        }),
    )
    .execute(db)
    .await?;
    Ok(())
}

fn names<T>(rows: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
    rows.iter().map(|r| name(r).to_owned()).collect()
}

#[backends(strategies)]
async fn many_to_many_both_ways(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    let users = find_many::<User>()
        .with(User::groups.order_by(Group::name))
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 1));
    let shape: Vec<(String, Vec<String>)> = users
        .iter()
        .map(|u| (u.name.clone(), names(&u.groups, |g| &g.name)))
        .collect();
    assert_eq!(
        shape,
        [
            ("dan".into(), vec!["red".into()]),
            ("ann".into(), vec!["blue".into(), "red".into()]),
            ("bob".into(), vec!["blue".into()])
        ]
    );

    let groups = find_many::<Group>()
        .with(Group::users.order_by(User::name.desc()))
        .order_by(Group::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(String, Vec<String>)> = groups
        .iter()
        .map(|g| (g.name.clone(), names(&g.users, |u| &u.name)))
        .collect();
    assert_eq!(
        shape,
        [
            ("red".into(), vec!["dan".into(), "ann".into()]),
            ("blue".into(), vec!["bob".into(), "ann".into()]),
            ("empty".into(), vec![])
        ]
    );

    // Drizzle's shape: loaded relations nested, unloaded ones absent.
    let json = serde_json::to_value(&users[0]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"id": 1, "name": "dan", "groups": [{"id": 1, "name": "red"}]})
    );
    Ok(())
}

#[backends(strategies)]
async fn per_relation_where_order_limit_offset(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    let users = find_many::<User>()
        .with(
            User::posts
                .filter(Post::title.ne("nope"))
                .order_by(Post::title.desc())
                .limit(1),
        )
        .with(User::groups.order_by(Group::id).offset(1))
        .filter(User::name.ne("bob"))
        .order_by(User::name)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 2));
    // ann: one post, groups after the first; dan: the last title in descending order first.
    assert_eq!(users.len(), 2);
    assert_eq!(
        (users[0].name.as_str(), names(&users[0].posts, |p| &p.title)),
        ("ann", vec!["ann's".to_string()])
    );
    assert_eq!(names(&users[0].groups, |g| &g.name), ["blue"]);
    assert_eq!(
        (users[1].name.as_str(), names(&users[1].posts, |p| &p.title)),
        ("dan", vec!["hello".to_string()])
    );
    assert!(users[1].groups.is_empty());

    // Root limit and offset, and a relation limited to two per parent.
    let page = find_many::<Group>()
        .with(Group::users.order_by(User::id).limit(2))
        .order_by(Group::id)
        .limit(2)
        .offset(1)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(names(&page, |g| &g.name), ["blue", "empty"]);
    assert_eq!(names(&page[0].users, |u| &u.name), ["ann", "bob"]);
    Ok(())
}

#[backends(strategies)]
async fn three_levels_deep(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    let groups = find_many::<Group>()
        .with(
            Group::users.order_by(User::id).with(
                User::posts
                    .order_by(Post::id)
                    .with(Post::comments.order_by(Comment::id)),
            ),
        )
        .filter(Group::name.eq("red"))
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 3));
    let red = &groups[0];
    let dan = &red.users[0];
    assert_eq!(dan.name, "dan");
    assert_eq!(names(&dan.posts, |p| &p.title), ["hello", "draft"]);
    assert_eq!(
        names(&dan.posts[0].comments, |c| &c.body),
        ["first!", "nice"]
    );
    assert!(dan.posts[1].comments.is_empty());
    assert_eq!(
        names(&red.users[1].posts[0].comments, |c| &c.body),
        ["hi ann"]
    );
    Ok(())
}

/// Children whose rows come back interleaved across parents (inserted in turns, and ordered by
/// a term that alternates them) land in their own parents' lists in order, at two levels, with
/// posts sharing an author between them.
#[backends(strategies)]
async fn rows_arriving_out_of_parent_order(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    // Posts 4–8 in turns between dan (1), ann (2) and bob (3).
    weft::insert_many(
        [(2, "b1"), (1, "a3"), (3, "c1"), (2, "b2"), (1, "a4")].map(|(u, t)| NewPost {
            id: None,
            user_id: u,
            title: t.into(),
            published: true,
        }),
    )
    .execute(&db)
    .await?;
    // Comments 4–11 in turns between posts 4, 5 and 1.
    weft::insert_many(
        [
            (4, "b1-1"),
            (5, "a3-1"),
            (1, "hello-3"),
            (4, "b1-2"),
            (5, "a3-2"),
            (1, "hello-4"),
            (4, "b1-3"),
            (5, "a3-3"),
        ]
        .map(|(p, b)| NewComment {
            id: None,
            post_id: p,
            body: b.into(),
        }),
    )
    .execute(&db)
    .await?;
    let users = find_many::<User>()
        .with(User::posts.with(Post::comments))
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let titles = |users: &[_]| -> Vec<Vec<String>> {
        users
            .iter()
            .map(|u: &User<_, Vec<Post<_, Vec<Comment>>>>| names(&u.posts, |p| &p.title))
            .collect()
    };
    assert_eq!(
        titles(&users),
        [
            vec!["hello", "draft", "a3", "a4"],
            vec!["ann's", "b1", "b2"],
            vec!["c1"],
        ]
    );
    let comments = |u: usize, p: usize| names(&users[u].posts[p].comments, |c| &c.body);
    assert_eq!(comments(0, 0), ["first!", "nice", "hello-3", "hello-4"]);
    assert_eq!(comments(0, 2), ["a3-1", "a3-2", "a3-3"]);
    assert_eq!(comments(1, 1), ["b1-1", "b1-2", "b1-3"]);
    assert!(comments(1, 2).is_empty());

    // Ordered by a term that alternates parents, newest first.
    let users = find_many::<User>()
        .with(
            User::posts
                .order_by(Post::id.desc())
                .with(Post::comments.order_by(Comment::body.desc())),
        )
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(
        titles(&users),
        [
            vec!["a4", "a3", "draft", "hello"],
            vec!["b2", "b1", "ann's"],
            vec!["c1"],
        ]
    );
    assert_eq!(
        names(&users[0].posts[3].comments, |c| &c.body),
        ["nice", "hello-4", "hello-3", "first!"]
    );
    assert_eq!(
        names(&users[1].posts[1].comments, |c| &c.body),
        ["b1-3", "b1-2", "b1-1"]
    );

    // Posts sharing an author, each author with all of its posts again.
    let posts = find_many::<Post>()
        .with(Post::author.with(User::posts))
        .order_by(Post::id.desc())
        .strategy(strategy)
        .all(&db)
        .await?;
    let seen: Vec<(String, usize)> = posts
        .iter()
        .map(|p| (p.author.name.clone(), p.author.posts.len()))
        .collect();
    assert_eq!(
        seen,
        [
            ("dan".to_owned(), 4),
            ("ann".to_owned(), 3),
            ("bob".to_owned(), 1),
            ("dan".to_owned(), 4),
            ("ann".to_owned(), 3),
            ("ann".to_owned(), 3),
            ("dan".to_owned(), 4),
            ("dan".to_owned(), 4),
        ]
    );
    Ok(())
}

#[backends(strategies)]
async fn one_optional_one_and_one_through(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    let posts = find_many::<Post>()
        .with(Post::author.with(User::profile))
        .order_by(Post::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 2));
    // `author` is `User<…>` (a non-null key), `profile` an `Option`.
    let authors: Vec<(&str, Option<&str>)> = posts
        .iter()
        .map(|p| {
            (
                p.author.name.as_str(),
                p.author.profile.as_ref().map(|x| x.bio.as_str()),
            )
        })
        .collect();
    assert_eq!(
        authors,
        [
            ("dan", Some("dan's bio")),
            ("dan", Some("dan's bio")),
            ("ann", Some("ann's bio"))
        ]
    );

    let users = find_many::<User>()
        .with(User::profile)
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(users[2].profile, None);

    let groups = find_many::<Group>()
        .with(Group::leader)
        .order_by(Group::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let leaders: Vec<Option<&str>> = groups
        .iter()
        .map(|g| g.leader.as_ref().map(|u| u.name.as_str()))
        .collect();
    assert_eq!(leaders, [Some("dan"), None, None]);
    Ok(())
}

#[backends(strategies)]
async fn self_referential_followers(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let users = find_many::<User>()
        .with(
            User::followers
                .order_by(User::id)
                .with(User::followers.order_by(User::id)),
        )
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let dan = &users[0];
    assert_eq!(names(&dan.followers, |u| &u.name), ["ann", "bob"]);
    // ann is followed by bob.
    assert_eq!(names(&dan.followers[0].followers, |u| &u.name), ["bob"]);
    assert!(users[2].followers.is_empty());
    Ok(())
}

#[backends(strategies)]
async fn junction_as_a_table_and_predefined_filters(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    seed(&db).await?;
    let users = find_many::<User>()
        .with(
            User::memberships
                .order_by(UsersToGroups::group_id)
                .with(UsersToGroups::group),
        )
        .with(User::published_posts.order_by(Post::id))
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let ann = &users[1];
    let memberships: Vec<(&str, &str)> = ann
        .memberships
        .iter()
        .map(|m| (m.role.as_str(), m.group.name.as_str()))
        .collect();
    assert_eq!(memberships, [("member", "red"), ("admin", "blue")]);
    // The relation's own filter: only published posts.
    assert_eq!(names(&users[0].published_posts, |p| &p.title), ["hello"]);
    let json = serde_json::to_value(ann).unwrap();
    assert_eq!(
        json["memberships"][1],
        serde_json::json!({"user_id": 2, "group_id": 2, "role": "admin", "group": {"id": 2, "name": "blue"}})
    );
    assert!(
        json.get("posts").is_none(),
        "unloaded relations are absent: {json}"
    );
    Ok(())
}

#[backends(strategies)]
async fn exists_filters(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let q = |f: weft::Expr<bool, weft::Dep<User>>| {
        find_many::<User>()
            .filter(f)
            .order_by(User::id)
            .strategy(strategy)
    };
    let with_posts = q(User::posts.exists()).all(&db).await?;
    assert_eq!(names(&with_posts, |u| &u.name), ["dan", "ann"]);
    let without = q(User::posts.not_exists()).all(&db).await?;
    assert_eq!(names(&without, |u| &u.name), ["bob"]);
    let drafted = q(User::posts.filter(Post::published.eq(false)).exists())
        .all(&db)
        .await?;
    assert_eq!(names(&drafted, |u| &u.name), ["dan"]);
    // Nested: users with a post that has a comment saying "hi ann".
    let nested = q(User::posts
        .filter(Post::comments.filter(Comment::body.eq("hi ann")).exists())
        .exists())
    .all(&db)
    .await?;
    assert_eq!(names(&nested, |u| &u.name), ["ann"]);
    // Through a junction, and self-referential.
    let in_blue = q(User::groups.filter(Group::name.eq("blue")).exists())
        .all(&db)
        .await?;
    assert_eq!(names(&in_blue, |u| &u.name), ["ann", "bob"]);
    let followed_by_bob = q(User::followers.filter(User::name.eq("bob")).exists())
        .all(&db)
        .await?;
    assert_eq!(names(&followed_by_bob, |u| &u.name), ["dan", "ann"]);
    // Relation filters apply: only published posts count.
    let publishing = find_many::<User>()
        .filter(User::published_posts.exists().and(User::name.ne("ann")))
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(names(&publishing, |u| &u.name), ["dan"]);
    // EXISTS works in the SQL-like builder too.
    let n = weft::select::<User>()
        .filter(User::posts.exists())
        .count(&db)
        .await?;
    assert_eq!(n, 2);
    Ok(())
}

#[backends(strategies)]
async fn empty_tables_and_find_first_without_a_row(db: Db, strategy: Strategy) -> weft::Result<()> {
    db.create_tables::<Schema>().await?;
    let before = db.statements_executed();
    let users = find_many::<User>()
        .with(User::groups)
        .with(User::posts)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert!(users.is_empty());
    // No parents: batched loading sends no child statements.
    assert_eq!(db.statements_executed() - before, 1);
    let first = find_first::<User>()
        .with(User::posts)
        .strategy(strategy)
        .first(&db)
        .await?;
    assert!(first.is_none());

    weft::insert(NewUser {
        id: None,
        name: "solo".into(),
    })
    .execute(&db)
    .await?;
    let solo = find_first::<User>()
        .with(User::posts.with(Post::comments))
        .with(User::profile)
        .strategy(strategy)
        .first(&db)
        .await?
        .expect("one user");
    assert!(solo.posts.is_empty());
    assert_eq!(solo.profile, None);
    Ok(())
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "students")]
pub struct Student<Offerings = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    #[relation(many = CourseOffering, through = Grade, from = Grade::student_id, to = (Grade::course_id, Grade::semester))]
    pub offerings: Offerings,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "course_offerings", primary_key(course_id, semester))]
pub struct CourseOffering {
    pub course_id: i64,
    pub semester: String,
    pub title: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "grades", primary_key(student_id, course_id, semester))]
pub struct Grade {
    #[column(references = Student::id)]
    pub student_id: i64,
    pub course_id: i64,
    pub semester: String,
    pub grade: i32,
}

#[backends(strategies)]
async fn composite_target_key_through_a_junction(db: Db, strategy: Strategy) -> weft::Result<()> {
    db.create_tables::<(Student, CourseOffering, Grade)>()
        .await?;
    weft::insert_many([(1, "sam"), (2, "kim")].map(|(id, n)| Student {
        id,
        name: n.into(),
        offerings: NotLoaded,
    }))
    .execute(&db)
    .await?;
    weft::insert_many(
        [
            (10, "2024a", "Algebra"),
            (10, "2024b", "Algebra II"),
            (20, "2024a", "Biology"),
        ]
        .map(|(c, s, t)| CourseOffering {
            course_id: c,
            semester: s.into(),
            title: t.into(),
        }),
    )
    .execute(&db)
    .await?;
    weft::insert_many(
        [
            (1, 10, "2024b", 90),
            (1, 20, "2024a", 80),
            (2, 10, "2024a", 70),
        ]
        .map(|(st, c, s, g)| Grade {
            student_id: st,
            course_id: c,
            semester: s.into(),
            grade: g,
        }),
    )
    .execute(&db)
    .await?;
    let before = db.statements_executed();
    let students = find_many::<Student>()
        .with(Student::offerings.order_by(CourseOffering::title))
        .order_by(Student::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 1));
    assert_eq!(
        names(&students[0].offerings, |o| &o.title),
        ["Algebra II", "Biology"]
    );
    assert_eq!(names(&students[1].offerings, |o| &o.title), ["Algebra"]);
    Ok(())
}

#[test]
fn single_statement_sql_per_dialect() {
    let q = find_many::<User>().with(User::groups.order_by(Group::id));
    for backend in weft::Backend::ALL {
        let sql = q.to_sql(backend);
        println!("{backend}: {sql}");
    }
    let sqlite = q.to_sql(weft::Backend::Sqlite).text;
    assert!(sqlite.contains("json_group_array(json_array("), "{sqlite}");
    let pg = q.to_sql(weft::Backend::Postgres).text;
    assert!(pg.contains("json_agg(json_build_array("), "{pg}");
    let my = q.to_sql(weft::Backend::MySql).text;
    assert!(my.contains("JSON_ARRAYAGG(JSON_ARRAY("), "{my}");
    assert_eq!(
        Strategy::default_for(weft::Backend::Postgres),
        Strategy::Batched
    );
}

/// A subset of a post's columns, read across a relation.
#[derive(weft::Selectable, Debug, PartialEq)]
#[selectable(table = Post)]
pub struct PostTitle {
    pub id: i64,
    pub title: String,
}

#[backends(strategies)]
async fn column_subsets_and_extras(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    // Per relation: a tuple of columns, and a Selectable struct.
    let users = find_many::<User>()
        .with(
            User::posts
                .columns((Post::title, Post::published))
                .order_by(Post::id),
        )
        .with(User::groups.columns(Group::name).order_by(Group::name))
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 2));
    assert_eq!(
        users[0].posts,
        [("hello".to_string(), true), ("draft".to_string(), false)]
    );
    assert_eq!(users[1].groups, ["blue", "red"]);

    let posts = find_many::<User>()
        .with(User::published_posts.columns(PostTitle::as_select()))
        .filter(User::name.eq("ann"))
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(
        posts[0].published_posts,
        [PostTitle {
            id: 3,
            title: "ann's".into()
        }]
    );

    // At the root.
    let names = find_many::<User>()
        .columns((User::id, User::name))
        .order_by(User::id)
        .limit(2)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(names, [(1, "dan".to_string()), (2, "ann".to_string())]);

    // Extras: computed values beside each row, with relations loaded as usual.
    let rows = find_many::<User>()
        .with(User::groups.order_by(Group::id))
        .extras((
            weft::upper(User::name),
            weft::char_length(User::name),
            User::posts.count(),
            User::published_posts.count(),
        ))
        .order_by(User::posts.count().desc())
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    type Shape<'a> = (&'a str, usize, (String, i64, i64, i64));
    let shape: Vec<Shape> = rows
        .iter()
        .map(|(u, x)| (u.name.as_str(), u.groups.len(), x.clone()))
        .collect();
    assert_eq!(
        shape,
        [
            ("dan", 1, ("DAN".to_string(), 3, 2, 1)),
            ("ann", 2, ("ANN".to_string(), 3, 1, 1)),
            ("bob", 1, ("BOB".to_string(), 3, 0, 0)),
        ]
    );
    // Relation counts also filter.
    let busy = weft::select::<User>()
        .filter(User::posts.count().ge(2))
        .columns(User::name)
        .all(&db)
        .await?;
    assert_eq!(busy, ["dan"]);
    Ok(())
}

#[backends(strategies)]
async fn nested_under_a_limited_relation_and_stable_order(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    seed(&db).await?;
    let users = find_many::<User>()
        .with(
            User::posts
                .order_by(Post::title)
                .limit(1)
                .with(Post::comments),
        )
        // No order given: both strategies fall back to the primary key.
        .with(User::groups.offset(1))
        .order_by(User::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let dan = &users[0];
    assert_eq!(names(&dan.posts, |p| &p.title), ["draft"]);
    assert!(dan.posts[0].comments.is_empty());
    let ann = &users[1];
    assert_eq!(names(&ann.posts[0].comments, |c| &c.body), ["hi ann"]);
    assert_eq!(names(&ann.groups, |g| &g.name), ["blue"]);
    Ok(())
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "tags")]
pub struct Tag<Articles = NotLoaded> {
    #[column(primary_key)]
    pub name: String,
    #[relation(many = Article)]
    pub articles: Articles,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "articles")]
pub struct Article {
    #[column(primary_key)]
    pub id: i32,
    #[column(references = Tag::name)]
    pub tag: String,
    pub course_id: i64,
    pub semester: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "offerings", primary_key(course_id, semester))]
pub struct Offering<Articles = NotLoaded> {
    pub course_id: i64,
    pub semester: String,
    #[relation(
        many = Article,
        from = (Offering::course_id, Offering::semester),
        to = (Article::course_id, Article::semester)
    )]
    pub articles: Articles,
}

#[backends(strategies)]
async fn text_composite_and_mixed_width_keys(db: Db, strategy: Strategy) -> weft::Result<()> {
    db.create_tables::<(Tag, Article, Offering)>().await?;
    weft::insert_many(["rust", "sql", "empty"].map(|n| Tag {
        name: n.into(),
        articles: NotLoaded,
    }))
    .execute(&db)
    .await?;
    weft::insert_many(
        [
            (1, "rust", 10, "a"),
            (2, "sql", 10, "a"),
            (3, "rust", 20, "b"),
        ]
        .map(|(id, t, c, s)| Article {
            id,
            tag: t.into(),
            course_id: c,
            semester: s.into(),
        }),
    )
    .execute(&db)
    .await?;
    weft::insert_many([(10, "a"), (20, "b"), (20, "a")].map(|(c, s)| Offering {
        course_id: c,
        semester: s.into(),
        articles: NotLoaded,
    }))
    .execute(&db)
    .await?;
    let before = db.statements_executed();
    let tags = find_many::<Tag>()
        .with(Tag::articles)
        .order_by(Tag::name)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 1));
    let shape: Vec<(&str, Vec<i32>)> = tags
        .iter()
        .map(|t| (t.name.as_str(), t.articles.iter().map(|a| a.id).collect()))
        .collect();
    assert_eq!(
        shape,
        [("empty", vec![]), ("rust", vec![1, 3]), ("sql", vec![2])]
    );

    let offerings = find_many::<Offering>()
        .with(Offering::articles)
        .order_by(Offering::course_id)
        .order_by(Offering::semester)
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(i64, &str, Vec<i32>)> = offerings
        .iter()
        .map(|o| {
            (
                o.course_id,
                o.semester.as_str(),
                o.articles.iter().map(|a| a.id).collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [(10, "a", vec![1, 2]), (20, "a", vec![]), (20, "b", vec![3])]
    );
    Ok(())
}

/// Wider than PostgreSQL's 100-argument limit for one `json_build_array`.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "wide_rows")]
pub struct WideRow {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = WideOwner::id)]
    pub owner_id: i64,
    pub c1: i32,
    pub c2: i32,
    pub c3: i32,
    pub c4: i32,
    pub c5: i32,
    pub c6: i32,
    pub c7: i32,
    pub c8: i32,
    pub c9: i32,
    pub c10: i32,
    pub c11: i32,
    pub c12: i32,
    pub c13: i32,
    pub c14: i32,
    pub c15: i32,
    pub c16: i32,
    pub c17: i32,
    pub c18: i32,
    pub c19: i32,
    pub c20: i32,
    pub c21: i32,
    pub c22: i32,
    pub c23: i32,
    pub c24: i32,
    pub c25: i32,
    pub c26: i32,
    pub c27: i32,
    pub c28: i32,
    pub c29: i32,
    pub c30: i32,
    pub c31: i32,
    pub c32: i32,
    pub c33: i32,
    pub c34: i32,
    pub c35: i32,
    pub c36: i32,
    pub c37: i32,
    pub c38: i32,
    pub c39: i32,
    pub c40: i32,
    pub c41: i32,
    pub c42: i32,
    pub c43: i32,
    pub c44: i32,
    pub c45: i32,
    pub c46: i32,
    pub c47: i32,
    pub c48: i32,
    pub c49: i32,
    pub c50: i32,
    pub c51: i32,
    pub c52: i32,
    pub c53: i32,
    pub c54: i32,
    pub c55: i32,
    pub c56: i32,
    pub c57: i32,
    pub c58: i32,
    pub c59: i32,
    pub c60: i32,
    pub c61: i32,
    pub c62: i32,
    pub c63: i32,
    pub c64: i32,
    pub c65: i32,
    pub c66: i32,
    pub c67: i32,
    pub c68: i32,
    pub c69: i32,
    pub c70: i32,
    pub c71: i32,
    pub c72: i32,
    pub c73: i32,
    pub c74: i32,
    pub c75: i32,
    pub c76: i32,
    pub c77: i32,
    pub c78: i32,
    pub c79: i32,
    pub c80: i32,
    pub c81: i32,
    pub c82: i32,
    pub c83: i32,
    pub c84: i32,
    pub c85: i32,
    pub c86: i32,
    pub c87: i32,
    pub c88: i32,
    pub c89: i32,
    pub c90: i32,
    pub c91: i32,
    pub c92: i32,
    pub c93: i32,
    pub c94: i32,
    pub c95: i32,
    pub c96: i32,
    pub c97: i32,
    pub c98: i32,
    pub c99: i32,
    pub c100: i32,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "wide_owners")]
pub struct WideOwner<Rows = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[relation(many = WideRow)]
    pub rows: Rows,
}

#[backends(strategies)]
async fn relation_wider_than_a_hundred_columns(db: Db, strategy: Strategy) -> weft::Result<()> {
    db.create_tables::<(WideOwner, WideRow)>().await?;
    weft::insert(WideOwner {
        id: 1,
        rows: NotLoaded,
    })
    .execute(&db)
    .await?;
    let row = WideRow {
        id: 7,
        owner_id: 1,
        c1: 1,
        c2: 2,
        c3: 3,
        c4: 4,
        c5: 5,
        c6: 6,
        c7: 7,
        c8: 8,
        c9: 9,
        c10: 10,
        c11: 11,
        c12: 12,
        c13: 13,
        c14: 14,
        c15: 15,
        c16: 16,
        c17: 17,
        c18: 18,
        c19: 19,
        c20: 20,
        c21: 21,
        c22: 22,
        c23: 23,
        c24: 24,
        c25: 25,
        c26: 26,
        c27: 27,
        c28: 28,
        c29: 29,
        c30: 30,
        c31: 31,
        c32: 32,
        c33: 33,
        c34: 34,
        c35: 35,
        c36: 36,
        c37: 37,
        c38: 38,
        c39: 39,
        c40: 40,
        c41: 41,
        c42: 42,
        c43: 43,
        c44: 44,
        c45: 45,
        c46: 46,
        c47: 47,
        c48: 48,
        c49: 49,
        c50: 50,
        c51: 51,
        c52: 52,
        c53: 53,
        c54: 54,
        c55: 55,
        c56: 56,
        c57: 57,
        c58: 58,
        c59: 59,
        c60: 60,
        c61: 61,
        c62: 62,
        c63: 63,
        c64: 64,
        c65: 65,
        c66: 66,
        c67: 67,
        c68: 68,
        c69: 69,
        c70: 70,
        c71: 71,
        c72: 72,
        c73: 73,
        c74: 74,
        c75: 75,
        c76: 76,
        c77: 77,
        c78: 78,
        c79: 79,
        c80: 80,
        c81: 81,
        c82: 82,
        c83: 83,
        c84: 84,
        c85: 85,
        c86: 86,
        c87: 87,
        c88: 88,
        c89: 89,
        c90: 90,
        c91: 91,
        c92: 92,
        c93: 93,
        c94: 94,
        c95: 95,
        c96: 96,
        c97: 97,
        c98: 98,
        c99: 99,
        c100: 100,
    };
    weft::insert(row.clone()).execute(&db).await?;
    let owner = find_first::<WideOwner>()
        .with(WideOwner::rows)
        .strategy(strategy)
        .first(&db)
        .await?
        .expect("owner");
    assert_eq!(owner.rows, [row]);
    Ok(())
}
