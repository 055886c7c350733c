//! Statements past a backend's limits: IN lists longer than the bind-parameter limit,
//! batched loads whose relation filter carries many binds, and MySQL inserts larger than
//! `max_allowed_packet`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;
use weft::{Backend, Db, NotLoaded, Strategy, Table, find_many};
use weft_tests::backends;

/// Deterministic pseudo-random numbers (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "items")]
pub struct Item {
    #[column(primary_key)]
    pub id: i64,
    pub code: String,
    pub tag: Option<i32>,
    pub data: Vec<u8>,
    pub key: Uuid,
}

fn item(id: i64) -> Item {
    Item {
        id,
        code: format!("c-{id}\"\\ü"),
        tag: (id % 5 != 0).then_some((id % 7) as i32),
        data: id.to_be_bytes().to_vec(),
        key: Uuid::from_u64_pair(7, id as u64),
    }
}

/// More values than any backend binds in one statement (65,535).
const LONG: i64 = 70_000;

#[backends]
async fn in_lists_longer_than_the_bind_limit(db: Db) -> weft::Result<()> {
    db.create_tables::<Item>().await?;
    weft::insert_many((1..=3000).map(item)).execute(&db).await?;
    // Every third id of 1..=70,000 (so one row in three of the 3,000), in a shuffled order.
    let mut ids: Vec<i64> = (1..=LONG).filter(|i| i % 3 == 0).collect();
    ids.reverse();
    let every_third: Vec<i64> = (1..=3000).filter(|i| i % 3 == 0).collect();
    let others: Vec<i64> = (1..=3000).filter(|i| i % 3 != 0).collect();
    let long: Vec<i64> = (1..=LONG).collect();

    let q = weft::select::<Item>()
        .filter(Item::id.is_in(long.clone()))
        .columns(Item::id);
    // One bind for the whole list.
    assert_eq!(q.to_sql(db.dialect()).binds.len(), 1);
    assert_eq!(q.all(&db).await?, (1..=3000).collect::<Vec<_>>());
    let found = weft::select::<Item>()
        .filter(Item::id.is_in(ids.clone()))
        .order_by(Item::id)
        .columns(Item::id)
        .all(&db)
        .await?;
    assert_eq!(found, every_third);
    let found = weft::select::<Item>()
        .filter(Item::id.is_not_in(ids.clone()))
        .order_by(Item::id)
        .columns(Item::id)
        .all(&db)
        .await?;
    assert_eq!(found, others);
    assert_eq!(
        weft::select::<Item>()
            .filter(Item::id.is_not_in(long.clone()))
            .count(&db)
            .await?,
        0
    );

    // Text, bytes and uuids.
    let codes: Vec<String> = (1..=LONG)
        .filter(|i| i % 3 == 0)
        .map(|i| item(i).code)
        .collect();
    let found = weft::select::<Item>()
        .filter(Item::code.is_in(codes))
        .order_by(Item::id)
        .columns(Item::id)
        .all(&db)
        .await?;
    assert_eq!(found, every_third);
    let data: Vec<Vec<u8>> = (1..=LONG)
        .filter(|i| i % 3 != 0)
        .map(|i| item(i).data)
        .collect();
    let found = weft::select::<Item>()
        .filter(Item::data.is_in(data.clone()))
        .order_by(Item::id)
        .columns(Item::id)
        .all(&db)
        .await?;
    assert_eq!(found, others);
    let found = weft::select::<Item>()
        .filter(Item::data.is_not_in(data))
        .order_by(Item::id)
        .columns(Item::id)
        .all(&db)
        .await?;
    assert_eq!(found, every_third);
    let keys: Vec<Uuid> = (1..=LONG)
        .filter(|i| i % 3 == 0)
        .map(|i| item(i).key)
        .collect();
    let found = weft::select::<Item>()
        .filter(Item::key.is_in(keys))
        .order_by(Item::id)
        .columns(Item::id)
        .all(&db)
        .await?;
    assert_eq!(found, every_third);

    // NULLs: rows whose tag is NULL match neither IN nor NOT IN; a NULL in the list makes
    // NOT IN match nothing and IN match only the equal values.
    let tags: Vec<Option<i32>> = (0..LONG).map(|i| Some((i % 3) as i32)).collect();
    let expect = |pred: &dyn Fn(i32) -> bool| -> Vec<i64> {
        (1..=3000)
            .filter(|&id| item(id).tag.is_some_and(pred))
            .collect()
    };
    let found = weft::select::<Item>()
        .filter(Item::tag.is_in(tags.clone()))
        .order_by(Item::id)
        .columns(Item::id)
        .all(&db)
        .await?;
    assert_eq!(found, expect(&|t| t < 3));
    let found = weft::select::<Item>()
        .filter(Item::tag.is_not_in(tags.clone()))
        .order_by(Item::id)
        .columns(Item::id)
        .all(&db)
        .await?;
    assert_eq!(found, expect(&|t| t >= 3));
    let mut with_null = tags.clone();
    with_null.push(None);
    let found = weft::select::<Item>()
        .filter(Item::tag.is_in(with_null.clone()))
        .order_by(Item::id)
        .columns(Item::id)
        .all(&db)
        .await?;
    assert_eq!(found, expect(&|t| t < 3));
    assert_eq!(
        weft::select::<Item>()
            .filter(Item::tag.is_not_in(with_null.clone()))
            .count(&db)
            .await?,
        0
    );
    // …and `NOT (… IN …)` is NULL, not true, where the list holds a NULL.
    assert_eq!(
        weft::select::<Item>()
            .filter(weft::not(Item::tag.is_in(with_null)))
            .count(&db)
            .await?,
        0
    );

    // Updates and deletes.
    let changed = weft::update::<Item>()
        .set(Item::tag, None)
        .filter(Item::id.is_in(ids.clone()))
        .execute(&db)
        .await?;
    assert_eq!(changed, 1000);
    let gone = weft::delete::<Item>()
        .filter(Item::id.is_not_in(ids))
        .execute(&db)
        .await?;
    assert_eq!(gone, 2000);
    assert_eq!(
        weft::select::<Item>()
            .filter(Item::tag.is_null())
            .count(&db)
            .await?,
        1000
    );
    Ok(())
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "typed")]
pub struct Typed {
    #[column(primary_key)]
    pub id: i32,
    pub flag: bool,
    pub small: i16,
    pub int: i32,
    pub real: f32,
    pub double: f64,
    pub at: DateTime<Utc>,
    pub local: NaiveDateTime,
    pub day: NaiveDate,
    pub dec: Decimal,
    pub o_double: Option<f64>,
}

