//! Right, full and cross joins; table aliases (`weft::alias!`) for self-joins, selecting FROM
//! an alias, and alias names that collide with weft's invented aliases or with another table.

use weft::{Backend, Db, Error, NotLoaded, Table};
use weft_tests::backends;

/// Members, each maybe invited by another member.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "members")]
pub struct Member<Notes = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    pub invited_by: Option<i64>,
    #[relation(many = Note)]
    pub notes: Notes,
}

/// Notes written by members.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "notes")]
pub struct Note {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Member::id)]
    pub member_id: i64,
    pub body: String,
}

weft::alias!(
    /// The member who invited another.
    pub Inviter = Member as "inviter"
);
weft::alias!(
    /// A second alias of members, for a three-way self-join.
    pub Grand = Member as "grand"
);
weft::alias!(
    /// Named like the alias weft gives an `exists()` subquery.
    pub E1 = Member as "e1"
);
weft::alias!(
    /// Named like another table of the query.
    pub NotesAlias = Member as "notes"
);
weft::alias!(
    /// Named by its type (no `as`).
    pub Sponsor = Member
);

fn member(id: i64, name: &str, invited_by: Option<i64>) -> Member {
    Member {
        id,
        name: name.into(),
        invited_by,
        notes: NotLoaded,
    }
}

/// ann (invited by nobody) invited bob, bob invited cat; dan invited by nobody.
/// Notes: ann "a1", "a2"; cat "c1"; bob and dan none.
async fn seed(db: &Db) -> weft::Result<()> {
    db.create_tables::<(Member, Note)>().await?;
    weft::insert_many([
        member(1, "ann", None),
        member(2, "bob", Some(1)),
        member(3, "cat", Some(2)),
        member(4, "dan", None),
    ])
    .execute(db)
    .await?;
    weft::insert_many([
        Note {
            id: 1,
            member_id: 1,
            body: "a1".into(),
        },
        Note {
            id: 2,
            member_id: 1,
            body: "a2".into(),
        },
        Note {
            id: 3,
            member_id: 3,
            body: "c1".into(),
        },
    ])
    .execute(db)
    .await?;
    Ok(())
}

fn names(members: &[Option<Member>]) -> Vec<Option<&str>> {
    members
        .iter()
        .map(|m| m.as_ref().map(|m| m.name.as_str()))
        .collect()
}

