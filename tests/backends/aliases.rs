//! Tables and columns named like the aliases weft invents (`t`, `t1`, `t1j`, `j`, `e1`, `c1`,
//! `w`, `c0`, `__p0`, `__rn`, …): every relational statement still correlates each related
//! row with its own parent, in both strategies, through junctions, `exists()`, `count()`,
//! filters, order, limits and the SQL-like builder.

use weft::{Db, NotLoaded, Strategy, Table, find_many};
use weft_tests::{backends, statements};

/// `t1`, with a column named `t`.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "t1")]
pub struct Parent<Kids = NotLoaded, Tags = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[column(name = "t")]
    pub name: String,
    #[relation(many = Kid)]
    pub kids: Kids,
    #[relation(many, through = J)]
    pub tags: Tags,
}

/// `t` (the batched statements' target alias), with columns named `c0` and `c1` (the
/// batched statements' column aliases).
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "t")]
pub struct Kid<Parent_ = NotLoaded, Toys = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Parent::id)]
    pub t1_id: i64,
    #[column(name = "c0")]
    pub name: String,
    #[column(name = "c1")]
    pub rank: i32,
    #[relation(one = Parent)]
    pub parent: Parent_,
    #[relation(many = Toy)]
    pub toys: Toys,
}

/// `e1` (an `exists()` alias), with columns named `__p0` and `__rn` (the batched statements'
/// key and row-number columns).
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "e1")]
pub struct Toy<Kid_ = NotLoaded, Parts = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Kid::id)]
    pub t_id: i64,
    #[column(name = "__p0")]
    pub name: String,
    #[column(name = "__rn")]
    pub rank: i32,
    #[relation(one = Kid)]
    pub kid: Kid_,
    #[relation(many = Part)]
    pub parts: Parts,
}

/// `w` (the batched statements' derived table), with a column named `w`.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "w")]
pub struct Part {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Toy::id)]
    pub e1_id: i64,
    #[column(name = "w")]
    pub name: String,
}

/// `c1` (a `count()` alias), with a column named `j`.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "c1")]
pub struct Tag<Parents = NotLoaded, Clubs = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[column(name = "j")]
    pub name: String,
    #[relation(many, through = J)]
    pub parents: Parents,
    #[relation(many, through = ClubTag)]
    pub clubs: Clubs,
}

/// `j` (the batched statements' junction alias), between `t1` and `c1`.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "j", primary_key(t1_id, c1_id))]
pub struct J {
    #[column(references = Parent::id)]
    pub t1_id: i64,
    #[column(references = Tag::id)]
    pub c1_id: i64,
}

/// `t1j` (a junction alias of one statement).
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "t1j")]
pub struct Club<Tags = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[column(name = "t1")]
    pub name: String,
    #[relation(many, through = ClubTag)]
    pub tags: Tags,
}

/// `c1j` (a junction alias of a count), between `t1j` and `c1`, keyed on columns named like
/// the tables they reference.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "c1j", primary_key(t1j, c1))]
pub struct ClubTag {
    #[column(references = Club::id)]
    pub t1j: i64,
    #[column(references = Tag::id)]
    pub c1: i64,
}

type Schema = (Parent, Kid, Toy, Part, Tag, J, Club, ClubTag);

