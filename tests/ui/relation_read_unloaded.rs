use weft::{NotLoaded, Table};

#[derive(Table)]
struct User<Groups = NotLoaded> {
    #[column(primary_key)]
    id: i64,
    #[relation(many, through = UsersToGroups)]
    groups: Groups,
}

#[derive(Table)]
struct Group {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[derive(Table)]
#[table(primary_key(user_id, group_id))]
struct UsersToGroups {
    #[column(references = User::id)]
    user_id: i64,
    #[column(references = Group::id)]
    group_id: i64,
}

async fn names(db: &weft::Db) -> weft::Result<Vec<String>> {
    // The query does not load `groups`, so `user.groups` is `NotLoaded`.
    let users = weft::find_many::<User>().all(db).await?;
    let mut names = Vec::new();
    for user in &users {
        for group in &user.groups {
            names.push(group.name.clone());
        }
    }
    Ok(names)
}

fn main() {}