#[backends]
async fn right_join_makes_the_tables_before_it_nullable(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // Every member, with each of their notes where they have any.
    let rows: Vec<(Option<Note>, Member)> = weft::select::<Note>()
        .right_join::<Member>()
        .on(Note::member_id.eq(Member::id))
        .order_by(Member::id)
        .order_by(Note::id)
        .all(&db)
        .await?;
    let shape: Vec<(Option<&str>, &str)> = rows
        .iter()
        .map(|(n, m)| (n.as_ref().map(|n| n.body.as_str()), m.name.as_str()))
        .collect();
    assert_eq!(
        shape,
        [
            (Some("a1"), "ann"),
            (Some("a2"), "ann"),
            (None, "bob"),
            (Some("c1"), "cat"),
            (None, "dan")
        ]
    );

    // After a left join: both tables before the right join are nullable.
    let rows: Vec<(Option<Member>, Option<Member>, Note)> = weft::select::<Member>()
        .left_join::<Inviter>()
        .on(Inviter::col(Member::id).eq(Member::invited_by))
        .right_join::<Note>()
        .on(Note::member_id.eq(Member::id))
        .order_by(Note::id)
        .all(&db)
        .await?;
    let shape: Vec<(Option<&str>, Option<&str>, &str)> = rows
        .iter()
        .map(|(m, i, n)| {
            (
                m.as_ref().map(|m| m.name.as_str()),
                i.as_ref().map(|i| i.name.as_str()),
                n.body.as_str(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (Some("ann"), None, "a1"),
            (Some("ann"), None, "a2"),
            (Some("cat"), Some("bob"), "c1")
        ]
    );
    Ok(())
}

fn full_join_refused<T: std::fmt::Debug>(out: weft::Result<T>) {
    match out {
        Err(Error::Unsupported { what, hint, .. }) => {
            assert_eq!(what, "FULL JOIN");
            assert!(hint.contains("UNION"), "{hint}");
        }
        other => panic!("expected Error::Unsupported, got {other:?}"),
    }
}

#[backends]
async fn full_join_where_the_dialect_has_it(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // Notes matched to the member who wrote them only when the body is not "a2": so one note
    // matches no member, and bob and dan match no note.
    let query = weft::select::<Member>()
        .full_join::<Note>()
        .on(Note::member_id.eq(Member::id).and(Note::body.ne("a2")))
        .order_by(Member::id)
        .order_by(Note::id);
    let mut tx = db.begin().await?;
    let rows = query.all(&mut tx).await;
    if db.capabilities().full_join {
        let rows: Vec<(Option<Member>, Option<Note>)> = rows?;
        let mut shape: Vec<(Option<&str>, Option<&str>)> = rows
            .iter()
            .map(|(m, n)| {
                (
                    m.as_ref().map(|m| m.name.as_str()),
                    n.as_ref().map(|n| n.body.as_str()),
                )
            })
            .collect();
        // Where the unmatched note sorts (NULLs first or last) differs by backend.
        shape.sort();
        assert_eq!(
            shape,
            [
                (None, Some("a2")),
                (Some("ann"), Some("a1")),
                (Some("bob"), None),
                (Some("cat"), Some("c1")),
                (Some("dan"), None)
            ]
        );
    } else {
        // Refused before sending: the transaction is not aborted and still commits.
        full_join_refused(rows);
        full_join_refused(query.count(&mut tx).await);
        assert!(query.to_sql(db.dialect()).text.contains("FULL JOIN"));
    }
    weft::update::<Member>()
        .set(Member::name, "dee")
        .filter(Member::id.eq(4))
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    let dee = weft::select::<Member>()
        .columns(Member::name)
        .filter(Member::id.eq(4))
        .one(&db)
        .await?;
    assert_eq!(dee, "dee");
    Ok(())
}

#[backends]
async fn cross_join_pairs_every_row(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let all = weft::select::<Member>().cross_join::<Note>();
    assert_eq!(all.count(&db).await?, 12);
    let rows: Vec<(Member, Note)> = all
        .filter(Note::member_id.ne(Member::id))
        .filter(Member::id.le(2))
        .order_by(Member::id)
        .order_by(Note::id)
        .all(&db)
        .await?;
    let shape: Vec<(&str, &str)> = rows
        .iter()
        .map(|(m, n)| (m.name.as_str(), n.body.as_str()))
        .collect();
    assert_eq!(
        shape,
        [("ann", "c1"), ("bob", "a1"), ("bob", "a2"), ("bob", "c1")]
    );
    // A cross join of a table with an alias of itself: every ordered pair.
    let pairs: Vec<(String, String)> = weft::select::<Member>()
        .cross_join::<Inviter>()
        .columns((Member::name, Inviter::col(Member::name)))
        .filter(Member::id.lt(Inviter::col(Member::id)))
        .filter(Inviter::col(Member::id).le(3))
        .order_by(Member::id)
        .order_by(Inviter::col(Member::id))
        .all(&db)
        .await?;
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (&**a, &**b)).collect();
    assert_eq!(pairs, [("ann", "bob"), ("ann", "cat"), ("bob", "cat")]);
    Ok(())
}

#[backends]
async fn self_join_through_an_alias(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // Each member with who invited them, if anyone.
    let rows: Vec<(Member, Option<Member>)> = weft::select::<Member>()
        .left_join::<Inviter>()
        .on(Inviter::col(Member::id).eq(Member::invited_by))
        .order_by(Member::id)
        .all(&db)
        .await?;
    let (members, inviters): (Vec<_>, Vec<_>) = rows.into_iter().map(|(m, i)| (Some(m), i)).unzip();
    assert_eq!(
        names(&members),
        [Some("ann"), Some("bob"), Some("cat"), Some("dan")]
    );
    assert_eq!(names(&inviters), [None, Some("ann"), Some("bob"), None]);

    // Inner join, filtered and ordered by the alias's columns; then the inviter's inviter.
    let rows: Vec<(Member, Member, Option<Member>)> = weft::select::<Member>()
        .inner_join::<Inviter>()
        .on(Inviter::col(Member::id).eq(Member::invited_by))
        .left_join::<Grand>()
        .on(Grand::col(Member::id).eq(Inviter::col(Member::invited_by)))
        .filter(Inviter::col(Member::name).ne("nobody"))
        .order_by(Inviter::col(Member::name).desc())
        .all(&db)
        .await?;
    let shape: Vec<(&str, &str, Option<&str>)> = rows
        .iter()
        .map(|(m, i, g)| {
            (
                m.name.as_str(),
                i.name.as_str(),
                g.as_ref().map(|g| g.name.as_str()),
            )
        })
        .collect();
    assert_eq!(shape, [("cat", "bob", Some("ann")), ("bob", "ann", None)]);

    // Chosen columns: the left-joined side read as `Option` with `.nullable()`.
    let pairs: Vec<(String, Option<String>)> = weft::select::<Member>()
        .left_join::<Inviter>()
        .on(Inviter::col(Member::id).eq(Member::invited_by))
        .columns((Member::name, Inviter::col(Member::name).nullable()))
        .order_by(Member::id)
        .all(&db)
        .await?;
    assert_eq!(
        pairs,
        [
            ("ann".into(), None),
            ("bob".into(), Some("ann".into())),
            ("cat".into(), Some("bob".into())),
            ("dan".into(), None)
        ]
    );
    // … and in a Selectable struct with an `Option` field.
    let rows = weft::select::<Member>()
        .left_join::<Inviter>()
        .on(Inviter::col(Member::id).eq(Member::invited_by))
        .columns(Invited::as_select())
        .order_by(Member::id)
        .limit(2)
        .all(&db)
        .await?;
    assert_eq!(
        rows,
        [
            Invited {
                name: "ann".into(),
                inviter: None
            },
            Invited {
                name: "bob".into(),
                inviter: Some("ann".into())
            }
        ]
    );
    // Without `.nullable()`, a NULL read into a `String` is a typed error naming the column.
    let missing = weft::select::<Member>()
        .left_join::<Inviter>()
        .on(Inviter::col(Member::id).eq(Member::invited_by))
        .columns((Member::name, Inviter::col(Member::name)))
        .order_by(Member::id)
        .all(&db)
        .await;
    match missing {
        Err(Error::Decode { table, column, .. }) => {
            assert_eq!((table, column), ("inviter", "name"));
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }

    // Counting a self-join.
    let invited = weft::select::<Member>()
        .inner_join::<Inviter>()
        .on(Inviter::col(Member::id).eq(Member::invited_by))
        .count(&db)
        .await?;
    assert_eq!(invited, 2);
    Ok(())
}

/// A member's name and their inviter's, read through the alias.
#[derive(weft::Selectable, Debug, PartialEq)]
#[selectable(table = Member)]
pub struct Invited {
    pub name: String,
    #[selectable(column = Inviter::col(Member::name))]
    pub inviter: Option<String>,
}

#[backends]
async fn select_from_an_alias(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let q = weft::select::<Inviter>()
        .filter(Inviter::col(Member::name).like("%a%"))
        .order_by(Inviter::col(Member::id));
    let rows: Vec<Member> = q.all(&db).await?;
    let names: Vec<&str> = rows.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["ann", "cat", "dan"]);
    assert!(
        q.to_sql(db.dialect()).text.contains(" AS "),
        "{}",
        q.to_sql(db.dialect()).text
    );
    // From the alias, joining the table under its own name.
    let rows: Vec<(Member, Option<Member>)> = weft::select::<Sponsor>()
        .left_join::<Member>()
        .on(Member::invited_by.eq(Sponsor::col(Member::id)))
        .filter(Sponsor::col(Member::id).le(2))
        .order_by(Sponsor::col(Member::id))
        .all(&db)
        .await?;
    let shape: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|(s, m)| (s.name.as_str(), m.as_ref().map(|m| m.name.as_str())))
        .collect();
    assert_eq!(shape, [("ann", Some("bob")), ("bob", Some("cat"))]);
    assert_eq!(
        weft::select::<Sponsor>().count(&db).await?,
        4,
        "counted FROM an alias"
    );
    Ok(())
}

