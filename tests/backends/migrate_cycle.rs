//! Migrations, the full cycle on each backend: a schema, then each kind of change, with rows
//! in the tables before and after; renames keep their data; data-losing changes are refused
//! until allowed; SQLite's table rebuild keeps the rows of an `ON DELETE CASCADE` child;
//! concurrent runners apply each migration once; a changed applied migration is an error.

use weft::migrate::{self, NoGuessing, Snapshot, files};
use weft::{Db, Migration, Schema};
use weft_tests::backends;

mod v1 {
    use weft::Table;

    #[derive(Table, Debug)]
    #[table(name = "people")]
    pub struct Person {
        #[column(primary_key, auto)]
        pub id: i64,
        pub name: String,
        pub nick: Option<String>,
        pub age: Option<i32>,
    }

    #[derive(Table, Debug)]
    #[table(name = "pets")]
    pub struct Pet {
        #[column(primary_key, auto)]
        pub id: i64,
        #[column(references = Person::id, on_delete = cascade)]
        pub owner_id: i64,
        pub name: String,
    }

    pub const SCHEMA: weft::Schema = weft::Schema::new("v1", &[Person::META, Pet::META]);
}

/// A column renamed, columns added (nullable, defaulted), an index.
mod v2 {
    use weft::Table;

    #[derive(Table, Debug)]
    #[table(name = "people", index(age))]
    pub struct Person {
        #[column(primary_key, auto)]
        pub id: i64,
        #[column(renamed_from = "name")]
        pub full_name: String,
        pub nick: Option<String>,
        pub age: Option<i32>,
        #[column(default = true)]
        pub active: bool,
        pub email: Option<String>,
    }

    #[derive(Table, Debug)]
    #[table(name = "pets")]
    pub struct Pet {
        #[column(primary_key, auto)]
        pub id: i64,
        #[column(references = Person::id, on_delete = cascade)]
        pub owner_id: i64,
        pub name: String,
    }

    pub const SCHEMA: weft::Schema = weft::Schema::new("v2", &[Person::META, Pet::META]);
}

/// The parent's column widened (SQLite rebuilds `people`), a column dropped, the child
/// table renamed.
mod v3 {
    use weft::Table;

    #[derive(Table, Debug)]
    #[table(name = "people", index(age))]
    pub struct Person {
        #[column(primary_key, auto)]
        pub id: i64,
        pub full_name: String,
        pub age: Option<i64>,
        #[column(default = true)]
        pub active: bool,
        pub email: Option<String>,
    }

    #[derive(Table, Debug)]
    #[table(name = "animals", renamed_from = "pets")]
    pub struct Pet {
        #[column(primary_key, auto)]
        pub id: i64,
        #[column(references = Person::id, on_delete = cascade)]
        pub owner_id: i64,
        pub name: String,
    }

    pub const SCHEMA: weft::Schema = weft::Schema::new("v3", &[Person::META, Pet::META]);
}

/// Generates the migration from `old` to `schema` (as `weft generate` does) and applies
/// every migration so far.
async fn step(
    db: &Db,
    migrations: &mut Vec<Migration>,
    old: &Snapshot,
    schema: Schema,
    allow_data_loss: bool,
) -> weft::Result<Snapshot> {
    let new = schema.snapshot()?;
    let diff = migrate::diff(old, &new, db.dialect(), &mut NoGuessing)?;
    diff.guard(allow_data_loss)?;
    let sql = migrate::migration_sql(&diff.changes, old, &diff.snapshot, db.dialect());
    let name = format!("{:04}_{}", migrations.len() + 1, schema.name);
    migrations.push(Migration {
        name: name.clone().into(),
        sql: files::render_sql(&name, db.dialect().name(), &sql).into(),
    });
    assert_eq!(db.migrate(migrations).await?, [name]);
    // Nothing left to change: what `check` verifies.
    let again = migrate::diff(&diff.snapshot, &new, db.dialect(), &mut NoGuessing)?;
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    // And the database's own tables, read back, are the models' (`check --url`'s drift).
    let live = db.introspect().await?;
    let drift = migrate::drift(&new, &live, db.dialect())?;
    assert!(drift.is_empty(), "{drift:?}");
    Ok(diff.snapshot)
}

#[backends]
async fn full_cycle_keeps_rows(db: Db) -> weft::Result<()> {
    let mut migrations = Vec::new();
    let s1 = step(
        &db,
        &mut migrations,
        &Snapshot::default(),
        v1::SCHEMA,
        false,
    )
    .await?;
    weft::raw("INSERT INTO people (name, nick, age) VALUES (?, ?, ?), (?, ?, ?)")
        .bind("Ann")
        .bind("A")
        .bind(30)
        .bind("Bob")
        .bind(None::<String>)
        .bind(40)
        .execute(&db)
        .await?;
    weft::raw("INSERT INTO pets (owner_id, name) VALUES (1, 'Rex'), (1, 'Tom'), (2, 'Kit')")
        .execute(&db)
        .await?;

    let s2 = step(&db, &mut migrations, &s1, v2::SCHEMA, false).await?;
    let rows: Vec<(String, bool)> = weft::raw("SELECT full_name, active FROM people ORDER BY id")
        .fetch_all(&db)
        .await?;
    assert_eq!(rows, [("Ann".to_string(), true), ("Bob".to_string(), true)]);

    // Dropping `nick` loses data: refused, naming it, until allowed.
    let err = step(&db, &mut migrations, &s2, v3::SCHEMA, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("column people.nick"), "{err}");
    step(&db, &mut migrations, &s2, v3::SCHEMA, true).await?;

    let rows: Vec<(String, Option<i64>)> =
        weft::raw("SELECT full_name, age FROM people ORDER BY id")
            .fetch_all(&db)
            .await?;
    assert_eq!(
        rows,
        [("Ann".to_string(), Some(30)), ("Bob".to_string(), Some(40))]
    );
    // The children of the rebuilt (SQLite) or altered parent survived, renamed with their
    // table, and the cascade still works.
    let pets: i64 = weft::raw("SELECT count(*) FROM animals")
        .fetch_one(&db)
        .await?;
    assert_eq!(pets, 3);
    weft::raw("DELETE FROM people WHERE id = 1")
        .execute(&db)
        .await?;
    let pets: i64 = weft::raw("SELECT count(*) FROM animals")
        .fetch_one(&db)
        .await?;
    assert_eq!(pets, 1);
    Ok(())
}

