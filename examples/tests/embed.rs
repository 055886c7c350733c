//! `weft::embed_migrations!`: a folder compiled in, applied at start-up.

static MIGRATIONS: &[weft::Migration] = weft::embed_migrations!("tests/fixtures/migrations");

#[tokio::test]
async fn embedded_migrations_apply_once() -> weft::Result<()> {
    let names: Vec<&str> = MIGRATIONS.iter().map(|m| m.name.as_ref()).collect();
    assert_eq!(names, ["0001_init", "0002_seed"]);
    let db = weft::Db::connect("sqlite::memory:").await?;
    assert_eq!(db.migrate(MIGRATIONS).await?, ["0001_init", "0002_seed"]);
    assert!(db.migrate(MIGRATIONS).await?.is_empty());
    let bodies: Vec<String> = weft::raw("SELECT body FROM notes ORDER BY id")
        .fetch_all(&db)
        .await?;
    assert_eq!(bodies, ["a; b", "c"]);
    Ok(())
}