#[backends]
async fn alias_named_like_a_weft_alias(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // `e1` is what weft would call the `exists()` subquery's table: it takes another name.
    let q = weft::select::<Member>()
        .inner_join::<E1>()
        .on(E1::col(Member::id).eq(Member::invited_by))
        .filter(Member::notes.exists())
        .columns((Member::name, E1::col(Member::name)));
    let sql = q.to_sql(db.dialect()).text;
    assert!(
        sql.contains("AS \"e2\"") || sql.contains("AS `e2`"),
        "{sql}"
    );
    assert_eq!(q.all(&db).await?, [("cat".to_owned(), "bob".to_owned())]);
    // An exists() on the alias's side of the join, correlated with the outer table.
    let q = weft::select::<Member>()
        .left_join::<E1>()
        .on(E1::col(Member::id).eq(Member::invited_by))
        .filter(Member::notes.not_exists())
        .columns(Member::name)
        .order_by(Member::id);
    assert_eq!(q.all(&db).await?, ["bob", "dan"]);
    Ok(())
}

/// A nested select that reads the table under its own name reads it, not the outer alias:
/// an uncorrelated subquery stays uncorrelated, and a set operation's arm reads its own FROM.
#[backends]
async fn an_alias_does_not_reach_into_nested_selects(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let all = ["ann", "bob", "cat", "dan"];
    // EXISTS of a member named cat: true for every row.
    let cat = weft::exists(weft::select::<Member>().filter(Member::name.eq("cat")));
    let q = weft::select::<Inviter>()
        .filter(cat)
        .order_by(Inviter::col(Member::id));
    let sql = q.to_sql(db.dialect()).text;
    let rows = q.all(&db).await?;
    let got: Vec<&str> = rows.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(got, all, "{sql}");
    // IN and a scalar subquery over the same table.
    let ann = || {
        weft::select::<Member>()
            .filter(Member::name.eq("ann"))
            .columns(Member::id)
    };
    let invited = weft::select::<Inviter>()
        .filter(Inviter::col(Member::invited_by).in_subquery(ann()))
        .columns(Inviter::col(Member::name))
        .all(&db)
        .await?;
    assert_eq!(invited, ["bob"]);
    let with_ann = weft::select::<Inviter>()
        .columns((Inviter::col(Member::name), ann().scalar()))
        .order_by(Inviter::col(Member::id))
        .all(&db)
        .await?;
    assert_eq!(
        with_ann,
        all.map(|n| (n.to_owned(), Some(1))),
        "every row sees ann's id"
    );
    // A UNION arm reading the table under its own name.
    let q = weft::select::<Inviter>()
        .columns(Inviter::col(Member::name))
        .filter(Inviter::col(Member::id).eq(1))
        .union(
            weft::select::<Member>()
                .columns(Member::name)
                .filter(Member::id.eq(4)),
        )
        .order_by(Inviter::col(Member::name));
    let sql = q.to_sql(db.dialect()).text;
    assert_eq!(q.all(&db).await?, ["ann", "dan"], "{sql}");
    Ok(())
}

