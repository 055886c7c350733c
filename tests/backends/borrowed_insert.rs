//! Inserts of rows given by reference: `insert_many(&rows)` borrows the rows' text and bytes
//! and binds them in place. What is stored is what an insert of the same rows by value
//! stores, on every path (one row, multi-row `VALUES` split under the bind limit,
//! PostgreSQL's `UNNEST`, upserts, `RETURNING`).

use weft::{Backend, Db, Table, excluded};
use weft_tests::backends;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "lent_rows")]
pub struct Lent {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    pub note: Option<String>,
    pub data: Vec<u8>,
    pub blob: Option<Vec<u8>>,
    pub score: f64,
}

fn rows(n: i64, tag: &str) -> Vec<Lent> {
    (1..=n)
        .map(|id| Lent {
            id,
            name: format!("{tag} {id} ✓ 'quoted' \"double\""),
            note: (id % 3 != 0).then(|| format!("note {id}")),
            data: vec![0, 255, (id % 251) as u8],
            blob: (id % 2 == 0).then(|| vec![id as u8; 3]),
            score: id as f64 / 4.0,
        })
        .collect()
}

async fn all(db: &Db) -> weft::Result<Vec<Lent>> {
    weft::select::<Lent>()
        .order_by(Lent::id.asc())
        .all(db)
        .await
}

#[backends]
async fn rows_given_by_reference_are_stored_as_given(db: Db) -> weft::Result<()> {
    db.create_tables::<Lent>().await?;
    // 12,000 rows × 6 columns: over SQLite's and MariaDB's bind limits (several statements,
    // in one transaction), one UNNEST statement on PostgreSQL.
    let given = rows(12_000, "row");
    let insert = weft::insert_many(&given);
    assert!(insert.to_sql(db.backend()).len() > usize::from(db.backend() != Backend::Postgres));
    assert_eq!(insert.execute(&db).await?, 12_000);
    assert_eq!(all(&db).await?, given);
    // The rows are still the caller's, and the insert can be shown after it ran.
    assert!(
        insert.to_sql(db.backend())[0]
            .text
            .starts_with("INSERT INTO")
    );
    Ok(())
}

#[backends]
async fn one_row_by_reference_and_by_value_store_the_same(db: Db) -> weft::Result<()> {
    db.create_tables::<Lent>().await?;
    let [lent, owned]: [Lent; 2] = rows(2, "one").try_into().unwrap();
    assert_eq!(weft::insert(&lent).execute(&db).await?, 1);
    assert_eq!(weft::insert(owned.clone()).execute(&db).await?, 1);
    assert_eq!(all(&db).await?, vec![lent, owned]);
    Ok(())
}

#[backends]
async fn an_upsert_of_borrowed_rows_updates_with_their_values(db: Db) -> weft::Result<()> {
    db.create_tables::<Lent>().await?;
    weft::insert_many(&rows(10, "old")).execute(&db).await?;
    let new = rows(20, "new");
    weft::insert_many(new.iter())
        .on_conflict(Lent::id)
        .do_update(|set| {
            set.set(Lent::name, excluded(Lent::name))
                .set(Lent::note, excluded(Lent::note))
                .set(Lent::blob, excluded(Lent::blob))
        })
        .execute(&db)
        .await?;
    let stored = all(&db).await?;
    assert_eq!(stored.len(), 20);
    for (got, want) in stored.iter().zip(&new) {
        assert_eq!(
            (&got.name, &got.note, &got.blob),
            (&want.name, &want.note, &want.blob)
        );
    }
    Ok(())
}

#[backends]
async fn borrowed_rows_come_back_from_returning(db: Db) -> weft::Result<()> {
    db.create_tables::<Lent>().await?;
    let given = rows(300, "ret");
    let returned = weft::insert_many(&given).returning().all(&db).await?;
    assert_eq!(returned, given);
    Ok(())
}

#[test]
fn to_sql_shows_the_borrowed_values() {
    let given = rows(2, "shown");
    for sql in weft::insert_many(&given).to_sql(weft::Backend::Postgres) {
        assert!(sql.text.contains("UNNEST"), "{}", sql.text);
        assert_eq!(
            format!("{:?}", sql.binds[1]),
            format!(
                "{:?}",
                weft::Value::Array(
                    weft::SqlType::Text,
                    given
                        .iter()
                        .map(|r| weft::Value::Text(r.name.clone()))
                        .collect()
                )
            )
        );
    }
    let one = weft::insert(&given[0]).to_sql(weft::Backend::Sqlite);
    assert_eq!(one[0].binds[1], weft::Value::Text(given[0].name.clone()));
    assert_eq!(one[0].binds[3], weft::Value::Bytes(vec![0, 255, 1]));
}
