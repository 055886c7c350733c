//! The many-to-many example: users and groups through `users_to_groups`, loaded both ways
//! with their relations and printed as JSON.
//!
//! Runs on embedded SQLite in memory:
//!     cargo run -p weft-examples --example many_to_many
//! or on a server, given its URL:
//!     cargo run -p weft-examples --example many_to_many -- postgres://postgres@127.0.0.1/test
//!     cargo run -p weft-examples --example many_to_many -- mysql://root@127.0.0.1/test

use weft::{Db, NotLoaded, Table};

#[derive(Table, Debug)]
#[table(name = "users", serialize)]
struct User<Groups = NotLoaded> {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
    #[relation(many, through = UsersToGroups)]
    groups: Groups,
}

#[derive(Table, Debug)]
#[table(name = "groups", serialize)]
struct Group<Users = NotLoaded> {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
    #[relation(many, through = UsersToGroups)]
    users: Users,
}

#[derive(Table, Debug)]
#[table(name = "users_to_groups", primary_key(user_id, group_id))]
struct UsersToGroups {
    #[column(references = User::id, on_delete = cascade)]
    user_id: i64,
    #[column(references = Group::id, on_delete = cascade)]
    group_id: i64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite::memory:".into());
    let db = Db::connect(&url).await?;
    db.drop_tables::<(UsersToGroups, User, Group)>().await?;
    db.create_tables::<(User, Group, UsersToGroups)>().await?;

    weft::insert_many(["Dan", "Andrew", "Dandrew"].map(|name| NewUser {
        id: None,
        name: name.into(),
    }))
    .execute(&db)
    .await?;
    weft::insert_many(["Group1", "Group2"].map(|name| NewGroup {
        id: None,
        name: name.into(),
    }))
    .execute(&db)
    .await?;
    weft::insert_many(
        [(1, 1), (2, 1), (2, 2), (3, 2)]
            .map(|(user_id, group_id)| UsersToGroups { user_id, group_id }),
    )
    .execute(&db)
    .await?;

    // `Vec<User<Vec<Group>>>`: the type says the groups were loaded.
    let users = weft::find_many::<User>()
        .with(User::groups.order_by(Group::id))
        .order_by(User::id)
        .all(&db)
        .await?;
    println!(
        "users with their groups:\n{}",
        serde_json::to_string_pretty(&users)?
    );

    let groups = weft::find_many::<Group>()
        .with(Group::users.order_by(User::name))
        .order_by(Group::id)
        .all(&db)
        .await?;
    println!(
        "groups with their users:\n{}",
        serde_json::to_string_pretty(&groups)?
    );
    println!(
        "{} statements sent on {}",
        db.statements_executed(),
        db.backend()
    );
    Ok(())
}