/// Parents ann (kids 1, 2; tags x, y), bob (kid 3; tag y), cy (nothing). Kid 1 is the only
/// row whose foreign key equals its own id, which is what a parent alias captured by the
/// child's alias would compare. Toys: ball, doll (kid 1), kite (kid 3). Parts: red (ball),
/// tail and string (kite). Clubs: chess (tag z), go (tags x, y).
async fn seed(db: &weft::Db) -> weft::Result<()> {
    db.create_tables::<Schema>().await?;
    weft::insert_many([(1, "ann"), (2, "bob"), (3, "cy")].map(|(id, n)| Parent {
        id,
        name: n.into(),
        kids: NotLoaded,
        tags: NotLoaded,
    }))
    .execute(db)
    .await?;
    weft::insert_many(
        [(1, 1, "k1", 2), (2, 1, "k2", 1), (3, 2, "k3", 5)].map(|(id, p, n, r)| Kid {
            id,
            t1_id: p,
            name: n.into(),
            rank: r,
            parent: NotLoaded,
            toys: NotLoaded,
        }),
    )
    .execute(db)
    .await?;
    weft::insert_many(
        [(1, 1, "ball", 3), (2, 1, "doll", 1), (3, 3, "kite", 2)].map(|(id, k, n, r)| Toy {
            id,
            t_id: k,
            name: n.into(),
            rank: r,
            kid: NotLoaded,
            parts: NotLoaded,
        }),
    )
    .execute(db)
    .await?;
    weft::insert_many(
        [(1, 1, "red"), (2, 3, "tail"), (3, 3, "string")].map(|(id, t, n)| Part {
            id,
            e1_id: t,
            name: n.into(),
        }),
    )
    .execute(db)
    .await?;
    weft::insert_many([(1, "x"), (2, "y"), (3, "z")].map(|(id, n)| Tag {
        id,
        name: n.into(),
        parents: NotLoaded,
        clubs: NotLoaded,
    }))
    .execute(db)
    .await?;
    weft::insert_many([(1, 1), (1, 2), (2, 2)].map(|(p, t)| J { t1_id: p, c1_id: t }))
        .execute(db)
        .await?;
    weft::insert_many([(1, "chess"), (2, "go")].map(|(id, n)| Club {
        id,
        name: n.into(),
        tags: NotLoaded,
    }))
    .execute(db)
    .await?;
    weft::insert_many([(1, 3), (2, 1), (2, 2)].map(|(c, t)| ClubTag { t1j: c, c1: t }))
        .execute(db)
        .await?;
    Ok(())
}

/// A row's name and the names of its related rows.
type Named<'a> = (&'a str, Vec<String>);

fn names<T>(rows: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
    rows.iter().map(|r| name(r).to_owned()).collect()
}

