//! The data sets, generated deterministically so that every database (and Diesel's own SQLite
//! connection) holds exactly the same rows.

/// Which tables are filled, and how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    /// W1, W2: 10,000 users.
    Users,
    /// W3, W7: 1,000 users (every tenth without posts), 10,000 posts.
    UsersPosts,
    /// W4: 1,000 users, 100 groups, 10 groups per user (10,000 junction rows).
    UsersGroups,
    /// W5: 100 users, 10 posts each (1,000), 10 comments per post (10,000).
    Nested,
    /// W6: empty tables; inserts go to `bench_inserts`.
    Empty,
    /// Memory (issue 14): 100,000 users, read all at once.
    UsersLarge,
    /// Memory (issue 14): W4 with 10,000 users, 100 groups, 10 groups per user (100,000
    /// junction rows).
    UsersGroupsLarge,
}

/// The rows of a data set, as plain tuples.
#[derive(Default)]
pub struct Rows {
    /// `(id, name, email)`.
    pub users: Vec<(i64, String, Option<String>)>,
    /// `(id, name)`.
    pub groups: Vec<(i64, String)>,
    /// `(user_id, group_id)`.
    pub links: Vec<(i64, i64)>,
    /// `(id, user_id, title)`.
    pub posts: Vec<(i64, i64, String)>,
    /// `(id, post_id, body)`.
    pub comments: Vec<(i64, i64, String)>,
}

/// A user row: a third of the emails are NULL.
pub fn user(id: i64) -> (i64, String, Option<String>) {
    (
        id,
        format!("user {id}"),
        (id % 3 != 0).then(|| format!("user{id}@example.com")),
    )
}

/// The W3 filter: users with `id <= W3_MAX_USER` (450 with posts, 50 without: 5,049 rows).
pub const W3_MAX_USER: i64 = 500;
/// W7's HAVING: users with at least this many posts (100 of the 900 with posts).
pub const W7_MIN_POSTS: i64 = 12;
/// The W4 page size.
pub const W4_PAGE: u64 = 100;

impl Dataset {
    /// Generates the rows.
    pub fn rows(self) -> Rows {
        let users = |n: i64| (1..=n).map(user).collect::<Vec<_>>();
        match self {
            Dataset::Users => Rows {
                users: users(10_000),
                ..Rows::default()
            },
            Dataset::UsersPosts => {
                let with_posts: Vec<i64> = (1..=1000).filter(|id| id % 10 != 0).collect();
                let posts = (1..=10_000i64)
                    .map(|id| {
                        let owner = with_posts[(id as usize - 1) % with_posts.len()];
                        (id, owner, format!("post {id} by user {owner}"))
                    })
                    .collect();
                Rows {
                    users: users(1000),
                    posts,
                    ..Rows::default()
                }
            }
            Dataset::UsersGroups => users_groups(1000),
            Dataset::UsersGroupsLarge => users_groups(10_000),
            Dataset::UsersLarge => Rows {
                users: users(100_000),
                ..Rows::default()
            },
            Dataset::Nested => Rows {
                users: users(100),
                posts: (1..=1000i64)
                    .map(|id| (id, (id - 1) / 10 + 1, format!("post {id}")))
                    .collect(),
                comments: (1..=10_000i64)
                    .map(|id| (id, (id - 1) / 10 + 1, format!("comment {id} on a post")))
                    .collect(),
                ..Rows::default()
            },
            Dataset::Empty => Rows::default(),
        }
    }
}

/// `n` users, 100 groups and 10 groups per user.
fn users_groups(n: i64) -> Rows {
    Rows {
        users: (1..=n).map(user).collect(),
        groups: (1..=100).map(|id| (id, format!("group {id}"))).collect(),
        links: (1..=n)
            .flat_map(|u| (0..10).map(move |k| (u, (u * 7 + k * 13) % 100 + 1)))
            .collect(),
        ..Rows::default()
    }
}

/// The rows one insert workload writes: `n` users with generated ids.
pub fn insert_rows(n: usize) -> Vec<(String, Option<String>)> {
    (0..n as i64)
        .map(|i| {
            let (_, name, email) = user(i + 1);
            (name, email)
        })
        .collect()
}
