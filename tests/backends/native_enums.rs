//! Native enums (`#[derive(weft::Enum)]` with `#[weft(native)]`): a type of their own on
//! PostgreSQL (`CREATE TYPE … AS ENUM`, made by `create_tables`) and MySQL (`ENUM(…)`), text
//! under a CHECK on SQLite. The same body everywhere: inserts (one row, and many, which
//! PostgreSQL sends as arrays cast to the type), filters, a long IN list, order, keys and
//! relations on both strategies, NULLs, and an unknown stored label.
//!
//! The labels are declared in alphabetical order: PostgreSQL and MySQL sort an enum by
//! declaration order, SQLite its text (see docs/design.md), and these tests read the same
//! order on all three.
//!
//! PostgreSQL types belong to a schema, and every test runs in a schema of its own (see
//! `weft_tests::run`), so the fixed type names here never meet between parallel tests; the
//! schema is dropped with its types after the test.

use weft::{Db, Enum, Error, NotLoaded, Strategy, Table};
use weft_tests::backends;

/// A PostgreSQL type named after the enum: `native_role`.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[weft(native, rename_all = "snake_case")]
pub enum NativeRole {
    Admin,
    Editor,
    #[weft(rename = "viewer")]
    Guest,
}

/// A PostgreSQL type of a given name.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[weft(native = "native_plan")]
pub enum Plan {
    Free,
    Paid,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "native_enum_plans")]
pub struct PlanInfo<Members = NotLoaded> {
    #[column(primary_key)]
    pub plan: Plan,
    pub label: String,
    #[relation(many = NativeMember)]
    pub members: Members,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "native_enum_members")]
pub struct NativeMember<Info = NotLoaded> {
    #[column(primary_key)]
    pub id: i32,
    pub role: NativeRole,
    pub old_role: Option<NativeRole>,
    #[column(references = PlanInfo::plan)]
    pub plan: Plan,
    #[relation(one = PlanInfo)]
    pub info: Info,
}

async fn seed(db: &Db) -> weft::Result<()> {
    db.create_tables::<(PlanInfo, NativeMember)>().await?;
    // One row at a time, then several (arrays on PostgreSQL).
    weft::insert(PlanInfo {
        plan: Plan::Paid,
        label: "paid".into(),
        members: NotLoaded,
    })
    .execute(db)
    .await?;
    weft::insert(PlanInfo {
        plan: Plan::Free,
        label: "free".into(),
        members: NotLoaded,
    })
    .execute(db)
    .await?;
    let member = |id, role, old_role, plan| NativeMember {
        id,
        role,
        old_role,
        plan,
        info: NotLoaded,
    };
    weft::insert(member(1, NativeRole::Guest, None, Plan::Paid))
        .execute(db)
        .await?;
    weft::insert_many([
        member(2, NativeRole::Admin, Some(NativeRole::Guest), Plan::Free),
        member(3, NativeRole::Editor, None, Plan::Free),
        member(4, NativeRole::Admin, Some(NativeRole::Editor), Plan::Paid),
    ])
    .execute(db)
    .await?;
    Ok(())
}

#[backends]
async fn native_enums_store_labels_filter_and_order(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    // `.columns` reads the enum back as the enum; the order is the labels'.
    let roles = weft::select::<NativeMember>()
        .columns((NativeMember::role, NativeMember::id))
        .order_by(NativeMember::role)
        .order_by(NativeMember::id)
        .all(&db)
        .await?;
    assert_eq!(
        roles,
        [
            (NativeRole::Admin, 2),
            (NativeRole::Admin, 4),
            (NativeRole::Editor, 3),
            (NativeRole::Guest, 1)
        ]
    );
    let admins = weft::select::<NativeMember>()
        .filter(NativeMember::role.eq(NativeRole::Admin))
        .filter(NativeMember::plan.ne(Plan::Free))
        .all(&db)
        .await?;
    assert_eq!(admins.len(), 1);
    assert_eq!(admins[0].old_role, Some(NativeRole::Editor));
    let some = weft::select::<NativeMember>()
        .filter(NativeMember::role.is_in([NativeRole::Editor, NativeRole::Guest]))
        .order_by(NativeMember::id)
        .columns(NativeMember::id)
        .all(&db)
        .await?;
    assert_eq!(some, [1, 3]);
    // NULL and not NULL.
    let without = weft::select::<NativeMember>()
        .filter(NativeMember::old_role.is_null())
        .count(&db)
        .await?;
    assert_eq!(without, 2);
    // A list longer than weft writes inline: one array (PostgreSQL) or JSON (the others).
    let many: Vec<NativeRole> = (0..1001)
        .map(|i| [NativeRole::Admin, NativeRole::Editor][i % 2])
        .collect();
    let listed = weft::select::<NativeMember>()
        .filter(NativeMember::role.is_in(many))
        .count(&db)
        .await?;
    assert_eq!(listed, 3);
    // Updates bind the label too.
    weft::update::<NativeMember>()
        .set(NativeMember::old_role, Some(NativeRole::Admin))
        .filter(NativeMember::id.eq(3))
        .execute(&db)
        .await?;
    let updated = weft::select::<NativeMember>()
        .filter(NativeMember::old_role.eq(Some(NativeRole::Admin)))
        .columns(NativeMember::id)
        .all(&db)
        .await?;
    assert_eq!(updated, [3]);
    Ok(())
}