fn typed(id: i32, rng: &mut Rng) -> Typed {
    let double = loop {
        let f = f64::from_bits(rng.next());
        if f.is_finite() {
            break f;
        }
    };
    let real = loop {
        let f = f32::from_bits(rng.next() as u32);
        if f.is_finite() {
            break f;
        }
    };
    // Years 5 to 9004, microseconds (what every backend stores).
    let micros = (rng.next() % (9_000 * 365 * 86_400_000_000)) as i64 - 62_000_000_000 * 1_000_000;
    let at = DateTime::from_timestamp_micros(micros).unwrap();
    // Distinct per id (as are `small` and `int`), so that each value is one row's.
    let day = NaiveDate::from_ymd_opt(1, 1, 1).unwrap()
        + chrono::Days::new(id as u64 * 1000 + rng.next() % 1000);
    let dec = Decimal::from_i128_with_scale(
        (rng.next() as i128) << 30 | rng.next() as i128 & 0x3fff_ffff,
        (rng.next() % 29) as u32,
    );
    Typed {
        id,
        flag: id % 2 == 0,
        small: (id as u16).wrapping_mul(37) as i16,
        int: (id as u32).wrapping_mul(0x9e37_79b1) as i32,
        real,
        double,
        at,
        local: at.naive_utc(),
        day,
        dec,
        o_double: (id % 4 != 0).then_some(-double),
    }
}

