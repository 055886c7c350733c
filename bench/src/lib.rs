//! Shared pieces of weft's benchmarks: the schema, seeding, and timing.

use std::time::{Duration, Instant};

use weft::{Db, NotLoaded, Table};

#[derive(Table, Debug)]
#[table(name = "bench_users")]
pub struct User<Groups = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    #[relation(many, through = UsersToGroups)]
    pub groups: Groups,
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

/// `users` users in `groups` groups, each user in `per_user` of them.
pub async fn seed_many_to_many(
    db: &Db,
    users: i64,
    groups: i64,
    per_user: i64,
) -> weft::Result<()> {
    db.drop_tables::<(UsersToGroups, User, Group)>().await?;
    db.create_tables::<(User, Group, UsersToGroups)>().await?;
    weft::insert_many((1..=users).map(|id| User {
        id,
        name: format!("user {id}"),
        email: (id % 3 == 0).then(|| format!("u{id}@example.com")),
        groups: NotLoaded,
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
