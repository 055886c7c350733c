//! A small blog API on axum: users with their posts and groups as nested JSON, and a handler
//! that writes in a transaction (`Db::transaction_send`, whose future is `Send`, as axum
//! requires of a handler's).
//!
//!     cargo run -p weft-examples --example axum_blog                 # SQLite in memory
//!     cargo run -p weft-examples --example axum_blog -- postgres://postgres@127.0.0.1/test
//!     curl localhost:3000/users
//!     curl -X POST localhost:3000/users/1/posts -H 'content-type: application/json' \
//!          -d '{"title":"hello"}'
//!
//! `cargo test -p weft-examples --example axum_blog` starts it on an ephemeral port and reads
//! the JSON back.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use weft::{Db, NotLoaded, Table};

#[derive(Table, Debug)]
#[table(name = "users", serialize)]
struct User<Posts = NotLoaded, Groups = NotLoaded> {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
    #[relation(many = Post)]
    posts: Posts,
    #[relation(many, through = UsersToGroups)]
    groups: Groups,
}

#[derive(Table, Debug)]
#[table(name = "posts", serialize, index(user_id))]
struct Post {
    #[column(primary_key, auto)]
    id: i64,
    #[column(references = User::id, on_delete = cascade)]
    user_id: i64,
    title: String,
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

/// The most posts one user may have: a write past it is refused, and rolled back.
const MAX_POSTS: i64 = 3;

/// A handler's error: weft's (a 500), or a refusal of the request's own.
enum ApiError {
    Db(weft::Error),
    NoSuchUser(i64),
    TooManyPosts,
}

impl From<weft::Error> for ApiError {
    fn from(e: weft::Error) -> Self {
        ApiError::Db(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::Db(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            ApiError::NoSuchUser(id) => (StatusCode::NOT_FOUND, format!("no user {id}")),
            ApiError::TooManyPosts => (
                StatusCode::CONFLICT,
                format!("a user may have at most {MAX_POSTS} posts"),
            ),
        };
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

/// `GET /users`: every user with their posts and groups, nested.
async fn users(State(db): State<Db>) -> Result<impl IntoResponse, ApiError> {
    let users = weft::find_many::<User>()
        .with(User::posts.order_by(Post::id))
        .with(User::groups.order_by(Group::id))
        .order_by(User::id)
        .all(&db)
        .await?;
    // `Vec<User<Vec<Post>, Vec<Group>>>`, serialized in Drizzle's nested shape.
    Ok(Json(users))
}

#[derive(serde::Deserialize)]
struct NewPostBody {
    title: String,
}

/// `POST /users/{id}/posts`: adds a post, in a transaction that rolls back when the user
/// would have more than [`MAX_POSTS`].
async fn add_post(
    State(db): State<Db>,
    Path(user_id): Path<i64>,
    Json(body): Json<NewPostBody>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let (id, posts) = db
        .transaction_send(|tx| {
            Box::pin(async move {
                let known = weft::select::<User>()
                    .filter(User::id.eq(user_id))
                    .count(&mut *tx)
                    .await?;
                if known == 0 {
                    return Err(ApiError::NoSuchUser(user_id));
                }
                let post = weft::insert(NewPost {
                    id: None,
                    user_id,
                    title: body.title,
                })
                .returning()
                .one(&mut *tx)
                .await?;
                let posts = weft::select::<Post>()
                    .filter(Post::user_id.eq(user_id))
                    .count(&mut *tx)
                    .await?;
                if posts > MAX_POSTS {
                    // Returning `Err` rolls the insert back.
                    return Err(ApiError::TooManyPosts);
                }
                Ok((post.id, posts))
            })
        })
        .await?;
    let created = serde_json::json!({ "id": id, "user_id": user_id, "posts": posts });
    Ok((StatusCode::CREATED, Json(created)))
}

fn app(db: Db) -> Router {
    Router::new()
        .route("/users", get(users))
        .route("/users/{id}/posts", post(add_post))
        .with_state(db)
}

/// Creates the tables and a few rows.
async fn seed(db: &Db) -> weft::Result<()> {
    db.drop_tables::<(UsersToGroups, Post, User, Group)>()
        .await?;
    db.create_tables::<(User, Post, Group, UsersToGroups)>()
        .await?;
    weft::insert_many(["Dan", "Andrew"].map(|name| NewUser {
        id: None,
        name: name.into(),
    }))
    .execute(db)
    .await?;
    weft::insert_many(["rust", "sql"].map(|name| NewGroup {
        id: None,
        name: name.into(),
    }))
    .execute(db)
    .await?;
    weft::insert_many(
        [(1, 1), (1, 2), (2, 2)].map(|(user_id, group_id)| UsersToGroups { user_id, group_id }),
    )
    .execute(db)
    .await?;
    weft::insert(NewPost {
        id: None,
        user_id: 1,
        title: "hello".into(),
    })
    .execute(db)
    .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite::memory:".into());
    let db = Db::connect(&url).await?;
    seed(&db).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(db)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// One HTTP/1.1 request to `addr`: the status code and the JSON body.
    async fn request(
        addr: std::net::SocketAddr,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let body = body.unwrap_or("");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        stream.write_all(body.as_bytes()).await.expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("read");
        let (head, body) = response.split_once("\r\n\r\n").expect("a response");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status");
        (status, serde_json::from_str(body).expect("a JSON body"))
    }

    #[tokio::test]
    async fn serves_users_with_posts_and_groups() {
        let db = Db::connect("sqlite::memory:").await.expect("connect");
        seed(&db).await.expect("seed");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("an address");
        let server = tokio::spawn(axum::serve(listener, app(db)).into_future());

        let (status, created) =
            request(addr, "POST", "/users/2/posts", Some(r#"{"title":"hi"}"#)).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["posts"], 1);
        // Past the limit: refused, and the transaction's insert rolled back.
        for title in ["a", "b"] {
            let body = format!(r#"{{"title":"{title}"}}"#);
            let (status, _) = request(addr, "POST", "/users/1/posts", Some(&body)).await;
            assert_eq!(status, 201);
        }
        let (status, refused) =
            request(addr, "POST", "/users/1/posts", Some(r#"{"title":"c"}"#)).await;
        assert_eq!(status, 409, "{refused}");
        let (status, _) = request(addr, "POST", "/users/9/posts", Some(r#"{"title":"x"}"#)).await;
        assert_eq!(status, 404);

        let (status, users) = request(addr, "GET", "/users", None).await;
        assert_eq!(status, 200, "{users}");
        assert_eq!(
            users,
            serde_json::json!([
                {
                    "id": 1,
                    "name": "Dan",
                    "posts": [
                        { "id": 1, "user_id": 1, "title": "hello" },
                        { "id": 3, "user_id": 1, "title": "a" },
                        { "id": 4, "user_id": 1, "title": "b" }
                    ],
                    "groups": [{ "id": 1, "name": "rust" }, { "id": 2, "name": "sql" }]
                },
                {
                    "id": 2,
                    "name": "Andrew",
                    "posts": [{ "id": 2, "user_id": 2, "title": "hi" }],
                    "groups": [{ "id": 2, "name": "sql" }]
                }
            ])
        );
        server.abort();
    }
}
