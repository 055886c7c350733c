//! Raw sqlx, written the way someone who knows sqlx writes it: static SQL, positional
//! decoding into plain structs, typed serde for JSON, one connection per multi-statement load,
//! `= ANY($1)` on PostgreSQL and `IN (…)` lists elsewhere, multi-row `VALUES` (and `UNNEST` on
//! PostgreSQL) for inserts.

use std::collections::HashMap;
use std::rc::Rc;

use serde::Deserialize;

use super::check;
use super::data::{W3_MAX_USER, W7_MIN_POSTS};
use super::harness::Run;

/// A user row.
#[derive(Debug, Deserialize)]
pub struct RUser {
    /// Key.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Nullable.
    pub email: Option<String>,
}

/// A group (decoded from JSON arrays `[id, name]` too).
#[derive(Debug, Deserialize)]
pub struct RGroup {
    /// Key.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// A post.
#[derive(Debug)]
pub struct RPost {
    /// Key.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Title.
    pub title: String,
}

/// A comment (decoded from JSON arrays too).
#[derive(Debug, Deserialize)]
pub struct RComment {
    /// Key.
    pub id: i64,
    /// Post.
    pub post_id: i64,
    /// Text.
    pub body: String,
}

/// A post with its comments, from JSON `[id, user_id, title, [[…], …]]`.
#[derive(Debug, Deserialize)]
pub struct RPostJson {
    /// Key.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Title.
    pub title: String,
    /// Comments.
    pub comments: Vec<RComment>,
}

/// A post with its comments, loaded batched.
pub struct RPostWith {
    /// The post.
    pub post: RPost,
    /// Its comments.
    pub comments: Vec<RComment>,
}

fn sum_users(users: &[RUser]) -> u64 {
    users
        .iter()
        .map(|u| check::user(u.id, &u.name, u.email.as_deref()))
        .sum()
}

fn sum_user_groups<'a>(rows: impl Iterator<Item = (&'a RUser, &'a [RGroup])>) -> u64 {
    rows.map(|(u, groups)| {
        check::user(u.id, &u.name, u.email.as_deref())
            + groups
                .iter()
                .map(|g| check::child(u.id, g.id, &g.name))
                .sum::<u64>()
    })
    .sum()
}

fn sum_comments(post: i64, comments: &[RComment]) -> u64 {
    comments
        .iter()
        .map(|c| check::child(post, c.id, &c.body))
        .sum()
}

/// The SQL of one dialect.
pub struct Sqls {
    w1: &'static str,
    w3: &'static str,
    w4_json_page: &'static str,
    w4_json_all: &'static str,
    w4_groups: &'static str,
    /// What follows an `IN (…)` list (the order is in the statement on PostgreSQL).
    w4_groups_tail: &'static str,
    w5_json: &'static str,
    w5_posts: &'static str,
    w5_comments: &'static str,
    w5_tail: &'static str,
    w6_one: &'static str,
    w7: &'static str,
}

// The statements every dialect writes the same way.
/// W2 (the page size is part of the static SQL, as an expert writes it; a bound LIMIT makes
/// SQLite re-prepare the statement on every run), W5's first statement.
const USERS: &str = "SELECT id, name, email FROM bench_users";
const USERS_LIMIT: &str = "SELECT id, name, email FROM bench_users LIMIT 100";
/// W4 batched, the first statement.
const USERS_ORDERED: &str = "SELECT id, name, email FROM bench_users ORDER BY id";
const USERS_ORDERED_LIMIT: &str = "SELECT id, name, email FROM bench_users ORDER BY id LIMIT 100";

