//! weft in one page: tables from structs, inserts, typed queries, joins, transactions.
//!
//! Runs on embedded SQLite in memory:
//!     cargo run -p weft-examples --example quickstart
//! or on a server, given its URL:
//!     cargo run -p weft-examples --example quickstart -- postgres://postgres@127.0.0.1/test
//!     cargo run -p weft-examples --example quickstart -- mysql://root@127.0.0.1/test

use weft::{Backend, Db, Selectable, Table};

#[derive(Table, Debug)]
#[table(name = "users")]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    #[column(unique)]
    name: String,
    email: Option<String>,
}

#[derive(Table, Debug)]
#[table(name = "posts", index(user_id))]
struct Post {
    #[column(primary_key, auto)]
    id: i64,
    #[column(references = User::id, on_delete = cascade)]
    user_id: i64,
    title: String,
    #[column(default = 0)]
    likes: i32,
}

/// A typed subset read across a join.
#[derive(Selectable, Debug)]
#[selectable(table = User)]
struct Byline {
    name: String,
    #[selectable(column = Post::title)]
    title: Option<String>,
}

#[tokio::main]
async fn main() -> weft::Result<()> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite::memory:".into());
    let db = Db::connect(&url).await?;
    println!("connected to {}", db.backend());

    db.drop_tables::<(Post, User)>().await?;
    db.create_tables::<(User, Post)>().await?;

    // Insert forms leave auto-incremented and defaulted columns out.
    let users = weft::insert_many([
        NewUser {
            id: None,
            name: "Dan".into(),
            email: Some("dan@example.com".into()),
        },
        NewUser {
            id: None,
            name: "Ann".into(),
            email: None,
        },
        NewUser {
            id: None,
            name: "Bo".into(),
            email: None,
        },
    ])
    .returning()
    .all(&db)
    .await?;
    println!("inserted {users:?}");

    db.transaction(async |tx| {
        weft::insert_many([
            NewPost {
                id: None,
                user_id: users[0].id,
                title: "Hello, weft".into(),
                likes: None,
            },
            NewPost {
                id: None,
                user_id: users[0].id,
                title: "Typed queries".into(),
                likes: Some(3),
            },
            NewPost {
                id: None,
                user_id: users[1].id,
                title: "Joins".into(),
                likes: Some(1),
            },
        ])
        .execute(&mut *tx)
        .await?;
        Ok::<_, weft::Error>(())
    })
    .await?;

    // Filters are typed: `User::name.eq(42)` would not compile.
    let without_email = weft::select::<User>()
        .filter(User::email.is_null())
        .order_by(User::name)
        .all(&db)
        .await?;
    println!(
        "users without email: {:?}",
        without_email.iter().map(|u| &u.name).collect::<Vec<_>>()
    );

    // A left join returns the joined side as an Option; a Selectable struct names the columns.
    let query = weft::select::<User>()
        .left_join::<Post>()
        .on(Post::user_id.eq(User::id))
        .columns(Byline::as_select())
        .order_by(User::name)
        .order_by(Post::title);
    for line in query.all(&db).await? {
        println!(
            "{:>4}: {}",
            line.name,
            line.title.as_deref().unwrap_or("(no posts)")
        );
    }

    // Every query shows its SQL for any backend, without a connection.
    for backend in Backend::ALL {
        println!("{backend}: {}", query.to_sql(backend).text);
    }

    let popular: Vec<(String, i32)> = weft::select::<Post>()
        .columns((Post::title, Post::likes))
        .filter(Post::likes.gt(0))
        .order_by(Post::likes.desc())
        .all(&db)
        .await?;
    println!("liked posts: {popular:?}");
    println!("{} statements sent", db.statements_executed());
    Ok(())
}
