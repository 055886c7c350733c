//! What the MySQL family used to bend, exact on every backend: text compared with its trailing
//! spaces (weft's tables use a NO PAD collation), dates outside a backend's range refused
//! before anything is stored, and relations whose JSON passes MariaDB's aggregate limits
//! loaded whole in one statement (or refused naming the limit).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use weft::{Backend, Db, Error, NotLoaded, Strategy, Table, find_many};
use weft_tests::{backends, statements};

// ---------------------------------------------------------------------------------------------
// Text: trailing spaces are part of the value.

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "labels")]
pub struct Label {
    #[column(primary_key)]
    pub id: i32,
    /// Keyed text (`VARCHAR(255)` on the MySQL family).
    #[column(unique)]
    pub name: String,
    /// Unbounded text (`LONGTEXT`).
    pub note: String,
}

const SPACED: [&str; 6] = ["admin", "admin ", "admin  ", "Admin", "", " "];

/// The ids of the labels matching a filter, in order.
macro_rules! ids {
    ($db:expr, $filter:expr) => {
        weft::select::<Label>()
            .filter($filter)
            .order_by(Label::id)
            .columns(Label::id)
            .all(&$db)
            .await?
    };
}

#[backends]
async fn trailing_spaces_are_significant(db: Db) -> weft::Result<()> {
    db.create_tables::<(Label,)>().await?;
    // A unique key holds values that differ only in trailing spaces or case.
    let rows: Vec<Label> = SPACED
        .iter()
        .enumerate()
        .map(|(i, s)| Label {
            id: i as i32 + 1,
            name: (*s).into(),
            note: (*s).into(),
        })
        .collect();
    assert_eq!(weft::insert_many(&rows).execute(&db).await?, 6);
    // … and still refuses an exact duplicate.
    let dup = weft::insert(Label {
        id: 9,
        name: "admin ".into(),
        note: String::new(),
    })
    .execute(&db)
    .await
    .unwrap_err();
    assert!(
        dup.as_database_error()
            .is_some_and(|e| e.is_unique_violation()),
        "{dup}"
    );

    // eq / ne / in / not in match exactly, on keyed and unbounded text.
    for (i, s) in SPACED.iter().enumerate() {
        let id = i as i32 + 1;
        let others: Vec<i32> = (1..=6).filter(|&o| o != id).collect();
        assert_eq!(ids!(db, Label::name.eq(*s)), [id], "name = {s:?}");
        assert_eq!(ids!(db, Label::note.eq(*s)), [id], "note = {s:?}");
        assert_eq!(ids!(db, Label::name.ne(*s)), others, "name <> {s:?}");
        assert_eq!(ids!(db, Label::name.is_in([*s])), [id], "name IN ({s:?})");
        assert_eq!(
            ids!(db, Label::note.is_not_in([*s])),
            others,
            "note NOT IN ({s:?})"
        );
    }
    assert_eq!(ids!(db, Label::name.is_in(["admin ", "x"])), [2]);
    // Values no row holds exactly match nothing.
    assert_eq!(ids!(db, Label::name.eq("admin   ")), Vec::<i32>::new());
    assert_eq!(ids!(db, Label::note.eq("  ")), Vec::<i32>::new());
    // A function of the column keeps the column's comparison.
    assert_eq!(ids!(db, weft::lower(Label::name).eq("admin ")), [2]);
    // Comparing two columns.
    assert_eq!(ids!(db, Label::name.eq(Label::note)), [1, 2, 3, 4, 5, 6]);

    // Writes touch exactly the rows named.
    let n = weft::update::<Label>()
        .set(Label::note, "changed")
        .filter(Label::name.eq("admin"))
        .execute(&db)
        .await?;
    assert_eq!(n, 1);
    assert_eq!(ids!(db, Label::note.eq("changed")), [1]);
    assert_eq!(
        weft::delete::<Label>()
            .filter(Label::name.eq("admin "))
            .execute(&db)
            .await?,
        1
    );
    assert_eq!(
        weft::delete::<Label>()
            .filter(Label::note.eq(" "))
            .execute(&db)
            .await?,
        1
    );
    let left: Vec<String> = weft::select::<Label>()
        .order_by(Label::id)
        .columns(Label::name)
        .all(&db)
        .await?;
    assert_eq!(left, ["admin", "admin  ", "Admin", ""]);
    Ok(())
}