#[backends(strategies)]
async fn nested_relations_and_junctions_keep_their_parents(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    let parents = find_many::<Parent>()
        .with(
            Parent::kids.order_by(Kid::rank).with(
                Kid::toys
                    .order_by(Toy::rank)
                    .with(Toy::parts.order_by(Part::id))
                    .with(Toy::kid),
            ),
        )
        .with(
            Parent::tags
                .order_by(Tag::name.desc())
                .with(Tag::clubs.order_by(Club::id)),
        )
        .order_by(Parent::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 6));
    type Shape = Vec<(
        String,
        Vec<(String, Vec<(String, String, Vec<String>)>)>,
        Vec<(String, Vec<String>)>,
    )>;
    let shape: Shape = parents
        .iter()
        .map(|p| {
            let kids = p
                .kids
                .iter()
                .map(|k| {
                    let toys = k
                        .toys
                        .iter()
                        .map(|t| {
                            (
                                t.name.clone(),
                                t.kid.name.clone(),
                                names(&t.parts, |x| &x.name),
                            )
                        })
                        .collect();
                    (k.name.clone(), toys)
                })
                .collect();
            let tags = p
                .tags
                .iter()
                .map(|t| (t.name.clone(), names(&t.clubs, |c| &c.name)))
                .collect();
            (p.name.clone(), kids, tags)
        })
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        shape,
        vec![
            (
                s("ann"),
                vec![
                    (s("k2"), vec![]),
                    (
                        s("k1"),
                        vec![
                            (s("doll"), s("k1"), vec![]),
                            (s("ball"), s("k1"), vec![s("red")])
                        ]
                    ),
                ],
                vec![(s("y"), vec![s("go")]), (s("x"), vec![s("go")])],
            ),
            (
                s("bob"),
                vec![(
                    s("k3"),
                    vec![(s("kite"), s("k3"), vec![s("tail"), s("string")])]
                )],
                vec![(s("y"), vec![s("go")])],
            ),
            (s("cy"), vec![], vec![]),
        ]
    );

    // The other way round, from `c1` through `j` to `t1`, and from `t1j` through `c1j`.
    let tags = find_many::<Tag>()
        .with(
            Tag::parents
                .order_by(Parent::id)
                .with(Parent::kids.order_by(Kid::id)),
        )
        .with(
            Tag::clubs
                .order_by(Club::id)
                .with(Club::tags.order_by(Tag::id)),
        )
        .order_by(Tag::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(&str, Vec<Named>, Vec<Named>)> = tags
        .iter()
        .map(|t| {
            (
                t.name.as_str(),
                t.parents
                    .iter()
                    .map(|p| (p.name.as_str(), names(&p.kids, |k| &k.name)))
                    .collect(),
                t.clubs
                    .iter()
                    .map(|c| (c.name.as_str(), names(&c.tags, |x| &x.name)))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (
                "x",
                vec![("ann", vec![s("k1"), s("k2")])],
                vec![("go", vec![s("x"), s("y")])]
            ),
            (
                "y",
                vec![("ann", vec![s("k1"), s("k2")]), ("bob", vec![s("k3")])],
                vec![("go", vec![s("x"), s("y")])]
            ),
            ("z", vec![], vec![("chess", vec![s("z")])]),
        ]
    );
    Ok(())
}

#[backends(strategies)]
async fn filtered_limited_and_ordered_relations(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    // A relation filtered with exists() and ordered by a count(), limited per parent: derived
    // tables, window functions and row numbers over columns named like their aliases.
    let parents = find_many::<Parent>()
        .with(
            Parent::kids
                .filter(Kid::toys.exists())
                .order_by(Kid::toys.count().desc())
                .order_by(Kid::id)
                .limit(1)
                .with(
                    Kid::toys
                        .filter(Toy::parts.count().ge(1))
                        .order_by(Toy::name)
                        .offset(0),
                ),
        )
        .with(
            Parent::tags
                .filter(Tag::clubs.filter(Club::name.eq("go")).exists())
                .order_by(Tag::id)
                .offset(1),
        )
        .order_by(Parent::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(&str, Vec<Named>, Vec<String>)> = parents
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.kids
                    .iter()
                    .map(|k| (k.name.as_str(), names(&k.toys, |t| &t.name)))
                    .collect(),
                names(&p.tags, |t| &t.name),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (
                "ann",
                vec![("k1", vec!["ball".to_string()])],
                vec!["y".to_string()]
            ),
            ("bob", vec![("k3", vec!["kite".to_string()])], vec![]),
            ("cy", vec![], vec![]),
        ]
    );

    // Limits inside a nested level whose parents are several.
    let kids = find_many::<Kid>()
        .with(
            Kid::toys
                .order_by(Toy::rank.desc())
                .limit(1)
                .with(Toy::parts.order_by(Part::name).limit(1)),
        )
        .with(Kid::parent.with(Parent::tags.order_by(Tag::id).limit(1)))
        .order_by(Kid::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(&str, Vec<Named>, &str, Vec<String>)> = kids
        .iter()
        .map(|k| {
            (
                k.name.as_str(),
                k.toys
                    .iter()
                    .map(|t| (t.name.as_str(), names(&t.parts, |p| &p.name)))
                    .collect(),
                k.parent.name.as_str(),
                names(&k.parent.tags, |t| &t.name),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (
                "k1",
                vec![("ball", vec!["red".to_string()])],
                "ann",
                vec!["x".to_string()]
            ),
            ("k2", vec![], "ann", vec!["x".to_string()]),
            (
                "k3",
                vec![("kite", vec!["string".to_string()])],
                "bob",
                vec!["y".to_string()]
            ),
        ]
    );
    Ok(())
}

#[backends(strategies)]
async fn exists_and_count_on_roots_named_like_their_aliases(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    seed(&db).await?;
    // Root `e1`, filtered with exists() (alias `e1` in a statement without relations).
    let toys = find_many::<Toy>()
        .filter(Toy::parts.exists())
        .order_by(Toy::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(names(&toys, |t| &t.name), ["ball", "kite"]);
    let toys = find_many::<Toy>()
        .filter(Toy::parts.not_exists())
        .with(Toy::kid.with(Kid::parent))
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(&str, &str, &str)> = toys
        .iter()
        .map(|t| {
            (
                t.name.as_str(),
                t.kid.name.as_str(),
                t.kid.parent.name.as_str(),
            )
        })
        .collect();
    assert_eq!(shape, [("doll", "k1", "ann")]);

    // Root `c1`, with count() (alias `c1`, its junction `c1j`) as an extra, a filter and an order.
    let rows = find_many::<Tag>()
        .extras((Tag::parents.count(), Tag::clubs.count()))
        .order_by(Tag::parents.count().desc())
        .order_by(Tag::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(&str, (i64, i64))> = rows.iter().map(|(t, n)| (t.name.as_str(), *n)).collect();
    assert_eq!(shape, [("y", (2, 1)), ("x", (1, 1)), ("z", (0, 1))]);
    let busy = find_many::<Tag>()
        .filter(Tag::parents.filter(Parent::name.ne("bob")).count().eq(1))
        .with(Tag::parents.order_by(Parent::id))
        .order_by(Tag::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(&str, Vec<String>)> = busy
        .iter()
        .map(|t| (t.name.as_str(), names(&t.parents, |p| &p.name)))
        .collect();
    assert_eq!(
        shape,
        [
            ("x", vec!["ann".to_string()]),
            ("y", vec!["ann".to_string(), "bob".to_string()])
        ]
    );

    // Root `t1j`, through `c1j`: exists and count through a junction.
    let clubs = find_many::<Club>()
        .filter(Club::tags.filter(Tag::name.eq("x")).exists())
        .extras(Club::tags.count())
        .with(Club::tags.order_by(Tag::id))
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(&str, i64, Vec<String>)> = clubs
        .iter()
        .map(|(c, n)| (c.name.as_str(), *n, names(&c.tags, |t| &t.name)))
        .collect();
    assert_eq!(shape, [("go", 2, vec!["x".to_string(), "y".to_string()])]);

    // Root `t1`: exists and count nested in each other, beside loaded relations.
    let parents = find_many::<Parent>()
        .filter(
            Parent::kids
                .filter(Kid::toys.filter(Toy::parts.count().ge(2)).exists())
                .exists(),
        )
        .extras((Parent::kids.count(), Parent::tags.count()))
        .with(Parent::kids.order_by(Kid::id))
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(&str, (i64, i64), Vec<String>)> = parents
        .iter()
        .map(|(p, n)| (p.name.as_str(), *n, names(&p.kids, |k| &k.name)))
        .collect();
    assert_eq!(shape, [("bob", (1, 1), vec!["k3".to_string()])]);
    Ok(())
}

/// `counted` and `one`, the derived table and column of a limited `count()`.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "counted")]
pub struct Counted<Ones = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[column(name = "one")]
    pub one: i64,
    #[relation(many = One)]
    pub ones: Ones,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "one")]
pub struct One {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Counted::id)]
    pub counted_id: i64,
}

#[backends]
async fn sql_builder_with_tables_named_like_aliases(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    db.create_tables::<(Counted, One)>().await?;
    weft::insert_many((1..=4).map(|id| Counted {
        id,
        one: 1,
        ones: NotLoaded,
    }))
    .execute(&db)
    .await?;
    weft::insert_many([(1, 1), (2, 1), (3, 3)].map(|(id, c)| One { id, counted_id: c }))
        .execute(&db)
        .await?;
    let q = weft::select::<Counted>().filter(Counted::ones.exists().and(Counted::one.eq(1)));
    assert_eq!(q.limit(10).count(&db).await?, 2);
    // select from `e1` with exists(), and from `c1` with count() as a column.
    let toys = weft::select::<Toy>()
        .filter(Toy::parts.exists())
        .order_by(Toy::id)
        .columns(Toy::name)
        .all(&db)
        .await?;
    assert_eq!(toys, ["ball", "kite"]);
    let n = weft::select::<Toy>()
        .filter(Toy::parts.exists())
        .limit(5)
        .count(&db)
        .await?;
    assert_eq!(n, 2);
    let counts = weft::select::<Tag>()
        .columns((Tag::name, Tag::parents.count(), Tag::clubs.count()))
        .order_by(Tag::id)
        .all(&db)
        .await?;
    assert_eq!(
        counts,
        [
            ("x".to_string(), 1, 1),
            ("y".to_string(), 2, 1),
            ("z".to_string(), 0, 1)
        ]
    );
    // A join of `t` and `t1`, with relations of both tables in the filter.
    let pairs = weft::select::<Kid>()
        .inner_join::<Parent>()
        .on(Kid::t1_id.eq(Parent::id))
        .filter(
            Parent::tags
                .filter(Tag::name.eq("x"))
                .exists()
                .and(Kid::toys.count().ge(1)),
        )
        .columns((Kid::name, Parent::name))
        .all(&db)
        .await?;
    assert_eq!(pairs, [("k1".to_string(), "ann".to_string())]);
    // update and delete on `e1` and `c1`.
    let changed = weft::update::<Toy>()
        .set(Toy::rank, 0)
        .filter(Toy::parts.not_exists())
        .execute(&db)
        .await?;
    assert_eq!(changed, 1);
    let ranks = weft::select::<Toy>()
        .columns((Toy::name, Toy::rank))
        .order_by(Toy::id)
        .all(&db)
        .await?;
    assert_eq!(
        ranks,
        [
            ("ball".to_string(), 3),
            ("doll".to_string(), 0),
            ("kite".to_string(), 2)
        ]
    );
    weft::delete::<ClubTag>()
        .filter(ClubTag::c1.eq(3))
        .execute(&db)
        .await?;
    let gone = weft::delete::<Tag>()
        .filter(Tag::parents.not_exists().and(Tag::clubs.count().eq(0)))
        .execute(&db)
        .await?;
    assert_eq!(gone, 1);
    let left = weft::select::<Tag>()
        .columns(Tag::name)
        .order_by(Tag::id)
        .all(&db)
        .await?;
    assert_eq!(left, ["x", "y"]);
    Ok(())
}

/// A table named in capitals, `T1`: SQLite (and MySQL under `lower_case_table_names`) takes
/// it for `t1`, the first alias of a statement.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "T1")]
pub struct Shout<Whispers = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[relation(many = Whisper)]
    pub whispers: Whispers,
}