#[backends]
async fn long_in_lists_of_every_type_match_as_short_ones_do(db: Db) -> weft::Result<()> {
    db.create_tables::<Typed>().await?;
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let rows: Vec<Typed> = (1..=1200).map(|id| typed(id, &mut rng)).collect();
    weft::insert_many(rows.clone()).execute(&db).await?;
    // Values of the odd rows, and as many values no row holds: 1,800 values per list.
    let absent: Vec<Typed> = (2000..2600).map(|id| typed(id, &mut rng)).collect();
    let listed: Vec<&Typed> = rows
        .iter()
        .filter(|r| r.id % 2 == 1)
        .chain(&absent)
        .collect();
    let odd: Vec<i32> = (1..=1200).filter(|i| i % 2 == 1).collect();
    let even: Vec<i32> = (1..=1200).filter(|i| i % 2 == 0).collect();
    macro_rules! check {
        ($col:ident) => {{
            let values: Vec<_> = listed.iter().map(|r| r.$col.clone()).collect();
            let found = weft::select::<Typed>()
                .filter(Typed::$col.is_in(values.clone()))
                .order_by(Typed::id)
                .columns(Typed::id)
                .all(&db)
                .await?;
            assert_eq!(found, odd, "{} IN", stringify!($col));
            let found = weft::select::<Typed>()
                .filter(Typed::$col.is_not_in(values))
                .order_by(Typed::id)
                .columns(Typed::id)
                .all(&db)
                .await?;
            assert_eq!(found, even, "{} NOT IN", stringify!($col));
        }};
    }
    check!(small);
    check!(int);
    check!(real);
    check!(double);
    check!(at);
    check!(local);
    check!(day);
    check!(dec);
    // Booleans: a long list of one value.
    let found = weft::select::<Typed>()
        .filter(Typed::flag.is_in(vec![false; 1500]))
        .order_by(Typed::id)
        .columns(Typed::id)
        .all(&db)
        .await?;
    assert_eq!(found, odd);
    // A nullable column, with NULL in the list.
    let mut values: Vec<Option<f64>> = listed.iter().map(|r| r.o_double).collect();
    values.push(None);
    let found = weft::select::<Typed>()
        .filter(Typed::o_double.is_in(values.clone()))
        .order_by(Typed::id)
        .columns(Typed::id)
        .all(&db)
        .await?;
    let expect: Vec<i32> = odd.iter().copied().filter(|i| i % 4 != 0).collect();
    assert_eq!(found, expect);
    assert_eq!(
        weft::select::<Typed>()
            .filter(Typed::o_double.is_not_in(values))
            .count(&db)
            .await?,
        0
    );
    Ok(())
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "owners")]
pub struct Owner<Toys = NotLoaded, Pets = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    pub code: i64,
    #[relation(many = Toy)]
    pub toys: Toys,
    /// Keyed on two columns: bound as `(a, b) IN ((?, ?), …)` on every backend.
    #[relation(many = Pet, from = (Owner::id, Owner::code), to = (Pet::owner_id, Pet::owner_code))]
    pub pets: Pets,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "toys", index(owner_id))]
pub struct Toy {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Owner::id)]
    pub owner_id: i64,
    pub kind: i64,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "pets", index(owner_id, owner_code))]
pub struct Pet {
    #[column(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    pub owner_code: i64,
    pub kind: i64,
}

const OWNERS: i64 = 50_000;