/// The collation is the table's own, not the database's default (the test databases default
/// to `utf8mb4_bin`, which pads).
#[test]
fn mysql_tables_declare_a_no_pad_collation() {
    let ddl = weft::create_table_sql(Label::META, &weft::dialect::MariaDb);
    assert!(
        ddl[0].ends_with(" DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"),
        "{}",
        ddl[0]
    );
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "spaced_tags")]
pub struct SpacedTag<Items = NotLoaded> {
    #[column(primary_key)]
    pub name: String,
    #[relation(many = Item)]
    pub items: Items,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "spaced_items")]
pub struct Item<TagRow = NotLoaded> {
    #[column(primary_key)]
    pub id: i32,
    #[column(references = SpacedTag::name)]
    pub tag: String,
    #[relation(one = SpacedTag)]
    pub tag_row: TagRow,
}

#[backends(strategies)]
async fn relation_keys_keep_trailing_spaces(db: Db, strategy: Strategy) -> weft::Result<()> {
    db.create_tables::<(SpacedTag, Item)>().await?;
    let tags = ["a", "a ", "c", "c "];
    weft::insert_many(tags.map(|n| SpacedTag {
        name: n.into(),
        items: NotLoaded,
    }))
    .execute(&db)
    .await?;
    weft::insert_many(
        [(1, "a"), (2, "a "), (3, "a "), (4, "c")].map(|(id, t)| Item {
            id,
            tag: t.into(),
            tag_row: NotLoaded,
        }),
    )
    .execute(&db)
    .await?;

    // To-many, keyed on the parent's text key.
    let before = db.statements_executed();
    let loaded = find_many::<SpacedTag>()
        .with(SpacedTag::items)
        .order_by(SpacedTag::name)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 1));
    let shape: Vec<(&str, Vec<i32>)> = loaded
        .iter()
        .map(|t| (t.name.as_str(), t.items.iter().map(|i| i.id).collect()))
        .collect();
    assert_eq!(
        shape,
        [
            ("a", vec![1]),
            ("a ", vec![2, 3]),
            ("c", vec![4]),
            ("c ", vec![])
        ]
    );

    // To-one, keyed on the child's text column.
    let items = find_many::<Item>()
        .with(Item::tag_row)
        .order_by(Item::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let shape: Vec<(i32, &str)> = items
        .iter()
        .map(|i| (i.id, i.tag_row.name.as_str()))
        .collect();
    assert_eq!(shape, [(1, "a"), (2, "a "), (3, "a "), (4, "c")]);

    // exists / not exists / relation counts.
    let q = || {
        weft::select::<SpacedTag>()
            .order_by(SpacedTag::name)
            .columns(SpacedTag::name)
    };
    assert_eq!(
        q().filter(SpacedTag::items.exists()).all(&db).await?,
        ["a", "a ", "c"]
    );
    assert_eq!(
        q().filter(SpacedTag::items.not_exists()).all(&db).await?,
        ["c "]
    );
    let counted = find_many::<SpacedTag>()
        .extras(SpacedTag::items.count())
        .order_by(SpacedTag::name)
        .strategy(strategy)
        .all(&db)
        .await?;
    let counts: Vec<(&str, i64)> = counted.iter().map(|(t, n)| (t.name.as_str(), *n)).collect();
    assert_eq!(counts, [("a", 1), ("a ", 2), ("c", 1), ("c ", 0)]);

    // Deleting by a spaced key deletes exactly that parent's children.
    assert_eq!(
        weft::delete::<Item>()
            .filter(Item::tag.eq("a "))
            .execute(&db)
            .await?,
        2
    );
    let left: Vec<i32> = weft::select::<Item>()
        .order_by(Item::id)
        .columns(Item::id)
        .all(&db)
        .await?;
    assert_eq!(left, [1, 4]);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Dates: exact, or refused before anything is stored.

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "dated")]
pub struct Dated {
    #[column(primary_key)]
    pub id: i32,
    pub day: Option<NaiveDate>,
    pub local: Option<NaiveDateTime>,
    pub at: Option<DateTime<Utc>>,
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Whether `backend`'s date columns hold `date` exactly (SQLite stores text: every date).
fn holds(backend: Backend, date: NaiveDate) -> bool {
    match backend {
        Backend::Sqlite => true,
        Backend::Postgres => date >= ymd(-4713, 11, 24),
        Backend::MySql => (1..=9999).contains(&chrono::Datelike::year(&date)),
    }
}

#[backends]
async fn dates_round_trip_or_are_refused(db: Db) -> weft::Result<()> {
    db.create_tables::<(Dated,)>().await?;
    let backend = db.backend();
    let days = [
        NaiveDate::MIN,
        ymd(-4713, 11, 23),
        ymd(-4713, 11, 24),
        ymd(-1, 12, 31),
        ymd(0, 1, 1),
        ymd(0, 2, 29),
        ymd(1, 1, 1),
        ymd(999, 12, 31),
        ymd(1000, 1, 1),
        ymd(2024, 2, 29),
        ymd(9999, 12, 31),
        ymd(10000, 1, 1),
        ymd(65535, 12, 31),
        ymd(65536, 1, 1),
        NaiveDate::MAX,
    ];
    let mut stored = Vec::new();
    let mut id = 0;
    for day in days {
        let local = day.and_hms_micro_opt(23, 59, 59, 999_999).unwrap();
        let rows = [
            Dated {
                id: 0,
                day: Some(day),
                local: None,
                at: None,
            },
            Dated {
                id: 0,
                day: None,
                local: Some(local),
                at: None,
            },
            Dated {
                id: 0,
                day: None,
                local: None,
                at: Some(local.and_utc()),
            },
        ];
        for mut row in rows {
            id += 1;
            row.id = id;
            let shown = format!("{:?}", (&row.day, &row.local, &row.at));
            match weft::insert(row.clone()).execute(&db).await {
                Ok(n) => {
                    assert!(holds(backend, day), "{shown} was stored on {backend}");
                    assert_eq!(n, 1);
                    stored.push(row);
                }
                Err(Error::Value { reason, .. }) => {
                    assert!(
                        !holds(backend, day),
                        "{shown} was refused on {backend}: {reason}"
                    );
                    assert!(
                        reason.contains(&day.to_string()),
                        "the reason names the value: {reason}"
                    );
                    assert!(reason.contains("out of range"), "{reason}");
                }
                Err(other) => {
                    panic!("{shown} on {backend}: expected Ok or Error::Value, got {other}")
                }
            }
        }
        // A filter on a value the column cannot hold is refused too (MariaDB would compare it
        // as a zero date).
        let found = weft::select::<Dated>()
            .filter(Dated::day.eq(day))
            .all(&db)
            .await;
        match found {
            Ok(rows) => {
                assert!(holds(backend, day));
                assert_eq!(rows.len(), 1, "{day}");
            }
            Err(e) => assert!(
                !holds(backend, day) && matches!(e, Error::Value { .. }),
                "{day}: {e}"
            ),
        }
    }
    // A multi-row insert holding one such value stores none of its rows.
    let bad = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(NaiveDate::MIN),
        Backend::MySql => Some(ymd(10000, 1, 1)),
    };
    if let Some(bad) = bad {
        let rows = [(1000, ymd(2000, 1, 1)), (1001, bad)].map(|(id, d)| Dated {
            id,
            day: Some(d),
            local: None,
            at: None,
        });
        let err = weft::insert_many(rows).execute(&db).await.unwrap_err();
        assert!(
            matches!(&err, Error::Value { reason, .. } if reason.contains(&bad.to_string())),
            "{err}"
        );
    }
    // Exactly the accepted rows were stored, each read back exactly.
    let back = weft::select::<Dated>().order_by(Dated::id).all(&db).await?;
    assert_eq!(back, stored);
    let expected_kept = match backend {
        Backend::Sqlite => days.len(),
        Backend::Postgres => days.len() - 2,
        Backend::MySql => 5,
    };
    assert_eq!(back.len(), 3 * expected_kept);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Relations whose JSON passes MariaDB's aggregate limits.

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "volumes")]
pub struct Volume<Chapters = NotLoaded> {
    #[column(primary_key)]
    pub id: i32,
    #[relation(many = Chapter)]
    pub chapters: Chapters,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "chapters")]