/// `C1`, the count alias of the statements below in capitals.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "C1")]
pub struct Whisper<Shout_ = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Shout::id)]
    pub t1_id: i64,
    #[relation(one = Shout, optional)]
    pub shout: Shout_,
}

#[backends(strategies)]
async fn aliases_avoid_names_differing_only_in_case(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    db.create_tables::<(Shout, Whisper)>().await?;
    weft::insert_many([1, 2, 3].map(|id| Shout {
        id,
        whispers: NotLoaded,
    }))
    .execute(&db)
    .await?;
    weft::insert_many([(1, 1), (2, 1), (3, 2)].map(|(id, s)| Whisper {
        id,
        t1_id: s,
        shout: NotLoaded,
    }))
    .execute(&db)
    .await?;
    let shouts = find_many::<Shout>()
        .with(Shout::whispers.order_by(Whisper::id))
        .filter(Shout::whispers.exists())
        .order_by(Shout::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(i64, Vec<i64>)> = shouts
        .iter()
        .map(|s| (s.id, s.whispers.iter().map(|w| w.id).collect()))
        .collect();
    assert_eq!(shape, [(1, vec![1, 2]), (2, vec![3])]);
    let counts = find_many::<Shout>()
        .extras(Shout::whispers.count())
        .order_by(Shout::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let counts: Vec<(i64, i64)> = counts.iter().map(|(s, n)| (s.id, *n)).collect();
    assert_eq!(counts, [(1, 2), (2, 1), (3, 0)]);
    let whispers = find_many::<Whisper>()
        .extras(Whisper::shout.filter(Shout::id.ne(1)).count())
        .filter(Whisper::shout.filter(Shout::id.ne(2)).exists())
        .with(Whisper::shout)
        .order_by(Whisper::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(i64, i64, Option<i64>)> = whispers
        .iter()
        .map(|(w, n)| (w.id, *n, w.shout.as_ref().map(|s| s.id)))
        .collect();
    assert_eq!(shape, [(1, 0, Some(1)), (2, 0, Some(1))]);
    Ok(())
}

/// The aliases weft chooses skip the names of the tables a statement reads under their own
/// names (and their junction aliases, `…j`, too); every other table is aliased.
#[test]
fn invented_aliases_skip_the_names_of_unaliased_tables() {
    let pg = weft::Backend::Postgres;
    assert_eq!(
        find_many::<Parent>()
            .with(Parent::kids)
            .filter(Parent::tags.exists())
            .to_sql(pg)
            .text,
        r#"SELECT "t1"."id", "t1"."t", (SELECT COALESCE(json_agg(json_build_array("t2"."id", "t2"."t1_id", "t2"."c0", "t2"."c1") ORDER BY "t2"."id"), '[]'::json) FROM "t" AS "t2" WHERE "t2"."t1_id" = "t1"."id")::text FROM "t1" WHERE EXISTS (SELECT 1 FROM "c1" AS "e3" JOIN "j" AS "e3j" ON "e3"."id" = "e3j"."c1_id" WHERE "e3j"."t1_id" = "t1"."id")"#
    );
    // `t1` would give its junction the alias `t1j`, the root's name.
    assert_eq!(
        find_many::<Club>().with(Club::tags).to_sql(pg).text,
        r#"SELECT "t1j"."id", "t1j"."t1", (SELECT COALESCE(json_agg(json_build_array("t2"."id", "t2"."j") ORDER BY "t2"."id"), '[]'::json) FROM "c1" AS "t2" JOIN "c1j" AS "t2j" ON "t2"."id" = "t2j"."c1" WHERE "t2j"."t1j" = "t1j"."id")::text FROM "t1j""#
    );
    assert_eq!(
        weft::select::<Tag>()
            .columns(Tag::parents.count())
            .to_sql(pg)
            .text,
        r#"SELECT (SELECT COUNT(*) FROM "t1" AS "c2" JOIN "j" AS "c2j" ON "c2"."id" = "c2j"."t1_id" WHERE "c2j"."c1_id" = "c1"."id") FROM "c1""#
    );
    // Every table of a joined query, and the table an update, delete or insert writes.
    let joined = weft::select::<Kid>()
        .inner_join::<Toy>()
        .on(Toy::t_id.eq(Kid::id))
        .filter(Toy::parts.exists())
        .columns(Kid::id)
        .to_sql(pg);
    assert!(
        joined.text.ends_with(
            r#"WHERE EXISTS (SELECT 1 FROM "w" AS "e2" WHERE "e2"."e1_id" = "e1"."id")"#
        ),
        "{joined}"
    );
    let update = weft::update::<Toy>()
        .set(Toy::rank, 1)
        .filter(Toy::parts.exists())
        .to_sql(pg);
    assert!(
        update
            .text
            .contains(r#"FROM "w" AS "e2" WHERE "e2"."e1_id" = "e1"."id""#),
        "{update}"
    );
    let delete = weft::delete::<Tag>()
        .filter(Tag::parents.count().eq(0))
        .to_sql(pg);
    assert!(
        delete
            .text
            .contains(r#"FROM "t1" AS "c2" JOIN "j" AS "c2j""#),
        "{delete}"
    );
    let insert = weft::insert(Toy {
        id: 9,
        t_id: 1,
        name: "x".into(),
        rank: 0,
        kid: NotLoaded,
        parts: NotLoaded,
    })
    .returning_columns((Toy::id, Toy::parts.exists()));
    let insert = &insert.to_sql(pg)[0];
    assert!(
        insert.text.ends_with(
            r#"RETURNING "id", EXISTS (SELECT 1 FROM "w" AS "e2" WHERE "e2"."e1_id" = "e1"."id")"#
        ),
        "{insert}"
    );
}