/// SQLite.
pub const SQLITE: Sqls = Sqls {
    w1: "SELECT id, name, email FROM bench_users WHERE id = ?",
    w3: "SELECT u.id, u.name, u.email, p.id, p.user_id, p.title FROM bench_users u \
         LEFT JOIN bench_posts p ON p.user_id = u.id WHERE u.id <= ?",
    w4_json_page: "SELECT u.id, u.name, u.email, (SELECT json_group_array(json_array(g.id, g.name) ORDER BY g.id) \
         FROM bench_users_to_groups ug JOIN bench_groups g ON g.id = ug.group_id \
         WHERE ug.user_id = u.id) FROM bench_users u ORDER BY u.id LIMIT 100",
    w4_json_all: "SELECT u.id, u.name, u.email, (SELECT json_group_array(json_array(g.id, g.name) ORDER BY g.id) \
         FROM bench_users_to_groups ug JOIN bench_groups g ON g.id = ug.group_id \
         WHERE ug.user_id = u.id) FROM bench_users u ORDER BY u.id",
    w4_groups: "SELECT ug.user_id, g.id, g.name FROM bench_users_to_groups ug \
         JOIN bench_groups g ON g.id = ug.group_id WHERE ug.user_id IN (",
    w4_groups_tail: ") ORDER BY g.id",
    w5_json: "SELECT u.id, u.name, u.email, (SELECT json_group_array(json_array(p.id, p.user_id, p.title, \
         json((SELECT json_group_array(json_array(c.id, c.post_id, c.body) ORDER BY c.id) FROM bench_comments c \
         WHERE c.post_id = p.id))) ORDER BY p.id) FROM bench_posts p WHERE p.user_id = u.id) FROM bench_users u",
    w5_posts: "SELECT id, user_id, title FROM bench_posts WHERE user_id IN (",
    w5_comments: "SELECT id, post_id, body FROM bench_comments WHERE post_id IN (",
    w5_tail: ") ORDER BY id",
    w6_one: "INSERT INTO bench_inserts (name, email) VALUES (?, ?)",
    w7: "SELECT u.id, u.name, COUNT(*) FROM bench_users u JOIN bench_posts p ON p.user_id = u.id \
         GROUP BY u.id, u.name HAVING COUNT(*) >= ? ORDER BY u.id",
};

/// PostgreSQL.
pub const POSTGRES: Sqls = Sqls {
    w1: "SELECT id, name, email FROM bench_users WHERE id = $1",
    w3: "SELECT u.id, u.name, u.email, p.id, p.user_id, p.title FROM bench_users u \
         LEFT JOIN bench_posts p ON p.user_id = u.id WHERE u.id <= $1",
    w4_json_page: "SELECT u.id, u.name, u.email, COALESCE((SELECT json_agg(json_build_array(g.id, g.name) ORDER BY g.id) \
         FROM bench_users_to_groups ug JOIN bench_groups g ON g.id = ug.group_id \
         WHERE ug.user_id = u.id), '[]')::text FROM bench_users u ORDER BY u.id LIMIT 100",
    w4_json_all: "SELECT u.id, u.name, u.email, COALESCE((SELECT json_agg(json_build_array(g.id, g.name) ORDER BY g.id) \
         FROM bench_users_to_groups ug JOIN bench_groups g ON g.id = ug.group_id \
         WHERE ug.user_id = u.id), '[]')::text FROM bench_users u ORDER BY u.id",
    w4_groups: "SELECT ug.user_id, g.id, g.name FROM bench_users_to_groups ug \
         JOIN bench_groups g ON g.id = ug.group_id WHERE ug.user_id = ANY($1) ORDER BY g.id",
    w4_groups_tail: "",
    w5_json: "SELECT u.id, u.name, u.email, COALESCE((SELECT json_agg(json_build_array(p.id, p.user_id, p.title, \
         COALESCE((SELECT json_agg(json_build_array(c.id, c.post_id, c.body) ORDER BY c.id) FROM bench_comments c \
         WHERE c.post_id = p.id), '[]')) ORDER BY p.id) FROM bench_posts p WHERE p.user_id = u.id), '[]')::text \
         FROM bench_users u",
    w5_posts: "SELECT id, user_id, title FROM bench_posts WHERE user_id = ANY($1) ORDER BY id",
    w5_comments: "SELECT id, post_id, body FROM bench_comments WHERE post_id = ANY($1) ORDER BY id",
    w5_tail: "",
    w6_one: "INSERT INTO bench_inserts (name, email) VALUES ($1, $2)",
    w7: "SELECT u.id, u.name, COUNT(*) FROM bench_users u JOIN bench_posts p ON p.user_id = u.id \
         GROUP BY u.id, u.name HAVING COUNT(*) >= $1 ORDER BY u.id",
};