fn named_twice<T: std::fmt::Debug>(out: weft::Result<T>) {
    match out {
        Err(Error::Unsupported { what, hint, .. }) => {
            assert!(what.starts_with("two tables under one name"), "{what}");
            assert!(hint.contains("weft::alias!"), "{hint}");
        }
        other => panic!("expected Error::Unsupported, got {other:?}"),
    }
}

#[backends]
async fn alias_named_like_another_table_is_refused(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let mut tx = db.begin().await?;
    // `notes` is also the name of the joined Note table.
    let clash = weft::select::<Note>()
        .inner_join::<NotesAlias>()
        .on(NotesAlias::col(Member::id).eq(Note::member_id))
        .all(&mut tx)
        .await;
    named_twice(clash);
    // A table joined to itself without an alias.
    let unaliased = weft::select::<Member>()
        .cross_join::<Member>()
        .count(&mut tx)
        .await;
    named_twice(unaliased);
    // The same alias joined twice (a condition reading it would not compile: the query
    // would read `Inviter` at two places).
    let same_alias = weft::select::<Member>()
        .cross_join::<Inviter>()
        .cross_join::<Inviter>()
        .all(&mut tx)
        .await;
    named_twice(same_alias);
    // Nothing was sent: the transaction still commits.
    weft::delete::<Note>()
        .filter(Note::id.eq(3))
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    assert_eq!(weft::select::<Note>().count(&db).await?, 2);
    // Where no other table has its name, the same alias works.
    let lone = weft::select::<Member>()
        .inner_join::<NotesAlias>()
        .on(NotesAlias::col(Member::id).eq(Member::invited_by))
        .columns(NotesAlias::col(Member::name))
        .order_by(Member::id)
        .all(&db)
        .await?;
    assert_eq!(lone, ["ann", "bob"]);
    Ok(())
}