#[backends(strategies)]
async fn relation_filters_with_many_values_over_many_parents(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    db.create_tables::<(Owner, Toy, Pet)>().await?;
    let code = |id: i64| id * 7 % 1000;
    weft::insert_many((1..=OWNERS).map(|id| Owner {
        id,
        code: code(id),
        toys: NotLoaded,
        pets: NotLoaded,
    }))
    .execute(&db)
    .await?;
    // A toy for every fifth owner, a pet for every fourth.
    weft::insert_many((1..=OWNERS).filter(|i| i % 5 == 0).map(|i| Toy {
        id: i,
        owner_id: i,
        kind: i,
    }))
    .execute(&db)
    .await?;
    weft::insert_many((1..=OWNERS).filter(|i| i % 4 == 0).map(|i| Pet {
        id: i,
        owner_id: i,
        owner_code: code(i),
        kind: i,
    }))
    .execute(&db)
    .await?;

    // The relation's filter holds 20,000 values, over 50,000 parents.
    let kinds: Vec<i64> = (1..=20_000).map(|k| k * 3).collect();
    let owners = find_many::<Owner>()
        .with(Owner::toys.filter(Toy::kind.is_in(kinds)).order_by(Toy::id))
        .order_by(Owner::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let got: Vec<(i64, Vec<i64>)> = owners
        .iter()
        .map(|o| (o.id, o.toys.iter().map(|t| t.kind).collect()))
        .collect();
    let expect: Vec<(i64, Vec<i64>)> = (1..=OWNERS)
        .map(|i| {
            (
                i,
                if i % 5 == 0 && i % 3 == 0 && i <= 60_000 {
                    vec![i]
                } else {
                    vec![]
                },
            )
        })
        .collect();
    assert_eq!(got, expect);

    // A filter of many short lists: five eighths of the backend's bind limit in values bound one
    // by one, beside the parents' keys (two per parent), which must then be split finer.
    let limit = db.capabilities().max_bind_params as i64;
    let values = limit * 5 / 8;
    let mut pets = Owner::pets.order_by(Pet::id);
    for start in (0..values).step_by(1000) {
        pets =
            pets.filter(Pet::kind.is_not_in((start..values.min(start + 1000)).map(|v| 2 * v + 2)));
    }
    let before = db.statements_executed();
    let owners = find_many::<Owner>()
        .with(pets)
        .order_by(Owner::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let sent = db.statements_executed() - before;
    let got: Vec<(i64, Vec<i64>)> = owners
        .iter()
        .map(|o| (o.id, o.pets.iter().map(|p| p.kind).collect()))
        .collect();
    let expect: Vec<(i64, Vec<i64>)> = (1..=OWNERS)
        .map(|i| {
            (
                i,
                if i % 4 == 0 && i > 2 * values {
                    vec![i]
                } else {
                    vec![]
                },
            )
        })
        .collect();
    assert_eq!(got, expect);
    if strategy == weft::Strategy::Batched {
        // The parents, then statements of as many parents as the room the filter leaves
        // (with array binds, PostgreSQL's, the keys are two arrays, in one statement).
        let per_statement = if db.capabilities().array_binds {
            OWNERS
        } else {
            (limit - values) / 2
        };
        assert_eq!(
            sent as i64,
            1 + (OWNERS + per_statement - 1) / per_statement
        );
    }
    Ok(())
}

/// The forms of a long list, per backend (see `runtime/src/in_list.rs`).
#[test]
fn long_in_lists_are_one_bind() {
    let ids: Vec<i64> = (1..=1001).collect();
    let short = weft::select::<Item>()
        .filter(Item::id.is_in(ids[..1000].to_vec()))
        .columns(Item::id);
    assert_eq!(short.to_sql(Backend::Sqlite).binds.len(), 1000);
    let q = weft::select::<Item>()
        .filter(Item::id.is_in(ids.clone()))
        .columns(Item::id);
    assert_eq!(
        q.to_sql(Backend::Postgres).text,
        r#"SELECT "items"."id" FROM "items" WHERE "items"."id" = ANY($1)"#
    );
    let sqlite = q.to_sql(Backend::Sqlite);
    assert_eq!(
        sqlite.text,
        r#"SELECT "items"."id" FROM "items" WHERE "items"."id" IN (SELECT "v1"."value" FROM json_each(?) AS "v1")"#
    );
    assert_eq!(
        sqlite.binds,
        [weft::Value::Text(format!(
            "[{}]",
            ids.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ))]
    );
    assert_eq!(
        q.to_sql(Backend::MySql).text,
        "SELECT `items`.`id` FROM `items` WHERE `items`.`id` IN (SELECT `v2`.`v` FROM (SELECT DISTINCT `v1`.`v` AS `v` FROM JSON_TABLE(?, '$[*]' COLUMNS (`v` BIGINT PATH '$')) AS `v1`) AS `v2`)"
    );
    let not_in = weft::delete::<Item>().filter(Item::tag.is_not_in((0..1001).map(Some)));
    assert_eq!(
        not_in.to_sql(Backend::Postgres).text,
        r#"DELETE FROM "items" WHERE "items"."tag" <> ALL($1)"#
    );
    assert_eq!(
        not_in.to_sql(Backend::MySql).text,
        "DELETE FROM `items` WHERE CASE WHEN `items`.`tag` IS NULL THEN NULL ELSE NOT EXISTS (SELECT 1 FROM (SELECT DISTINCT `v1`.`v` AS `v` FROM JSON_TABLE(?, '$[*]' COLUMNS (`v` BIGINT PATH '$')) AS `v1`) AS `v2` WHERE `v2`.`v` = `items`.`tag`) END"
    );
    let with_null =
        weft::delete::<Item>().filter(Item::tag.is_not_in((0..1001).map(Some).chain([None])));
    assert!(
        with_null.to_sql(Backend::MySql).text.starts_with(
            "DELETE FROM `items` WHERE CASE WHEN EXISTS (SELECT 1 FROM (SELECT DISTINCT"
        )
    );
    // Text as wide as the longest value, compared under the column's collation: as bytes where
    // that is binary NO PAD (weft's tables), else as a COERCIBLE string; bytes as hex.
    let codes = weft::select::<Item>()
        .filter(Item::code.is_in((0..1001).map(|i| "é".repeat(i % 7))))
        .columns(Item::id);
    assert_eq!(
        codes.to_sql(Backend::MySql).text,
        "SELECT `items`.`id` FROM `items` WHERE CASE WHEN COLLATION(`items`.`code`) IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin') \
         THEN CASE WHEN CONVERT(`items`.`code` USING binary) IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM \
         (SELECT DISTINCT `v1`.`v` AS `v` FROM JSON_TABLE(?, '$[*]' COLUMNS (`v` VARBINARY(24) PATH '$')) AS `v1`) AS `v2` \
         WHERE `v2`.`v` = CONVERT(`items`.`code` USING binary)) END \
         ELSE CASE WHEN `items`.`code` IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM \
         (SELECT JSON_UNQUOTE(JSON_QUOTE(`v3`.`v`)) AS `v` FROM JSON_TABLE(?, '$[*]' COLUMNS (`v` VARCHAR(6) CHARACTER SET utf8mb4 PATH '$')) AS `v3` LIMIT 18446744073709551615) AS `v4` \
         WHERE `v4`.`v` = `items`.`code`) END END"
    );
    let data = weft::select::<Item>()
        .filter(Item::data.is_in((0..1001u16).map(|i| i.to_be_bytes().to_vec())))
        .columns(Item::id);
    let sql = data.to_sql(Backend::Sqlite);
    assert!(
        sql.text
            .ends_with(r#"IN (SELECT unhex("v1"."value") FROM json_each(?) AS "v1")"#),
        "{sql}"
    );
    assert!(matches!(&sql.binds[0], weft::Value::Text(t) if t.starts_with(r#"["0000","0001","#)));
    // Dates and timestamps as the text sqlx binds for them.
    let days = weft::select::<Typed>()
        .filter(Typed::day.is_in(
            (0..1001).map(|d| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Days::new(d)),
        ))
        .columns(Typed::id)
        .to_sql(Backend::Sqlite);
    assert!(
        matches!(&days.binds[..], [weft::Value::Text(t)] if t.starts_with(r#"["2000-01-01","2000-01-02","#)),
        "{days}"
    );
    let at = DateTime::from_timestamp_micros(1_500_000).unwrap();
    let ats = weft::select::<Typed>()
        .filter(Typed::at.is_in((0..1001).map(|s| at + chrono::Duration::seconds(s))))
        .columns(Typed::id)
        .to_sql(Backend::Sqlite);
    assert!(
        matches!(&ats.binds[..], [weft::Value::Text(t)] if t.starts_with(r#"["1970-01-01T00:00:01.500+00:00","1970-01-01T00:00:02.500+00:00","#)),
        "{ats}"
    );
    // SQLite parses some JSON numbers to a neighbouring double: floats stay bound one by one.
    let floats = weft::select::<Typed>()
        .filter(Typed::double.is_in((0..1001).map(f64::from)))
        .columns(Typed::id);
    assert_eq!(floats.to_sql(Backend::Sqlite).binds.len(), 1001);
    assert_eq!(floats.to_sql(Backend::MySql).binds.len(), 1);
    // A value the JSON form does not carry exactly is bound beside it.
    let mut days: Vec<NaiveDate> = (0..1001)
        .map(|d| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Days::new(d))
        .collect();
    days.push(NaiveDate::from_ymd_opt(12_000, 1, 1).unwrap());
    let far = weft::select::<Typed>()
        .filter(Typed::day.is_in(days))
        .columns(Typed::id)
        .to_sql(Backend::MySql);
    assert!(far.text.ends_with("OR `typed`.`day` IN (?))"), "{far}");
    assert_eq!(far.binds.len(), 2);
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "blobs")]
pub struct Blob {
    #[column(primary_key)]
    pub id: i64,
    pub data: Vec<u8>,
    pub note: String,
}

fn blob(id: i64, bytes: usize) -> Blob {
    Blob {
        id,
        data: vec![(id % 251) as u8; bytes],
        note: format!("n{id}"),
    }
}

#[backends]
async fn wide_multi_row_inserts_and_rows_larger_than_a_statement(db: Db) -> weft::Result<()> {
    db.create_tables::<Blob>().await?;
    // 40 MiB in one insert: more than MariaDB's default max_allowed_packet (16 MiB), split
    // under it into statements that run in one transaction.
    let rows: Vec<Blob> = (0..40).map(|id| blob(id, 1 << 20)).collect();
    let inserted = weft::insert_many(rows.clone())
        .returning_columns((Blob::id, Blob::note))
        .all(&db)
        .await;
    let inserted = if db.capabilities().returning_on_insert {
        inserted?
    } else {
        // MySQL proper has no INSERT … RETURNING; MariaDB (tested) has.
        assert!(
            matches!(inserted, Err(weft::Error::Unsupported { .. })),
            "{inserted:?}"
        );
        weft::insert_many(rows.clone()).execute(&db).await?;
        rows.iter().map(|r| (r.id, r.note.clone())).collect()
    };
    assert_eq!(
        inserted,
        rows.iter()
            .map(|r| (r.id, r.note.clone()))
            .collect::<Vec<_>>()
    );
    let back = weft::select::<Blob>().order_by(Blob::id).all(&db).await?;
    assert!(back == rows, "the rows read back differ");
    // Still one transaction: a failing statement (the last row repeats a key) stores nothing.
    let mut again: Vec<Blob> = (100..140).map(|id| blob(id, 1 << 20)).collect();
    again.push(blob(0, 10));
    assert!(weft::insert_many(again).execute(&db).await.is_err());
    assert_eq!(weft::select::<Blob>().count(&db).await?, 40);

    if let Some(packet) = db.max_packet() {
        // MySQL: a row the server takes in one statement is stored; one larger than any
        // statement may be is refused before anything is sent, naming table and column.
        assert!(
            packet <= 256 << 20,
            "the test allocates rows as large as max_allowed_packet ({packet})"
        );
        weft::insert(blob(200, packet - (64 << 10)))
            .execute(&db)
            .await?;
        let too_big = vec![blob(201, 10), blob(202, packet + 1)];
        match weft::insert_many(too_big).execute(&db).await {
            Err(weft::Error::Value {
                index, reason, sql, ..
            }) => {
                assert_eq!(index, 2, "{reason}");
                assert!(
                    reason.contains("row 2 of `blobs`") && reason.contains("column `data`"),
                    "{reason}"
                );
                assert!(
                    reason.contains(&format!("max_allowed_packet = {packet}")),
                    "{reason}"
                );
                assert!(sql.starts_with("INSERT INTO `blobs`"), "{sql}");
            }
            other => panic!("expected Error::Value, got {other:?}"),
        }
        assert_eq!(weft::select::<Blob>().count(&db).await?, 41);
        // The connection is fine afterwards.
        let sizes = weft::select::<Blob>()
            .filter(Blob::id.ge(200))
            .columns(Blob::note)
            .all(&db)
            .await?;
        assert_eq!(sizes, ["n200"]);
    }
    Ok(())
}

/// MySQL multi-row inserts are split by size as well as by binds (`to_sql` as for a 4 MiB
/// max_allowed_packet; running, under the server's own if smaller).
#[test]
fn mysql_inserts_split_by_size() {
    let wide = weft::insert_many((0..40).map(|id| blob(id, 1 << 20)));
    let mysql = wide.to_sql(Backend::MySql);
    assert_eq!(mysql.len(), 14, "three 1 MiB rows per 4 MiB statement");
    assert!(mysql.iter().all(|s| s.binds.len() <= 9));
    assert_eq!(wide.to_sql(Backend::Sqlite).len(), 1);
    // Narrow rows: split by binds only, as before.
    let narrow = weft::insert_many((0..30_000).map(|id| blob(id, 4)));
    assert_eq!(narrow.to_sql(Backend::MySql).len(), 2);
}