/// MariaDB.
pub const MYSQL: Sqls = Sqls {
    w1: "SELECT id, name, email FROM bench_users WHERE id = ?",
    w3: "SELECT u.id, u.name, u.email, p.id, p.user_id, p.title FROM bench_users u \
         LEFT JOIN bench_posts p ON p.user_id = u.id WHERE u.id <= ?",
    w4_json_page: "SELECT u.id, u.name, u.email, COALESCE((SELECT JSON_ARRAYAGG(JSON_ARRAY(g.id, g.name) ORDER BY g.id) \
         FROM bench_users_to_groups ug JOIN bench_groups g ON g.id = ug.group_id \
         WHERE ug.user_id = u.id), JSON_ARRAY()) FROM bench_users u ORDER BY u.id LIMIT 100",
    w4_json_all: "SELECT u.id, u.name, u.email, COALESCE((SELECT JSON_ARRAYAGG(JSON_ARRAY(g.id, g.name) ORDER BY g.id) \
         FROM bench_users_to_groups ug JOIN bench_groups g ON g.id = ug.group_id \
         WHERE ug.user_id = u.id), JSON_ARRAY()) FROM bench_users u ORDER BY u.id",
    w4_groups: "SELECT ug.user_id, g.id, g.name FROM bench_users_to_groups ug \
         JOIN bench_groups g ON g.id = ug.group_id WHERE ug.user_id IN (",
    w4_groups_tail: ") ORDER BY g.id",
    w5_json: "SELECT u.id, u.name, u.email, COALESCE((SELECT JSON_ARRAYAGG(JSON_ARRAY(p.id, p.user_id, p.title, \
         COALESCE((SELECT JSON_ARRAYAGG(JSON_ARRAY(c.id, c.post_id, c.body) ORDER BY c.id) FROM bench_comments c \
         WHERE c.post_id = p.id), JSON_ARRAY())) ORDER BY p.id) FROM bench_posts p WHERE p.user_id = u.id), JSON_ARRAY()) \
         FROM bench_users u",
    w5_posts: "SELECT id, user_id, title FROM bench_posts WHERE user_id IN (",
    w5_comments: "SELECT id, post_id, body FROM bench_comments WHERE post_id IN (",
    w5_tail: ") ORDER BY id",
    w6_one: "INSERT INTO bench_inserts (name, email) VALUES (?, ?)",
    w7: "SELECT u.id, u.name, COUNT(*) FROM bench_users u JOIN bench_posts p ON p.user_id = u.id \
         GROUP BY u.id, u.name HAVING COUNT(*) >= ? ORDER BY u.id",
};