#[backends]
async fn a_native_enum_column_refuses_other_text(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let refused = weft::raw("UPDATE native_enum_members SET role = 'root' WHERE id = 1")
        .execute(&db)
        .await;
    assert!(matches!(refused, Err(Error::Query { .. })), "{refused:?}");
    Ok(())
}

#[backends]
async fn create_tables_twice_over_one_native_type(db: Db) -> weft::Result<()> {
    // The type is created with the first table that uses it and reused by the next.
    db.create_tables::<PlanInfo>().await?;
    db.create_tables::<NativeMember>().await?;
    db.drop_tables::<(PlanInfo, NativeMember)>().await?;
    db.create_tables::<(PlanInfo, NativeMember)>().await?;
    Ok(())
}

#[backends]
async fn an_unknown_stored_label_names_table_column_and_value(db: Db) -> weft::Result<()> {
    db.create_tables::<(PlanInfo, NativeMember)>().await?;
    // A table created by hand (an older schema): text, no constraint.
    weft::raw("DROP TABLE native_enum_members")
        .execute(&db)
        .await?;
    weft::raw("CREATE TABLE native_enum_members (id INTEGER PRIMARY KEY, role VARCHAR(20) NOT NULL, old_role VARCHAR(20), plan VARCHAR(20) NOT NULL)")
        .execute(&db)
        .await?;
    weft::raw(
        "INSERT INTO native_enum_members (id, role, old_role, plan) VALUES (1, 'root', NULL, 'Free')",
    )
    .execute(&db)
    .await?;
    let err = weft::select::<NativeMember>().all(&db).await.unwrap_err();
    match &err {
        Error::Decode {
            table,
            column,
            message,
            ..
        } => {
            assert_eq!((*table, *column), ("native_enum_members", "role"));
            assert!(
                message.contains(
                    r#""root" is not a `NativeRole` (expected one of "admin", "editor", "viewer")"#
                ),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    Ok(())
}

#[backends(strategies)]
async fn native_enum_keys_load_relations(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let plans = weft::find_many::<PlanInfo>()
        .with(PlanInfo::members.order_by(NativeMember::id))
        .order_by(PlanInfo::plan)
        .strategy(strategy)
        .all(&db)
        .await?;
    let roles: Vec<(Plan, Vec<NativeRole>)> = plans
        .iter()
        .map(|p| (p.plan, p.members.iter().map(|m| m.role).collect()))
        .collect();
    assert_eq!(
        roles,
        [
            (Plan::Free, vec![NativeRole::Admin, NativeRole::Editor]),
            (Plan::Paid, vec![NativeRole::Guest, NativeRole::Admin]),
        ]
    );
    // The other way: each member's plan, through the enum foreign key.
    let members = weft::find_many::<NativeMember>()
        .with(NativeMember::info)
        .filter(NativeMember::role.eq(NativeRole::Admin))
        .order_by(NativeMember::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let labels: Vec<(i32, Option<NativeRole>, String)> = members
        .into_iter()
        .map(|m| (m.id, m.old_role, m.info.label))
        .collect();
    assert_eq!(
        labels,
        [
            (2, Some(NativeRole::Guest), "free".to_owned()),
            (4, Some(NativeRole::Editor), "paid".to_owned())
        ]
    );
    Ok(())
}

#[backends]
async fn native_enum_ddl_per_backend(db: Db) -> weft::Result<()> {
    let ddl = weft::create_table_sql(NativeMember::META, db.dialect()).join(";\n");
    match db.backend() {
        weft::Backend::Postgres => {
            assert!(
                ddl.contains(r#"CREATE TYPE "native_role" AS ENUM ('admin', 'editor', 'viewer')"#),
                "{ddl}"
            );
            assert!(ddl.contains(r#""role" "native_role" NOT NULL"#), "{ddl}");
        }
        weft::Backend::MySql => {
            assert!(
                ddl.contains("`role` ENUM('admin', 'editor', 'viewer') NOT NULL"),
                "{ddl}"
            );
        }
        _ => assert!(
            ddl.contains(r#"CHECK ("role" IN ('admin', 'editor', 'viewer'))"#),
            "{ddl}"
        ),
    }
    // PostgreSQL casts each label it binds (sent as text) to the type; the others bind text.
    let eq = weft::select::<NativeMember>()
        .filter(NativeMember::old_role.eq(Some(NativeRole::Admin)))
        .to_sql(weft::Backend::Postgres);
    assert!(
        eq.text.contains(r#""old_role" = $1::"native_role""#),
        "{eq}"
    );
    assert!(
        format!("{eq}").contains(r#"Enum(EnumType("native_role"), "admin")"#),
        "{eq}"
    );
    let mysql = weft::select::<NativeMember>()
        .filter(NativeMember::role.eq(NativeRole::Admin))
        .to_sql(weft::Backend::MySql);
    assert!(mysql.text.contains("`role` = ?"), "{mysql}");
    Ok(())
}
