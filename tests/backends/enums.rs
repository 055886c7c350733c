//! Enums (`#[derive(weft::Enum)]`): stored as text under a CHECK constraint, names renamed
//! per type or per variant, usable in filters, keys and relations; an unknown stored value is
//! a decode error naming the table, the column and the value.

use weft::{Db, Enum, Error, NotLoaded, Strategy, Table};
use weft_tests::backends;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[weft(rename_all = "snake_case")]
pub enum Role {
    Admin,
    PowerUser,
    #[weft(rename = "guest")]
    Visitor,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Free,
    Paid,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "enum_tiers")]
pub struct TierInfo<Members = NotLoaded> {
    #[column(primary_key)]
    pub tier: Tier,
    pub label: String,
    #[relation(many = Member)]
    pub members: Members,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "enum_members")]
pub struct Member {
    #[column(primary_key)]
    pub id: i32,
    pub role: Role,
    pub old_role: Option<Role>,
    #[column(references = TierInfo::tier)]
    pub tier: Tier,
}

async fn seed(db: &Db) -> weft::Result<()> {
    db.create_tables::<(TierInfo, Member)>().await?;
    weft::insert_many([
        TierInfo {
            tier: Tier::Free,
            label: "free".into(),
            members: NotLoaded,
        },
        TierInfo {
            tier: Tier::Paid,
            label: "paid".into(),
            members: NotLoaded,
        },
    ])
    .execute(db)
    .await?;
    weft::insert_many([
        Member {
            id: 1,
            role: Role::Admin,
            old_role: None,
            tier: Tier::Paid,
        },
        Member {
            id: 2,
            role: Role::PowerUser,
            old_role: Some(Role::Visitor),
            tier: Tier::Free,
        },
        Member {
            id: 3,
            role: Role::Visitor,
            old_role: None,
            tier: Tier::Free,
        },
    ])
    .execute(db)
    .await?;
    Ok(())
}

#[backends]
async fn enums_store_their_names_and_filter(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let names: Vec<(i32, String)> = weft::raw("SELECT id, role FROM enum_members ORDER BY id")
        .fetch_all(&db)
        .await?;
    assert_eq!(
        names,
        [
            (1, "admin".into()),
            (2, "power_user".into()),
            (3, "guest".into())
        ]
    );
    let free = weft::select::<Member>()
        .filter(Member::tier.eq(Tier::Free))
        .filter(Member::role.ne(Role::Admin))
        .order_by(Member::id)
        .all(&db)
        .await?;
    assert_eq!(free.len(), 2);
    assert_eq!(free[0].old_role, Some(Role::Visitor));
    let paid = weft::select::<TierInfo>()
        .filter(TierInfo::tier.eq(Tier::Paid))
        .columns(TierInfo::label)
        .one(&db)
        .await?;
    assert_eq!(paid, "paid");
    Ok(())
}

#[backends]
async fn the_check_constraint_refuses_other_text(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let refused = weft::raw("UPDATE enum_members SET role = 'root' WHERE id = 1")
        .execute(&db)
        .await;
    assert!(matches!(refused, Err(Error::Query { .. })), "{refused:?}");
    Ok(())
}

#[backends]
async fn an_unknown_stored_value_names_table_column_and_value(db: Db) -> weft::Result<()> {
    db.create_tables::<(TierInfo, Member)>().await?;
    // A table created by hand (an older schema): no CHECK constraint.
    weft::raw("DROP TABLE enum_members").execute(&db).await?;
    weft::raw("CREATE TABLE enum_members (id INTEGER PRIMARY KEY, role VARCHAR(20) NOT NULL, old_role VARCHAR(20), tier VARCHAR(20) NOT NULL)")
        .execute(&db)
        .await?;
    weft::raw(
        "INSERT INTO enum_members (id, role, old_role, tier) VALUES (1, 'root', NULL, 'Free')",
    )
    .execute(&db)
    .await?;
    let err = weft::select::<Member>().all(&db).await.unwrap_err();
    match &err {
        Error::Decode {
            table,
            column,
            message,
            ..
        } => {
            assert_eq!((*table, *column), ("enum_members", "role"));
            assert!(
                message.contains(
                    r#""root" is not a `Role` (expected one of "admin", "power_user", "guest")"#
                ),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    Ok(())
}

#[backends(strategies)]
async fn enum_keys_load_relations(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let tiers = weft::find_many::<TierInfo>()
        .with(TierInfo::members.order_by(Member::id))
        .order_by(TierInfo::label)
        .strategy(strategy)
        .all(&db)
        .await?;
    let roles: Vec<(Tier, Vec<Role>)> = tiers
        .iter()
        .map(|t| (t.tier, t.members.iter().map(|m| m.role).collect()))
        .collect();
    assert_eq!(
        roles,
        [
            (Tier::Free, vec![Role::PowerUser, Role::Visitor]),
            (Tier::Paid, vec![Role::Admin]),
        ]
    );
    Ok(())
}