/// The same code for each backend's types. `$keys` binds a list of keys: an array on
/// PostgreSQL, an `IN (…)` list elsewhere.
macro_rules! raw_sqlx {
    ($module:ident, $db:ty, $sql:expr, keys = $keys:ident) => {
        /// Raw sqlx for one backend.
        pub mod $module {
            use super::*;
            use sqlx::{QueryBuilder, Row as _};

            type Db = $db;
            type P = sqlx::Pool<Db>;
            const SQL: &Sqls = &$sql;

            fn user(row: &<Db as sqlx::Database>::Row) -> RUser {
                RUser {
                    id: row.try_get(0).expect("id"),
                    name: row.try_get(1).expect("name"),
                    email: row.try_get(2).expect("email"),
                }
            }

            /// W1.
            pub fn point_lookup(pool: P) -> Run {
                let mut k = 0;
                Run::future(move || {
                    let id = check::lookup_id(k);
                    k += 1;
                    let pool = pool.clone();
                    Box::pin(async move {
                        let row = sqlx::query(SQL.w1)
                            .bind(id)
                            .fetch_optional(&pool)
                            .await
                            .expect("sqlx W1")
                            .expect("the user exists");
                        let u = user(&row);
                        check::user(u.id, &u.name, u.email.as_deref())
                    })
                })
            }

            /// W1 on a connection held for good (no pool checkout): for scale.
            pub fn point_lookup_held(pool: P) -> Run {
                let conn = std::rc::Rc::new(tokio::sync::Mutex::new(None));
                let mut k = 0;
                Run::future(move || {
                    let id = check::lookup_id(k);
                    k += 1;
                    let (pool, conn) = (pool.clone(), conn.clone());
                    Box::pin(async move {
                        let mut guard = conn.lock().await;
                        if guard.is_none() {
                            *guard = Some(pool.acquire().await.expect("acquire").detach());
                        }
                        let c = guard.as_mut().expect("connection");
                        let row = sqlx::query(SQL.w1)
                            .bind(id)
                            .fetch_one(&mut *c)
                            .await
                            .expect("sqlx W1");
                        let u = user(&row);
                        check::user(u.id, &u.name, u.email.as_deref())
                    })
                })
            }

            /// W2.
            pub fn scan(pool: P, limit: Option<u64>) -> Run {
                let sql = match limit {
                    Some(n) => {
                        assert_eq!(n, 100, "the SQL says LIMIT 100");
                        USERS_LIMIT
                    }
                    None => USERS,
                };
                Run::future(move || {
                    let pool = pool.clone();
                    Box::pin(async move {
                        let users: Vec<RUser> = sqlx::query(sql)
                            .try_map(|row| Ok(user(&row)))
                            .fetch_all(&pool)
                            .await
                            .expect("sqlx W2");
                        sum_users(&users)
                    })
                })
            }

            /// W7.
            pub fn posts_per_user(pool: P) -> Run {
                Run::future(move || {
                    let pool = pool.clone();
                    Box::pin(async move {
                        let rows: Vec<(i64, String, i64)> = sqlx::query(SQL.w7)
                            .bind(W7_MIN_POSTS)
                            .try_map(|row: <Db as sqlx::Database>::Row| {
                                Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
                            })
                            .fetch_all(&pool)
                            .await
                            .expect("sqlx W7");
                        rows.iter()
                            .map(|(id, name, n)| check::child(*id, *n, name))
                            .sum()
                    })
                })
            }

            /// W3.
            pub fn left_join(pool: P) -> Run {
                Run::future(move || {
                    let pool = pool.clone();
                    Box::pin(async move {
                        let rows: Vec<(RUser, Option<RPost>)> = sqlx::query(SQL.w3)
                            .bind(W3_MAX_USER)
                            .try_map(|row: <Db as sqlx::Database>::Row| {
                                let post = match row.try_get::<Option<i64>, _>(3)? {
                                    Some(id) => Some(RPost {
                                        id,
                                        user_id: row.try_get(4)?,
                                        title: row.try_get(5)?,
                                    }),
                                    None => None,
                                };
                                Ok((user(&row), post))
                            })
                            .fetch_all(&pool)
                            .await
                            .expect("sqlx W3");
                        rows.iter()
                            .map(|(u, p)| {
                                check::user(u.id, &u.name, u.email.as_deref())
                                    + p.as_ref()
                                        .map_or(0, |p| check::child(p.user_id, p.id, &p.title))
                            })
                            .sum()
                    })
                })
            }

            /// W4 in one statement: JSON arrays aggregated per user, parsed by typed serde.
            pub fn many_to_many_json(pool: P, page: bool) -> Run {
                let sql = if page {
                    SQL.w4_json_page
                } else {
                    SQL.w4_json_all
                };
                Run::future(move || {
                    let pool = pool.clone();
                    Box::pin(async move {
                        let users: Vec<(RUser, Vec<RGroup>)> = sqlx::query(sql)
                            .try_map(|row: <Db as sqlx::Database>::Row| {
                                let json: &str = row.try_get(3)?;
                                let groups = serde_json::from_str(json)
                                    .map_err(|e| sqlx::Error::Decode(e.into()))?;
                                Ok((user(&row), groups))
                            })
                            .fetch_all(&pool)
                            .await
                            .expect("sqlx W4 json");
                        sum_user_groups(users.iter().map(|(u, g)| (u, g.as_slice())))
                    })
                })
            }

            /// W4 batched: the users, then every user's groups in one statement, on one
            /// connection.
            pub fn many_to_many_batched(pool: P, page: bool) -> Run {
                let sql = if page {
                    USERS_ORDERED_LIMIT
                } else {
                    USERS_ORDERED
                };
                Run::future(move || {
                    let pool = pool.clone();
                    Box::pin(async move {
                        let mut conn = pool.acquire().await.expect("acquire");
                        let users: Vec<RUser> = sqlx::query(sql)
                            .try_map(|row| Ok(user(&row)))
                            .fetch_all(&mut *conn)
                            .await
                            .expect("sqlx W4 users");
                        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                        let mut by_user: HashMap<i64, Vec<RGroup>> =
                            HashMap::with_capacity(ids.len());
                        $keys!(SQL.w4_groups, ids, SQL.w4_groups_tail)
                            .try_map(|row: <Db as sqlx::Database>::Row| {
                                Ok((
                                    row.try_get::<i64, _>(0)?,
                                    RGroup {
                                        id: row.try_get(1)?,
                                        name: row.try_get(2)?,
                                    },
                                ))
                            })
                            .fetch_all(&mut *conn)
                            .await
                            .expect("sqlx W4 groups")
                            .into_iter()
                            .for_each(|(user, g)| by_user.entry(user).or_default().push(g));
                        let loaded: Vec<(RUser, Vec<RGroup>)> = users
                            .into_iter()
                            .map(|u| {
                                let groups = by_user.remove(&u.id).unwrap_or_default();
                                (u, groups)
                            })
                            .collect();
                        sum_user_groups(loaded.iter().map(|(u, g)| (u, g.as_slice())))
                    })
                })
            }

            /// W5 in one statement: nested JSON parsed by typed serde.
            pub fn nested_json(pool: P) -> Run {
                Run::future(move || {
                    let pool = pool.clone();
                    Box::pin(async move {
                        let users: Vec<(RUser, Vec<RPostJson>)> = sqlx::query(SQL.w5_json)
                            .try_map(|row: <Db as sqlx::Database>::Row| {
                                let json: &str = row.try_get(3)?;
                                let posts = serde_json::from_str(json)
                                    .map_err(|e| sqlx::Error::Decode(e.into()))?;
                                Ok((user(&row), posts))
                            })
                            .fetch_all(&pool)
                            .await
                            .expect("sqlx W5 json");
                        users
                            .iter()
                            .map(|(u, posts)| {
                                check::user(u.id, &u.name, u.email.as_deref())
                                    + posts
                                        .iter()
                                        .map(|p| {
                                            check::child(p.user_id, p.id, &p.title)
                                                + sum_comments(p.id, &p.comments)
                                        })
                                        .sum::<u64>()
                            })
                            .sum()
                    })
                })
            }

            /// W5 batched: three statements on one connection.
            pub fn nested_batched(pool: P) -> Run {
                Run::future(move || {
                    let pool = pool.clone();
                    Box::pin(async move {
                        let mut conn = pool.acquire().await.expect("acquire");
                        let users: Vec<RUser> = sqlx::query(USERS)
                            .try_map(|row| Ok(user(&row)))
                            .fetch_all(&mut *conn)
                            .await
                            .expect("sqlx W5 users");
                        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                        let posts: Vec<RPost> = $keys!(SQL.w5_posts, ids, SQL.w5_tail)
                            .try_map(|row: <Db as sqlx::Database>::Row| {
                                Ok(RPost {
                                    id: row.try_get(0)?,
                                    user_id: row.try_get(1)?,
                                    title: row.try_get(2)?,
                                })
                            })
                            .fetch_all(&mut *conn)
                            .await
                            .expect("sqlx W5 posts");
                        let post_ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
                        let mut by_post: HashMap<i64, Vec<RComment>> =
                            HashMap::with_capacity(post_ids.len());
                        $keys!(SQL.w5_comments, post_ids, SQL.w5_tail)
                            .try_map(|row: <Db as sqlx::Database>::Row| {
                                Ok(RComment {
                                    id: row.try_get(0)?,
                                    post_id: row.try_get(1)?,
                                    body: row.try_get(2)?,
                                })
                            })
                            .fetch_all(&mut *conn)
                            .await
                            .expect("sqlx W5 comments")
                            .into_iter()
                            .for_each(|c| by_post.entry(c.post_id).or_default().push(c));
                        let mut by_user: HashMap<i64, Vec<RPostWith>> =
                            HashMap::with_capacity(ids.len());
                        for post in posts {
                            let comments = by_post.remove(&post.id).unwrap_or_default();
                            by_user
                                .entry(post.user_id)
                                .or_default()
                                .push(RPostWith { post, comments });
                        }
                        let loaded: Vec<(RUser, Vec<RPostWith>)> = users
                            .into_iter()
                            .map(|u| {
                                let posts = by_user.remove(&u.id).unwrap_or_default();
                                (u, posts)
                            })
                            .collect();
                        loaded
                            .iter()
                            .map(|(u, posts)| {
                                check::user(u.id, &u.name, u.email.as_deref())
                                    + posts
                                        .iter()
                                        .map(|p| {
                                            check::child(u.id, p.post.id, &p.post.title)
                                                + sum_comments(p.post.id, &p.comments)
                                        })
                                        .sum::<u64>()
                            })
                            .sum()
                    })
                })
            }

            fn values(rows: &[(String, Option<String>)]) -> QueryBuilder<Db> {
                let mut qb = QueryBuilder::new("INSERT INTO bench_inserts (name, email) ");
                qb.push_values(rows, |mut b, (name, email)| {
                    b.push_bind(name.as_str()).push_bind(email.as_deref());
                });
                qb
            }

            /// W6 with multi-row `VALUES` (borrowing the shared rows).
            pub fn insert(pool: P, rows: Rc<Vec<(String, Option<String>)>>, tx: bool) -> Run {
                Run::future(move || {
                    let (pool, rows) = (pool.clone(), rows.clone());
                    Box::pin(async move {
                        if rows.len() == 1 {
                            let (name, email) = &rows[0];
                            return sqlx::query(SQL.w6_one)
                                .bind(name.as_str())
                                .bind(email.as_deref())
                                .execute(&pool)
                                .await
                                .expect("sqlx W6")
                                .rows_affected();
                        }
                        let mut qb = values(&rows);
                        if tx {
                            let mut tx = pool.begin().await.expect("begin");
                            let n = qb
                                .build()
                                .execute(&mut *tx)
                                .await
                                .expect("sqlx W6")
                                .rows_affected();
                            tx.commit().await.expect("commit");
                            n
                        } else {
                            qb.build()
                                .execute(&pool)
                                .await
                                .expect("sqlx W6")
                                .rows_affected()
                        }
                    })
                })
            }
        }
    };
}

