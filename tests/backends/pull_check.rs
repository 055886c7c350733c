//! Reading a live database back: `check` against a database (drift) and `pull` (models
//! written from a database), on each backend. The models of `pulled.rs` are what
//! `models_source` wrote for the tables of `original` — checked in, compiled, and compared
//! here with what it writes today.

use weft::migrate::{self, NoGuessing, Snapshot, canonical, drift, files};
use weft::{Db, Migration, Schema};
use weft_tests::backends;

use crate::pulled;

/// The tables weft creates; their types read back the same on every backend (no `i32`,
/// which SQLite stores as `INTEGER` like `i64`), so the pulled source is the same everywhere.
mod original {
    use weft::Table;

    #[derive(Table, Debug)]
    #[table(name = "pc_users", unique(org, handle))]
    pub struct User {
        #[column(primary_key, auto)]
        pub id: i64,
        pub org: String,
        pub handle: String,
        #[column(unique)]
        pub email: Option<String>,
        #[column(default = "member")]
        pub role: String,
        #[column(default = -1.5)]
        pub balance: f64,
        #[column(default = true)]
        pub active: bool,
        #[column(default = 3)]
        pub level: i16,
    }

    #[derive(Table, Debug)]
    #[table(name = "pc_groups")]
    pub struct Group {
        #[column(primary_key, auto)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Table, Debug)]
    #[table(name = "pc_users_to_groups", primary_key(user_id, group_id))]
    pub struct UserToGroup {
        #[column(references = User::id, on_delete = cascade)]
        pub user_id: i64,
        #[column(references = Group::id, on_delete = cascade)]
        pub group_id: i64,
    }

    #[derive(Table, Debug)]
    #[table(name = "pc_posts", index(title))]
    pub struct Post {
        #[column(primary_key, auto)]
        pub id: i64,
        #[column(references = User::id)]
        pub author_id: i64,
        pub title: String,
        pub score: Option<f64>,
        pub body: Option<Vec<u8>>,
    }

    pub const SCHEMA: weft::Schema = weft::Schema::new(
        "original",
        &[User::META, Group::META, UserToGroup::META, Post::META],
    );
}

/// Every type and expression default, for `check` (types some backends store alike).
mod typed {
    use weft::Table;

    #[derive(Table, Debug)]
    #[table(name = "pc_typed", index(small, day))]
    pub struct Typed {
        #[column(primary_key, auto)]
        pub id: i32,
        pub small: i16,
        pub big: Option<i64>,
        pub real: f32,
        pub text: String,
        pub bytes: Vec<u8>,
        #[column(default = now())]
        pub at: chrono::DateTime<chrono::Utc>,
        pub local: Option<chrono::NaiveDateTime>,
        pub day: chrono::NaiveDate,
        #[column(default = uuid())]
        pub uid: uuid::Uuid,
        pub amount: rust_decimal::Decimal,
        pub doc: Option<serde_json::Value>,
        #[column(default = sql("1 + 1"))]
        pub two: i64,
    }

    pub const SCHEMA: weft::Schema = weft::Schema::new("typed", &[Typed::META]);
}

/// Creates `schema` with a migration, as `generate` + `migrate` would.
async fn create(db: &Db, schema: Schema) -> weft::Result<Snapshot> {
    let snapshot = schema.snapshot()?;
    let sql = migrate::create_sql(&snapshot, db.dialect());
    let name = format!("0001_{}", schema.name);
    let text = files::render_sql(&name, db.dialect().name(), &sql);
    db.migrate(&[Migration {
        name: name.into(),
        sql: text.into(),
    }])
    .await?;
    Ok(snapshot)
}

#[backends]
async fn pull_round_trip(db: Db) -> weft::Result<()> {
    let d = db.dialect();
    let original = create(&db, original::SCHEMA).await?;
    let live = db.introspect().await?;
    assert!(live.table(migrate::MIGRATIONS_TABLE).is_none());
    assert_eq!(canonical(&live, d), canonical(&original, d));

    let source = migrate::models_source(&live, "pulled");
    assert_eq!(
        source,
        include_str!("pulled.rs"),
        "the pulled source changed; if meant, write it to tests/backends/pulled.rs:\n{source}"
    );
    // The pulled models (compiled from that source) declare what weft created: generate
    // finds nothing to change, and check finds no drift.
    let pulled = pulled::SCHEMA.snapshot()?;
    assert_eq!(canonical(&pulled, d), canonical(&original, d));
    let again = migrate::diff(&original, &pulled, d, &mut NoGuessing)?;
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    assert!(drift(&pulled, &live, d)?.is_empty());
    Ok(())
}

#[backends]
async fn check_finds_drift(db: Db) -> weft::Result<()> {
    let d = db.dialect();
    let expected = create(&db, typed::SCHEMA).await?;
    let live = db.introspect().await?;
    let found = drift(&expected, &live, d)?;
    assert!(found.is_empty(), "{found:?}\n{live:#?}");

    // Changes made by hand behind the migrations' back.
    let q = |s: &str| weft_tests::quote_ident(&db, s);
    db.execute_sql(
        &format!(
            "ALTER TABLE {} ADD COLUMN {} INTEGER",
            q("pc_typed"),
            q("extra")
        ),
        vec![],
    )
    .await?;
    let drop_index = if d.drop_index_names_table() {
        format!(
            "DROP INDEX {} ON {}",
            q("pc_typed_small_day_idx"),
            q("pc_typed")
        )
    } else {
        format!("DROP INDEX {}", q("pc_typed_small_day_idx"))
    };
    db.execute_sql(&drop_index, vec![]).await?;
    let live = db.introspect().await?;
    let found: Vec<String> = drift(&expected, &live, d)?
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        [
            "drop column pc_typed.extra",
            "create index pc_typed_small_day_idx on pc_typed(small, day)"
        ],
        "{found:?}"
    );
    Ok(())
}