pub struct Chapter<Pages = NotLoaded> {
    #[column(primary_key)]
    pub id: i32,
    #[column(references = Volume::id)]
    pub volume_id: i32,
    pub body: String,
    #[relation(many = Page)]
    pub pages: Pages,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "pages")]
pub struct Page {
    #[column(primary_key)]
    pub id: i32,
    #[column(references = Chapter::id)]
    pub chapter_id: i32,
    pub text: String,
}

/// Text whose JSON is longer than itself (quotes, backslashes, control characters) and has
/// multi-byte characters, `len` bytes long.
fn bulky(seed: i32, len: usize) -> String {
    let unit = format!("{seed} \"q\" \\ 🦀 ñ\t\n");
    let mut s = unit.repeat(len / unit.len() + 1);
    while s.len() > len {
        s.pop();
    }
    s
}

/// Inserts `rows` a few at a time: each statement stays far below any packet limit.
async fn insert_chunked<R>(db: &weft::Db, rows: Vec<R>) -> weft::Result<()>
where
    R: weft::Insertable + Clone,
{
    for chunk in rows.chunks(4) {
        weft::insert_many(chunk.to_vec()).execute(db).await?;
    }
    Ok(())
}

#[backends(strategies)]
async fn relation_json_past_a_mebibyte_loads_exactly(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    db.create_tables::<(Volume, Chapter, Page)>().await?;
    weft::insert_many([1, 2].map(|id| Volume {
        id,
        chapters: NotLoaded,
    }))
    .execute(&db)
    .await?;
    // Volume 1: 24 chapters of 100 KiB (2.4 MB of text, more as JSON), each with pages; the
    // pages of chapter 1 alone pass 1 MiB too. Volume 2: one small chapter.
    let chapters: Vec<Chapter> = (1..=25)
        .map(|id| Chapter {
            id,
            volume_id: if id == 25 { 2 } else { 1 },
            body: bulky(id, if id == 25 { 10 } else { 100 * 1024 }),
            pages: NotLoaded,
        })
        .collect();
    insert_chunked(&db, chapters.clone()).await?;
    let pages: Vec<Page> = (1..=30)
        .map(|id| Page {
            id,
            chapter_id: if id <= 24 { 1 } else { id - 23 },
            text: bulky(-id, 48 * 1024),
        })
        .collect();
    insert_chunked(&db, pages.clone()).await?;

    let before = db.statements_executed();
    let volumes = find_many::<Volume>()
        .with(
            Volume::chapters
                .order_by(Chapter::id)
                .with(Chapter::pages.order_by(Page::id)),
        )
        .order_by(Volume::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 2));
    let expected: Vec<Volume<Vec<Chapter<Vec<Page>>>>> = [1, 2]
        .map(|v| Volume {
            id: v,
            chapters: chapters
                .iter()
                .filter(|c| c.volume_id == v)
                .map(|c| Chapter {
                    id: c.id,
                    volume_id: c.volume_id,
                    body: c.body.clone(),
                    pages: pages
                        .iter()
                        .filter(|p| p.chapter_id == c.id)
                        .cloned()
                        .collect(),
                })
                .collect(),
        })
        .into();
    assert_eq!(volumes.len(), expected.len());
    for (got, want) in volumes.iter().zip(&expected) {
        assert!(got == want, "volume {} differs", want.id);
    }
    Ok(())
}