/// The SQL each join renders, per dialect (MySQL proper has no server here).
#[test]
fn join_sql_per_dialect() {
    let right = weft::select::<Note>()
        .right_join::<Member>()
        .on(Note::member_id.eq(Member::id))
        .columns((Note::body.nullable(), Member::name));
    assert_eq!(
        right.to_sql(Backend::Postgres).text,
        r#"SELECT "notes"."body", "members"."name" FROM "notes" RIGHT JOIN "members" ON "notes"."member_id" = "members"."id""#
    );
    assert_eq!(
        right.to_sql(&weft::dialect::MariaDb).text,
        "SELECT `notes`.`body`, `members`.`name` FROM `notes` RIGHT JOIN `members` ON `notes`.`member_id` = `members`.`id`"
    );
    assert_eq!(
        right.to_sql(Backend::MySql).text,
        right.to_sql(&weft::dialect::MariaDb).text
    );

    let full = weft::select::<Member>()
        .full_join::<Note>()
        .on(Note::member_id.eq(Member::id))
        .columns(Member::id);
    assert_eq!(
        full.to_sql(Backend::Postgres).text,
        r#"SELECT "members"."id" FROM "members" FULL JOIN "notes" ON "notes"."member_id" = "members"."id""#
    );
    // Refused where there is no FULL JOIN: a bind that fails before sending.
    for refused in [
        full.to_sql(&weft::dialect::MariaDb),
        full.to_sql(Backend::MySql),
    ] {
        assert!(refused.text.contains("FULL JOIN"), "{}", refused.text);
        assert!(
            refused
                .binds
                .iter()
                .any(|b| matches!(b, weft::Value::Unencodable(_))),
            "{:?}",
            refused.binds
        );
    }

    let cross = weft::select::<Member>()
        .cross_join::<Note>()
        .columns((Member::id, Note::id));
    assert_eq!(
        cross.to_sql(Backend::MySql).text,
        "SELECT `members`.`id`, `notes`.`id` FROM `members` CROSS JOIN `notes`"
    );

    let self_join = weft::select::<Member>()
        .left_join::<Inviter>()
        .on(Inviter::col(Member::id).eq(Member::invited_by))
        .columns((Member::name, Inviter::col(Member::name).nullable()))
        .filter(Inviter::col(Member::name).ne("x"));
    assert_eq!(
        self_join.to_sql(Backend::Postgres).text,
        r#"SELECT "members"."name", "inviter"."name" FROM "members" LEFT JOIN "members" AS "inviter" ON "inviter"."id" = "members"."invited_by" WHERE "inviter"."name" <> $1"#
    );
    assert_eq!(
        self_join.to_sql(&weft::dialect::MariaDb).text,
        "SELECT `members`.`name`, `inviter`.`name` FROM `members` LEFT JOIN `members` AS `inviter` ON `inviter`.`id` = `members`.`invited_by` WHERE `inviter`.`name` <> ?"
    );
    assert_eq!(
        self_join.to_sql(Backend::MySql).text,
        self_join.to_sql(&weft::dialect::MariaDb).text
    );

    let from_alias = weft::select::<Inviter>().columns(Inviter::col(Member::name));
    assert_eq!(
        from_alias.to_sql(Backend::Postgres).text,
        r#"SELECT "inviter"."name" FROM "members" AS "inviter""#
    );

    // An alias named like weft's `exists()` alias: the subquery takes the next name.
    let e1 = weft::select::<Member>()
        .inner_join::<E1>()
        .on(E1::col(Member::id).eq(Member::invited_by))
        .filter(Member::notes.exists())
        .columns(Member::id);
    assert_eq!(
        e1.to_sql(Backend::Postgres).text,
        r#"SELECT "members"."id" FROM "members" INNER JOIN "members" AS "e1" ON "e1"."id" = "members"."invited_by" WHERE EXISTS (SELECT 1 FROM "notes" AS "e2" WHERE "e2"."member_id" = "members"."id")"#
    );
}