#[backends]
async fn concurrent_runners_apply_once(db: Db) -> weft::Result<()> {
    let create = migrate::create_sql(&v1::SCHEMA.snapshot()?, db.dialect());
    let migrations = vec![
        Migration {
            name: "0001_init".into(),
            sql: files::render_sql("0001_init", "x", &create).into(),
        },
        Migration {
            name: "0002_row".into(),
            sql: "INSERT INTO people (name) VALUES ('once');\n".into(),
        },
    ];
    let other = db.clone();
    let (a, b) = tokio::join!(db.migrate(&migrations), other.migrate(&migrations));
    let mut applied = a?;
    applied.extend(b?);
    applied.sort();
    assert_eq!(applied, ["0001_init", "0002_row"]);
    let n: i64 = weft::raw("SELECT count(*) FROM people")
        .fetch_one(&db)
        .await?;
    assert_eq!(n, 1);
    Ok(())
}

#[backends]
async fn changed_migration_is_refused(db: Db) -> weft::Result<()> {
    let mut migrations = vec![Migration {
        name: "0001_t".into(),
        sql: "CREATE TABLE t1 (id INTEGER NOT NULL);\n".into(),
    }];
    db.migrate(&migrations).await?;
    migrations[0].sql = "CREATE TABLE t1 (id BIGINT NOT NULL);\n".into();
    let err = db.migrate(&migrations).await.unwrap_err();
    assert!(
        err.to_string().contains("changed after it was applied"),
        "{err}"
    );
    let status = db.migration_status(&migrations[..0]).await.unwrap_err();
    assert!(
        status.to_string().contains("not among the migrations"),
        "{status}"
    );
    Ok(())
}

#[backends]
async fn renames_are_never_guessed(db: Db) -> weft::Result<()> {
    // v1 → v3 without `renamed_from` on the column: `name` gone, `full_name` new.
    let old = v1::SCHEMA.snapshot()?;
    let new = v3::SCHEMA.snapshot()?;
    let err = migrate::diff(&old, &new, db.dialect(), &mut NoGuessing).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("column people.name was removed and people.full_name added"),
        "{text}"
    );
    Ok(())
}

#[backends]
async fn push_applies_and_guards(db: Db) -> weft::Result<()> {
    let d = db.push(&v1::SCHEMA, &mut NoGuessing, false).await?;
    assert_eq!(d.changes.len(), 2);
    weft::raw("INSERT INTO people (name) VALUES ('Ann')")
        .execute(&db)
        .await?;
    db.push(&v2::SCHEMA, &mut NoGuessing, false).await?;
    let name: String = weft::raw("SELECT full_name FROM people")
        .fetch_one(&db)
        .await?;
    assert_eq!(name, "Ann");
    // Pushing again changes nothing; a lossy push is refused.
    assert!(
        db.push(&v2::SCHEMA, &mut NoGuessing, false)
            .await?
            .changes
            .is_empty()
    );
    let err = db
        .push(&v3::SCHEMA, &mut NoGuessing, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("column people.nick"), "{err}");
    Ok(())
}

/// The SQL written for SQLite when a parent table loses a column: a rebuild with foreign keys
/// off and a check before commit; for PostgreSQL and MariaDB, `ALTER TABLE`.
#[test]
fn sqlite_rebuild_is_marked_and_others_alter() -> weft::Result<()> {
    let (old, new) = (v2::SCHEMA.snapshot()?, v3::SCHEMA.snapshot()?);
    let sql = |d: &dyn weft::Dialect| -> weft::Result<String> {
        let diff = migrate::diff(&old, &new, d, &mut NoGuessing)?;
        let sql = migrate::migration_sql(&diff.changes, &old, &diff.snapshot, d);
        Ok(files::render_sql("0003_v3", d.name(), &sql))
    };
    let sqlite = sql(&weft::dialect::Sqlite)?;
    assert!(sqlite.contains("-- weft: foreign-keys off"), "{sqlite}");
    assert!(
        sqlite.contains("CREATE TABLE \"__weft_new_people\""),
        "{sqlite}"
    );
    assert!(
        sqlite.contains("ALTER TABLE \"pets\" RENAME TO \"animals\""),
        "{sqlite}"
    );
    let pg = sql(&weft::dialect::Postgres)?;
    assert!(!pg.contains("foreign-keys off"), "{pg}");
    assert!(
        pg.contains(
            "ALTER TABLE \"people\" ALTER COLUMN \"age\" TYPE BIGINT USING \"age\"::BIGINT"
        ),
        "{pg}"
    );
    assert!(
        pg.contains("ALTER TABLE \"people\" DROP COLUMN \"nick\""),
        "{pg}"
    );
    let maria = sql(&weft::dialect::MariaDb)?;
    assert!(
        maria.contains("ALTER TABLE `people` MODIFY `age` BIGINT"),
        "{maria}"
    );
    Ok(())
}
