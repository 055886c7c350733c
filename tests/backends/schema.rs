//! Creating and dropping tables from metadata: keys, foreign keys, unique constraints,
//! defaults and indexes, in dependency order.

use weft::{Backend, Db, Table};
use weft_tests::backends;

#[derive(Table, Debug, PartialEq)]
#[table(name = "accounts", unique(org, handle))]
pub struct Account {
    #[column(primary_key, auto)]
    pub id: i32,
    pub org: String,
    pub handle: String,
    #[column(default = "member")]
    pub role: String,
    #[column(default = -1.5)]
    pub balance: f64,
}

#[derive(Table, Debug, PartialEq)]
#[table(name = "memberships", primary_key(account_id, team), index(team))]
pub struct Membership {
    #[column(references = Account::id, on_delete = cascade)]
    pub account_id: i32,
    pub team: String,
    #[column(references = Account::id, on_delete = set_null)]
    pub invited_by: Option<i32>,
    #[column(name = "since_year", default = 2024)]
    pub since: i16,
}

#[backends]
async fn creates_keys_defaults_and_foreign_keys(db: Db) -> weft::Result<()> {
    // Given in the wrong order: create_tables sorts by dependency.
    db.create_tables::<(Membership, Account)>().await?;
    let a = weft::insert(NewAccount {
        id: None,
        org: "o".into(),
        handle: "h".into(),
        role: None,
        balance: None,
    })
    .returning()
    .one(&db)
    .await?;
    assert_eq!(
        a,
        Account {
            id: 1,
            org: "o".into(),
            handle: "h".into(),
            role: "member".into(),
            balance: -1.5
        }
    );
    let b = weft::insert(NewAccount {
        id: None,
        org: "o".into(),
        handle: "i".into(),
        role: Some("admin".into()),
        balance: Some(2.0),
    })
    .returning()
    .one(&db)
    .await?;

    // Composite unique constraint.
    let dup = weft::insert(NewAccount {
        id: None,
        org: "o".into(),
        handle: "h".into(),
        role: None,
        balance: None,
    })
    .execute(&db)
    .await;
    assert!(
        dup.unwrap_err()
            .as_database_error()
            .is_some_and(|e| e.is_unique_violation())
    );

    weft::insert_many([
        NewMembership {
            account_id: a.id,
            team: "red".into(),
            invited_by: Some(b.id),
            since: None,
        },
        NewMembership {
            account_id: b.id,
            team: "red".into(),
            invited_by: None,
            since: Some(2020),
        },
    ])
    .execute(&db)
    .await?;
    // Composite primary key.
    let dup = weft::insert(NewMembership {
        account_id: a.id,
        team: "red".into(),
        invited_by: None,
        since: None,
    })
    .execute(&db)
    .await;
    assert!(
        dup.unwrap_err()
            .as_database_error()
            .is_some_and(|e| e.is_unique_violation())
    );
    // Foreign key.
    let orphan = weft::insert(NewMembership {
        account_id: 99,
        team: "x".into(),
        invited_by: None,
        since: None,
    })
    .execute(&db)
    .await;
    assert!(
        orphan
            .unwrap_err()
            .as_database_error()
            .is_some_and(|e| e.is_foreign_key_violation())
    );

    // Deleting b: its membership cascades away, and a's `invited_by` becomes NULL.
    weft::delete::<Account>()
        .filter(Account::id.eq(b.id))
        .execute(&db)
        .await?;
    let left = weft::select::<Membership>().all(&db).await?;
    assert_eq!(
        left,
        [Membership {
            account_id: a.id,
            team: "red".into(),
            invited_by: None,
            since: 2024
        }]
    );

    db.drop_tables::<(Account, Membership)>().await?;
    assert!(
        weft::select::<Account>().count(&db).await.is_err(),
        "table is gone"
    );
    // Dropping again is fine.
    db.drop_tables::<(Account, Membership)>().await?;
    Ok(())
}

#[test]
fn ddl_per_dialect() {
    let [sqlite, pg, maria, my] =
        weft::dialect::ALL.map(|d| weft::create_table_sql(Membership::META, d));
    assert_eq!(
        sqlite[0],
        r#"CREATE TABLE "memberships" ("account_id" INTEGER NOT NULL, "team" TEXT NOT NULL, "invited_by" INTEGER, "since_year" SMALLINT NOT NULL DEFAULT 2024, PRIMARY KEY ("account_id", "team"), FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE, FOREIGN KEY ("invited_by") REFERENCES "accounts" ("id") ON DELETE SET NULL)"#
    );
    assert_eq!(
        pg[1],
        r#"CREATE INDEX "memberships_team_idx" ON "memberships" ("team")"#
    );
    assert_eq!(
        maria[0],
        "CREATE TABLE `memberships` (`account_id` INT NOT NULL, `team` VARCHAR(255) NOT NULL, `invited_by` INT, `since_year` SMALLINT NOT NULL DEFAULT 2024, PRIMARY KEY (`account_id`, `team`), FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE CASCADE, FOREIGN KEY (`invited_by`) REFERENCES `accounts` (`id`) ON DELETE SET NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"
    );
    // MySQL proper: MySQL 8's binary NO PAD collation.
    assert_eq!(
        my[0],
        maria[0].replace("utf8mb4_nopad_bin", "utf8mb4_0900_bin")
    );
    let accounts = weft::create_table_sql(Account::META, Backend::Postgres);
    assert_eq!(
        accounts[0],
        r#"CREATE TABLE "accounts" ("id" INTEGER GENERATED BY DEFAULT AS IDENTITY, "org" TEXT NOT NULL, "handle" TEXT NOT NULL, "role" TEXT NOT NULL DEFAULT 'member', "balance" DOUBLE PRECISION NOT NULL DEFAULT -1.5, PRIMARY KEY ("id"), UNIQUE ("org", "handle"))"#
    );
}
