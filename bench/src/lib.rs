//! Shared pieces of weft's benchmarks: the schema, seeding, and timing.
//!
//! Two programs use them: `strategies` (weft's two relation-loading strategies per backend) and
//! `summary` (weft side by side with raw sqlx, SeaORM 2 and Diesel 2 on every workload; see
//! `bench/PERFORMANCE.md`). `benches/compare.rs` runs the same workloads under criterion.

use std::time::{Duration, Instant};

use weft::{Db, NotLoaded, Table};

pub mod compare;

#[derive(Table, Debug)]
#[table(name = "bench_users")]
pub struct User<Groups = NotLoaded, Posts = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    #[relation(many, through = UsersToGroups)]
    pub groups: Groups,
    #[relation(many = Post)]
    pub posts: Posts,
}

#[derive(Table, Debug)]
#[table(name = "bench_groups")]
pub struct Group {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Table, Debug)]
#[table(
    name = "bench_users_to_groups",
    primary_key(user_id, group_id),
    index(group_id)
)]
pub struct UsersToGroups {
    #[column(references = User::id)]
    pub user_id: i64,
    #[column(references = Group::id)]
    pub group_id: i64,
}

#[derive(Table, Debug)]
#[table(name = "bench_posts", index(user_id))]
pub struct Post<Comments = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = User::id)]
    pub user_id: i64,
    pub title: String,
    #[relation(many = Comment)]
    pub comments: Comments,
}

#[derive(Table, Debug)]
#[table(name = "bench_comments", index(post_id))]
pub struct Comment {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Post::id)]
    pub post_id: i64,
    pub body: String,
}

/// The target of the insert workloads (`NewInsertUser` leaves the id to the database).
#[derive(Table, Debug)]
#[table(name = "bench_inserts")]
pub struct InsertUser {
    #[column(primary_key, auto)]
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
}

/// Every benchmark table, in an order `create_tables` / `drop_tables` accept.
pub type AllTables = (User, Group, UsersToGroups, Post, Comment, InsertUser);

/// `users` users in `groups` groups, each user in `per_user` of them.
pub async fn seed_many_to_many(
    db: &Db,
    users: i64,
    groups: i64,
    per_user: i64,
) -> weft::Result<()> {
    db.drop_tables::<AllTables>().await?;
    db.create_tables::<(User, Group, UsersToGroups)>().await?;
    weft::insert_many((1..=users).map(|id| User {
        id,
        name: format!("user {id}"),
        email: (id % 3 == 0).then(|| format!("u{id}@example.com")),
        groups: NotLoaded,
        posts: NotLoaded,
    }))
    .execute(db)
    .await?;
    weft::insert_many((1..=groups).map(|id| Group {
        id,
        name: format!("group {id}"),
    }))
    .execute(db)
    .await?;
    weft::insert_many((1..=users).flat_map(|u| {
        (0..per_user).map(move |k| UsersToGroups {
            user_id: u,
            group_id: (u * 7 + k * 13) % groups + 1,
        })
    }))
    .execute(db)
    .await?;
    Ok(())
}

/// The median of `runs` timings of `f` (after one warm-up run).
pub async fn median<F, Fut, T>(runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    f().await;
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(f().await);
        times.push(start.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}