#[backends]
async fn relation_json_past_the_packet_limit_is_refused_not_cut(db: Db) -> weft::Result<()> {
    db.create_tables::<(Volume, Chapter, Page)>().await?;
    weft::insert(Volume {
        id: 1,
        chapters: NotLoaded,
    })
    .execute(&db)
    .await?;
    // 17 chapters of 1 MiB: more than MariaDB's default max_allowed_packet (16 MiB).
    let chapters: Vec<Chapter> = (1..=17)
        .map(|id| Chapter {
            id,
            volume_id: 1,
            body: "x".repeat(1 << 20),
            pages: NotLoaded,
        })
        .collect();
    for c in &chapters {
        weft::insert(c.clone()).execute(&db).await?;
    }
    let query = find_many::<Volume>().with(Volume::chapters.order_by(Chapter::id));
    let batched = query.strategy(weft::Strategy::Batched).all(&db).await?;
    assert_eq!(batched.len(), 1);
    assert!(
        batched[0].chapters == chapters,
        "batched loads every chapter exactly"
    );
    let query = find_many::<Volume>().with(Volume::chapters.order_by(Chapter::id));
    match (
        db.backend(),
        query
            .strategy(weft::Strategy::SingleStatement)
            .all(&db)
            .await,
    ) {
        (_, Ok(single)) => {
            // Every backend whose limit is larger loads it whole.
            assert!(
                single[0].chapters == chapters,
                "one statement loads every chapter exactly"
            );
        }
        (
            Backend::MySql,
            Err(Error::Limit {
                limit,
                value,
                what,
                hint,
                sql,
                ..
            }),
        ) => {
            assert_eq!(limit, "max_allowed_packet");
            assert!(value < 17 << 20, "{value}");
            assert!(what.contains("volumes.chapters"), "{what}");
            assert!(
                hint.contains("Strategy::Batched") && hint.contains("max_allowed_packet"),
                "{hint}"
            );
            assert!(
                sql.starts_with("SET STATEMENT group_concat_max_len"),
                "{sql}"
            );
        }
        (backend, Err(e)) => panic!("{backend}: {e}"),
    }
    Ok(())
}
