//! Queries as values a function returns: [`Fetch`], the one trait every query that reads rows
//! implements, so a signature can say what rows a query gives without spelling the builder's
//! type (`impl Fetch<Row = User<Vec<Post>>>`).

use std::future::Future;

use super::find::{FindMany, RootExtras};
use super::load::Loader;
use crate::error::Result;
use crate::exec::Executor;
use crate::query::{Select, Selection};

/// A query that reads rows of type [`Row`](Fetch::Row): a [`Select`](crate::Select) or a
/// relational [`FindMany`] (with any `.with(…)`). Return `impl Fetch<Row = …>` from a function
/// that builds a query for its caller to run, or to refine no further.
///
/// The builder types themselves are public too, and a [`Select`](crate::Select) is easy to
/// name (`Select<(User,), All<User>>`); a `find_many` with `.with(…)` names the relation's
/// generated marker type, which `impl Fetch` keeps out of your signatures:
///
/// ```
/// use weft::{All, Fetch, NotLoaded, Select, Table};
///
/// #[derive(Table, Debug)]
/// struct User<Posts = NotLoaded> {
///     #[column(primary_key, auto)]
///     id: i64,
///     name: String,
///     #[relation(many = Post)]
///     posts: Posts,
/// }
///
/// #[derive(Table, Debug)]
/// struct Post {
///     #[column(primary_key, auto)]
///     id: i64,
///     #[column(references = User::id)]
///     user_id: i64,
///     title: String,
/// }
///
/// /// Users with their posts, newest post first.
/// fn users_with_posts() -> impl Fetch<Row = User<Vec<Post>>> {
///     weft::find_many::<User>().with(User::posts.order_by(Post::id.desc()))
/// }
///
/// /// A plain select, by its own type.
/// fn named(name: &str) -> Select<(User,), All<User>> {
///     weft::select::<User>().filter(User::name.eq(name))
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
/// let db = weft::Db::connect("sqlite::memory:").await?;
/// db.create_tables::<(User, Post)>().await?;
/// weft::insert(NewUser { id: None, name: "Ann".into() }).execute(&db).await?;
/// weft::insert(NewPost { id: None, user_id: 1, title: "Hi".into() }).execute(&db).await?;
///
/// let users = users_with_posts().all(&db).await?;
/// assert_eq!(users[0].posts[0].title, "Hi");
/// let ann: Vec<User> = Fetch::all(&named("Ann"), &db).await?;
/// assert_eq!(ann.len(), 1);
/// # Ok(()) }
/// ```
pub trait Fetch: Send + Sync {
    /// One result row.
    type Row: Send;

    /// Runs the query and returns every row.
    fn all<X: Executor>(&self, executor: X) -> impl Future<Output = Result<Vec<Self::Row>>> + Send;
}

impl<S, Sel, Lk> Fetch for Select<S, Sel, Lk>
where
    Self: Send + Sync,
    Sel: Selection,
{
    type Row = Sel::Output;

    fn all<X: Executor>(&self, executor: X) -> impl Future<Output = Result<Vec<Self::Row>>> + Send {
        Select::all(self, executor)
    }
}

impl<L, E> Fetch for FindMany<L, E>
where
    Self: Send + Sync,
    L: Loader,
    E: RootExtras,
{
    type Row = E::Row<L::Out>;

    fn all<X: Executor>(&self, executor: X) -> impl Future<Output = Result<Vec<Self::Row>>> + Send {
        FindMany::all(self, executor)
    }
}
