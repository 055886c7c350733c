//! Tables shared by the behaviour tests.

use weft::Table;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "users")]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(unique)]
    pub name: String,
    pub email: Option<String>,
    #[column(default = 0)]
    pub age: i32,
    #[column(default = true)]
    pub active: bool,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "posts", index(user_id, title))]
pub struct Post {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(references = User::id, on_delete = cascade)]
    pub user_id: i64,
    pub title: String,
    pub score: Option<f64>,
}

pub fn new_user(name: &str, email: Option<&str>, age: i32) -> NewUser {
    NewUser {
        id: None,
        name: name.into(),
        email: email.map(Into::into),
        age: Some(age),
        active: None,
    }
}

/// Creates users and posts and fills them:
/// ann (30, 2 posts), bob (25, 1 post), cat (35, no posts, no email).
pub async fn seed(db: &weft::Db) -> weft::Result<()> {
    db.create_tables::<(Post, User)>().await?;
    weft::insert_many([
        new_user("ann", Some("ann@example.com"), 30),
        new_user("bob", Some("bob@example.com"), 25),
        new_user("cat", None, 35),
    ])
    .execute(db)
    .await?;
    weft::insert_many([
        NewPost {
            id: None,
            user_id: 1,
            title: "hello".into(),
            score: Some(1.5),
        },
        NewPost {
            id: None,
            user_id: 1,
            title: "again".into(),
            score: None,
        },
        NewPost {
            id: None,
            user_id: 2,
            title: "bob's".into(),
            score: Some(-2.0),
        },
    ])
    .execute(db)
    .await?;
    Ok(())
}
