//! The example's `weft` binary, run in temporary folders: generate, migrate, check.

use std::path::Path;
use std::process::{Command, Output};

fn weft(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .current_dir(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("WEFT_DIALECT")
        .env_remove("WEFT_MIGRATIONS")
        .output()
        .expect("the example binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn generate_migrate_check_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let url = format!("sqlite://{}?mode=rwc", dir.join("app.db").display());

    // Without a dialect: a clear error, no panic.
    let o = weft(dir, &["generate"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("pass --dialect"), "{}", text(&o));

    let o = weft(
        dir,
        &["generate", "--dialect", "sqlite", "--name", "init", "--yes"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("+ create table authors"), "{}", text(&o));
    let sql = std::fs::read_to_string(dir.join("migrations/0001_init/migration.sql")).unwrap();
    assert!(sql.contains("CREATE TABLE \"books\""), "{sql}");
    assert!(dir.join("migrations/0001_init/snapshot.json").is_file());

    // Generating again finds nothing.
    let o = weft(dir, &["generate", "--yes"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("no changes"), "{}", text(&o));

    // The database lags behind: check fails, migrate, check passes.
    let o = weft(dir, &["check", "--url", &url]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("has not applied: 0001_init"),
        "{}",
        text(&o)
    );
    let o = weft(dir, &["migrate", "--url", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("applied 0001_init"), "{}", text(&o));
    let o = weft(dir, &["check", "--url", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("the database's tables match the models"),
        "{}",
        text(&o)
    );

    // pull writes the models of the database's tables; an existing file is kept.
    let o = weft(dir, &["pull", "--url", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("pub struct Books"), "{}", text(&o));
    assert!(
        text(&o).contains("#[column(references = Authors::id, on_delete = cascade)]"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("__weft_migrations"), "{}", text(&o));
    let o = weft(dir, &["pull", "--url", &url, "--out", "models.rs"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("wrote 2 table(s)"), "{}", text(&o));
    let o = weft(dir, &["pull", "--url", &url, "--out", "models.rs"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("pass --force"), "{}", text(&o));

    // A change made by hand is drift: check fails naming it.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let db = weft::Db::connect(&url).await.unwrap();
            db.execute_sql("ALTER TABLE books ADD COLUMN isbn TEXT", vec![])
                .await
                .unwrap();
        });
    let o = weft(dir, &["check", "--url", &url]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("the database's tables differ from the models"),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("- drop column books.isbn"),
        "{}",
        text(&o)
    );

    // A tampered migration is an error.
    std::fs::write(
        dir.join("migrations/0001_init/migration.sql"),
        sql + "\n-- edited\n",
    )
    .unwrap();
    let o = weft(dir, &["migrate", "--url", &url]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("changed after it was applied"),
        "{}",
        text(&o)
    );
    let o = weft(dir, &["check", "--url", &url]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("migration `0001_init`: its file changed after it was applied"),
        "{}",
        text(&o)
    );

    // A corrupt snapshot is an error naming the file.
    std::fs::write(dir.join("migrations/0001_init/snapshot.json"), "{").unwrap();
    let o = weft(dir, &["generate", "--yes"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("snapshot.json: not a weft snapshot"),
        "{}",
        text(&o)
    );
    let o = weft(dir, &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("snapshot.json: not a weft snapshot"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("panicked"), "{}", text(&o));
}

#[test]
fn errors_are_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let o = weft(tmp.path(), &["migrate", "--url", "sqlite://x.db"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("no such migrations folder"),
        "{}",
        text(&o)
    );
    // A bad URL: which part is wrong, no panic.
    for url in ["nosuch://x", "sqlite:///no/such/folder/app.db"] {
        let o = weft(tmp.path(), &["pull", "--url", url]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(
            text(&o).contains(&format!("error: cannot connect to `{url}`")),
            "{}",
            text(&o)
        );
        assert!(!text(&o).contains("panicked"), "{}", text(&o));
    }
    let o = weft(tmp.path(), &["--help"]);
    assert!(o.status.success());
    for command in ["generate", "migrate", "push", "pull", "check"] {
        assert!(text(&o).contains(command), "{}", text(&o));
        let o = weft(tmp.path(), &[command, "--help"]);
        assert!(o.status.success(), "{}", text(&o));
    }
}