macro_rules! in_list {
    ($sql:expr, $ids:expr, $tail:expr) => {{
        use sqlx::Arguments as _;
        let mut sql = String::with_capacity($sql.len() + $ids.len() * 3 + $tail.len());
        sql.push_str($sql);
        let mut args = <Db as sqlx::Database>::Arguments::default();
        for (i, id) in $ids.iter().enumerate() {
            sql.push_str(if i == 0 { "?" } else { ", ?" });
            args.add(*id).expect("bind");
        }
        sql.push_str($tail);
        sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
    }};
}

macro_rules! any_array {
    ($sql:expr, $ids:expr, $tail:expr) => {
        sqlx::query($sql).bind(&$ids)
    };
}

raw_sqlx!(sqlite, sqlx::Sqlite, SQLITE, keys = in_list);
raw_sqlx!(postgres, sqlx::Postgres, POSTGRES, keys = any_array);
raw_sqlx!(mysql, sqlx::MySql, MYSQL, keys = in_list);

/// W6 on PostgreSQL with `UNNEST` of two array binds: one statement whatever the row count.
pub fn insert_unnest(pool: sqlx::PgPool, rows: Rc<Vec<(String, Option<String>)>>, tx: bool) -> Run {
    Run::future(move || {
        let (pool, rows) = (pool.clone(), rows.clone());
        Box::pin(async move {
            let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
            let emails: Vec<Option<&str>> = rows.iter().map(|r| r.1.as_deref()).collect();
            let q = sqlx::query(
                "INSERT INTO bench_inserts (name, email) SELECT * FROM UNNEST($1::text[], $2::text[])",
            )
            .bind(&names)
            .bind(&emails);
            if tx {
                let mut tx = pool.begin().await.expect("begin");
                let n = q.execute(&mut *tx).await.expect("sqlx W6").rows_affected();
                tx.commit().await.expect("commit");
                n
            } else {
                q.execute(&pool).await.expect("sqlx W6").rows_affected()
            }
        })
    })
}
