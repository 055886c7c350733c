//! Diesel 2 (blocking, SQLite and PostgreSQL) and diesel-async (PostgreSQL): `table!` schemas
//! over the same tables, `belonging_to` + `grouped_by` for relations (Diesel's documented way),
//! batch `insert_into(…).values(&rows)`.

use std::cell::RefCell;
use std::rc::Rc;

use diesel::prelude::*;

use super::check;
use super::data::{Rows, W3_MAX_USER, W4_PAGE, W7_MIN_POSTS};
use super::harness::Run;

/// The tables.
pub mod schema {
    diesel::table! {
        bench_users (id) {
            id -> BigInt,
            name -> Text,
            email -> Nullable<Text>,
        }
    }
    diesel::table! {
        bench_groups (id) {
            id -> BigInt,
            name -> Text,
        }
    }
    diesel::table! {
        bench_users_to_groups (user_id, group_id) {
            user_id -> BigInt,
            group_id -> BigInt,
        }
    }
    diesel::table! {
        bench_posts (id) {
            id -> BigInt,
            user_id -> BigInt,
            title -> Text,
        }
    }
    diesel::table! {
        bench_comments (id) {
            id -> BigInt,
            post_id -> BigInt,
            body -> Text,
        }
    }
    diesel::table! {
        bench_inserts (id) {
            id -> BigInt,
            name -> Text,
            email -> Nullable<Text>,
        }
    }
    diesel::joinable!(bench_posts -> bench_users (user_id));
    diesel::joinable!(bench_comments -> bench_posts (post_id));
    diesel::joinable!(bench_users_to_groups -> bench_users (user_id));
    diesel::joinable!(bench_users_to_groups -> bench_groups (group_id));
    diesel::allow_tables_to_appear_in_same_query!(
        bench_users,
        bench_groups,
        bench_users_to_groups,
        bench_posts,
        bench_comments,
    );
}

use schema::*;

/// A user.
#[derive(Queryable, Selectable, Identifiable, Debug)]
#[diesel(table_name = bench_users)]
pub struct DUser {
    /// Key.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Nullable.
    pub email: Option<String>,
}

/// A group.
#[derive(Queryable, Selectable, Identifiable, Debug)]
#[diesel(table_name = bench_groups)]
pub struct DGroup {
    /// Key.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// A membership.
#[derive(Queryable, Selectable, Identifiable, Associations, Debug)]
#[diesel(table_name = bench_users_to_groups, primary_key(user_id, group_id))]
#[diesel(belongs_to(DUser, foreign_key = user_id))]
#[diesel(belongs_to(DGroup, foreign_key = group_id))]
pub struct DUserGroup {
    /// User.
    pub user_id: i64,
    /// Group.
    pub group_id: i64,
}

/// A post.
#[derive(Queryable, Selectable, Identifiable, Associations, Debug)]
#[diesel(table_name = bench_posts, belongs_to(DUser, foreign_key = user_id))]
pub struct DPost {
    /// Key.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Title.
    pub title: String,
}

/// A comment.
#[derive(Queryable, Selectable, Identifiable, Associations, Debug)]
#[diesel(table_name = bench_comments, belongs_to(DPost, foreign_key = post_id))]
pub struct DComment {
    /// Key.
    pub id: i64,
    /// Post.
    pub post_id: i64,
    /// Text.
    pub body: String,
}

/// An insert, borrowing the shared rows; `None` is NULL (not `DEFAULT`), so SQLite gets one
/// multi-row statement too.
#[derive(Insertable)]
#[diesel(table_name = bench_inserts, treat_none_as_default_value = false)]
pub struct DNewInsert<'a> {
    /// Name.
    pub name: &'a str,
    /// Nullable.
    pub email: Option<&'a str>,
}

fn user_sum(u: &DUser) -> u64 {
    check::user(u.id, &u.name, u.email.as_deref())
}

fn sum_user_groups(users: &[DUser], groups: &[Vec<(DUserGroup, DGroup)>]) -> u64 {
    users
        .iter()
        .zip(groups)
        .map(|(u, gs)| {
            user_sum(u)
                + gs.iter()
                    .map(|(_, g)| check::child(u.id, g.id, &g.name))
                    .sum::<u64>()
        })
        .sum()
}

fn sum_nested(users: &[DUser], posts: &[Vec<(DPost, Vec<DComment>)>]) -> u64 {
    users
        .iter()
        .zip(posts)
        .map(|(u, ps)| {
            user_sum(u)
                + ps.iter()
                    .map(|(p, cs)| {
                        check::child(u.id, p.id, &p.title)
                            + cs.iter()
                                .map(|c| check::child(p.id, c.id, &c.body))
                                .sum::<u64>()
                    })
                    .sum::<u64>()
        })
        .sum()
}

fn new_row((name, email): &(String, Option<String>)) -> DNewInsert<'_> {
    DNewInsert {
        name,
        email: email.as_deref(),
    }
}

fn new_rows(rows: &[(String, Option<String>)]) -> Vec<DNewInsert<'_>> {
    rows.iter().map(new_row).collect()
}

/// Blocking Diesel for one connection type.
macro_rules! diesel_sync {
    ($module:ident, $conn:ty) => {
        /// Blocking Diesel.
        pub mod $module {
            use super::*;

            type Conn = Rc<RefCell<$conn>>;

            /// W1.
            pub fn point_lookup(conn: Conn) -> Run {
                let mut k = 0;
                Run::blocking(move || {
                    let id = check::lookup_id(k);
                    k += 1;
                    let u: DUser = bench_users::table
                        .find(id)
                        .select(DUser::as_select())
                        .first(&mut *conn.borrow_mut())
                        .expect("Diesel W1");
                    user_sum(&u)
                })
            }

            /// W2.
            pub fn scan(conn: Conn, limit: Option<u64>) -> Run {
                Run::blocking(move || {
                    let c = &mut *conn.borrow_mut();
                    let q = bench_users::table.select(DUser::as_select());
                    let users: Vec<DUser> = match limit {
                        Some(n) => q.limit(n as i64).load(c),
                        None => q.load(c),
                    }
                    .expect("Diesel W2");
                    users.iter().map(user_sum).sum()
                })
            }

            /// W3.
            pub fn left_join(conn: Conn) -> Run {
                Run::blocking(move || {
                    let rows: Vec<(DUser, Option<DPost>)> = bench_users::table
                        .left_join(bench_posts::table)
                        .filter(bench_users::id.le(W3_MAX_USER))
                        .select((DUser::as_select(), Option::<DPost>::as_select()))
                        .load(&mut *conn.borrow_mut())
                        .expect("Diesel W3");
                    rows.iter()
                        .map(|(u, p)| {
                            user_sum(u)
                                + p.as_ref()
                                    .map_or(0, |p| check::child(p.user_id, p.id, &p.title))
                        })
                        .sum()
                })
            }

            /// W7: `group_by` + `having(count_star()…)`.
            pub fn posts_per_user(conn: Conn) -> Run {
                Run::blocking(move || {
                    let rows: Vec<(i64, String, i64)> = bench_users::table
                        .inner_join(bench_posts::table)
                        .group_by((bench_users::id, bench_users::name))
                        .having(diesel::dsl::count_star().ge(W7_MIN_POSTS))
                        .select((
                            bench_users::id,
                            bench_users::name,
                            diesel::dsl::count_star(),
                        ))
                        .order(bench_users::id)
                        .load(&mut *conn.borrow_mut())
                        .expect("Diesel W7");
                    rows.iter()
                        .map(|(id, name, n)| check::child(*id, *n, name))
                        .sum()
                })
            }

            /// W4: users, then `belonging_to` through the junction, `grouped_by`.
            pub fn many_to_many(conn: Conn, page: bool) -> Run {
                Run::blocking(move || {
                    let c = &mut *conn.borrow_mut();
                    let q = bench_users::table
                        .order(bench_users::id)
                        .select(DUser::as_select());
                    let users: Vec<DUser> = if page {
                        q.limit(W4_PAGE as i64).load(c)
                    } else {
                        q.load(c)
                    }
                    .expect("Diesel W4 users");
                    let links: Vec<(DUserGroup, DGroup)> = DUserGroup::belonging_to(&users)
                        .inner_join(bench_groups::table)
                        .order(bench_groups::id)
                        .select((DUserGroup::as_select(), DGroup::as_select()))
                        .load(c)
                        .expect("Diesel W4 groups");
                    let groups = links.grouped_by(&users);
                    sum_user_groups(&users, &groups)
                })
            }

            /// W5: three queries, `grouped_by` twice.
            pub fn nested(conn: Conn) -> Run {
                Run::blocking(move || {
                    let c = &mut *conn.borrow_mut();
                    let users: Vec<DUser> = bench_users::table
                        .select(DUser::as_select())
                        .load(c)
                        .expect("Diesel W5 users");
                    let posts: Vec<DPost> = DPost::belonging_to(&users)
                        .order(bench_posts::id)
                        .select(DPost::as_select())
                        .load(c)
                        .expect("Diesel W5 posts");
                    let comments: Vec<DComment> = DComment::belonging_to(&posts)
                        .order(bench_comments::id)
                        .select(DComment::as_select())
                        .load(c)
                        .expect("Diesel W5 comments");
                    let comments = comments.grouped_by(&posts);
                    let posts: Vec<(DPost, Vec<DComment>)> =
                        posts.into_iter().zip(comments).collect();
                    let posts = posts.grouped_by(&users);
                    sum_nested(&users, &posts)
                })
            }

            /// W6.
            pub fn insert(conn: Conn, rows: Rc<Vec<(String, Option<String>)>>, tx: bool) -> Run {
                Run::blocking(move || {
                    let c = &mut *conn.borrow_mut();
                    let n = if let [row] = rows.as_slice() {
                        diesel::insert_into(bench_inserts::table)
                            .values(&new_row(row))
                            .execute(c)
                    } else if tx {
                        let values = new_rows(&rows);
                        c.transaction(|c| {
                            diesel::insert_into(bench_inserts::table)
                                .values(&values)
                                .execute(c)
                        })
                    } else {
                        diesel::insert_into(bench_inserts::table)
                            .values(&new_rows(&rows))
                            .execute(c)
                    };
                    n.expect("Diesel W6") as u64
                })
            }
        }
    };
}

diesel_sync!(sqlite, diesel::SqliteConnection);
diesel_sync!(postgres, diesel::PgConnection);

/// Empties Diesel's SQLite insert table.
pub fn truncate_sqlite(conn: Rc<RefCell<diesel::SqliteConnection>>) -> Run {
    Run::blocking(move || {
        diesel::delete(bench_inserts::table)
            .execute(&mut *conn.borrow_mut())
            .expect("delete");
        0
    })
}

/// Inserts `rows` (tuples in the column order given) into `table`, 5,000 rows per statement.
macro_rules! insert_chunks {
    ($c:expr, $table:ident ($($col:ident),+), $rows:expr) => {
        for chunk in $rows.chunks(5000) {
            let values: Vec<_> = chunk
                .iter()
                .map(|($($col),+)| ($($table::$col.eq($col)),+))
                .collect();
            diesel::insert_into($table::table).values(values).execute($c)?;
        }
    };
}

/// Fills Diesel's own SQLite database with `rows` (the schema is weft's DDL, so the tables,
/// keys and indexes are the same).
pub fn seed_sqlite(c: &mut diesel::SqliteConnection, rows: &Rows) -> QueryResult<()> {
    let metas = <crate::AllTables as weft::Tables>::metas();
    for meta in metas.iter().rev() {
        diesel::sql_query(weft::drop_table_sql(meta, weft::Backend::Sqlite)).execute(c)?;
    }
    for meta in weft::in_dependency_order(&metas) {
        for ddl in weft::create_table_sql(meta, weft::Backend::Sqlite) {
            diesel::sql_query(ddl).execute(c)?;
        }
    }
    c.transaction(|c| {
        insert_chunks!(c, bench_users(id, name, email), rows.users);
        insert_chunks!(c, bench_groups(id, name), rows.groups);
        insert_chunks!(c, bench_users_to_groups(user_id, group_id), rows.links);
        insert_chunks!(c, bench_posts(id, user_id, title), rows.posts);
        insert_chunks!(c, bench_comments(id, post_id, body), rows.comments);
        Ok::<(), diesel::result::Error>(())
    })?;
    // As `cases::seed` does for the other databases.
    diesel::sql_query("VACUUM").execute(c)?;
    diesel::sql_query("ANALYZE").execute(c)?;
    Ok(())
}

/// diesel-async on PostgreSQL.
pub mod pg_async {
    use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};

    use super::*;

    type Conn = Rc<tokio::sync::Mutex<AsyncPgConnection>>;

    /// W1.
    pub fn point_lookup(conn: Conn) -> Run {
        let mut k = 0;
        Run::future(move || {
            let id = check::lookup_id(k);
            k += 1;
            let conn = conn.clone();
            Box::pin(async move {
                let mut c = conn.lock().await;
                let u: DUser = bench_users::table
                    .find(id)
                    .select(DUser::as_select())
                    .first(&mut *c)
                    .await
                    .expect("diesel-async W1");
                user_sum(&u)
            })
        })
    }

    /// W2.
    pub fn scan(conn: Conn, limit: Option<u64>) -> Run {
        Run::future(move || {
            let conn = conn.clone();
            Box::pin(async move {
                let mut c = conn.lock().await;
                let q = bench_users::table.select(DUser::as_select());
                let users: Vec<DUser> = match limit {
                    Some(n) => q.limit(n as i64).load(&mut *c).await,
                    None => q.load(&mut *c).await,
                }
                .expect("diesel-async W2");
                users.iter().map(user_sum).sum()
            })
        })
    }

    /// W3.
    pub fn left_join(conn: Conn) -> Run {
        Run::future(move || {
            let conn = conn.clone();
            Box::pin(async move {
                let mut c = conn.lock().await;
                let rows: Vec<(DUser, Option<DPost>)> = bench_users::table
                    .left_join(bench_posts::table)
                    .filter(bench_users::id.le(W3_MAX_USER))
                    .select((DUser::as_select(), Option::<DPost>::as_select()))
                    .load(&mut *c)
                    .await
                    .expect("diesel-async W3");
                rows.iter()
                    .map(|(u, p)| {
                        user_sum(u)
                            + p.as_ref()
                                .map_or(0, |p| check::child(p.user_id, p.id, &p.title))
                    })
                    .sum()
            })
        })
    }

    /// W7.
    pub fn posts_per_user(conn: Conn) -> Run {
        Run::future(move || {
            let conn = conn.clone();
            Box::pin(async move {
                let mut c = conn.lock().await;
                let rows: Vec<(i64, String, i64)> = bench_users::table
                    .inner_join(bench_posts::table)
                    .group_by((bench_users::id, bench_users::name))
                    .having(diesel::dsl::count_star().ge(W7_MIN_POSTS))
                    .select((
                        bench_users::id,
                        bench_users::name,
                        diesel::dsl::count_star(),
                    ))
                    .order(bench_users::id)
                    .load(&mut *c)
                    .await
                    .expect("diesel-async W7");
                rows.iter()
                    .map(|(id, name, n)| check::child(*id, *n, name))
                    .sum()
            })
        })
    }

    /// W4.
    pub fn many_to_many(conn: Conn, page: bool) -> Run {
        Run::future(move || {
            let conn = conn.clone();
            Box::pin(async move {
                let mut c = conn.lock().await;
                let q = bench_users::table
                    .order(bench_users::id)
                    .select(DUser::as_select());
                let users: Vec<DUser> = if page {
                    q.limit(W4_PAGE as i64).load(&mut *c).await
                } else {
                    q.load(&mut *c).await
                }
                .expect("diesel-async W4 users");
                let links: Vec<(DUserGroup, DGroup)> = DUserGroup::belonging_to(&users)
                    .inner_join(bench_groups::table)
                    .order(bench_groups::id)
                    .select((DUserGroup::as_select(), DGroup::as_select()))
                    .load(&mut *c)
                    .await
                    .expect("diesel-async W4 groups");
                let groups = links.grouped_by(&users);
                sum_user_groups(&users, &groups)
            })
        })
    }

    /// W5.
    pub fn nested(conn: Conn) -> Run {
        Run::future(move || {
            let conn = conn.clone();
            Box::pin(async move {
                let mut c = conn.lock().await;
                let users: Vec<DUser> = bench_users::table
                    .select(DUser::as_select())
                    .load(&mut *c)
                    .await
                    .expect("diesel-async W5 users");
                let posts: Vec<DPost> = DPost::belonging_to(&users)
                    .order(bench_posts::id)
                    .select(DPost::as_select())
                    .load(&mut *c)
                    .await
                    .expect("diesel-async W5 posts");
                let comments: Vec<DComment> = DComment::belonging_to(&posts)
                    .order(bench_comments::id)
                    .select(DComment::as_select())
                    .load(&mut *c)
                    .await
                    .expect("diesel-async W5 comments");
                let comments = comments.grouped_by(&posts);
                let posts: Vec<(DPost, Vec<DComment>)> = posts.into_iter().zip(comments).collect();
                let posts = posts.grouped_by(&users);
                sum_nested(&users, &posts)
            })
        })
    }

    /// W6.
    pub fn insert(conn: Conn, rows: Rc<Vec<(String, Option<String>)>>, tx: bool) -> Run {
        Run::future(move || {
            let (conn, rows) = (conn.clone(), rows.clone());
            Box::pin(async move {
                let mut c = conn.lock().await;
                let n = if let [row] = rows.as_slice() {
                    diesel::insert_into(bench_inserts::table)
                        .values(&new_row(row))
                        .execute(&mut *c)
                        .await
                } else if tx {
                    let values = &new_rows(&rows);
                    c.transaction(async |c| {
                        diesel::insert_into(bench_inserts::table)
                            .values(values)
                            .execute(c)
                            .await
                    })
                    .await
                } else {
                    diesel::insert_into(bench_inserts::table)
                        .values(&new_rows(&rows))
                        .execute(&mut *c)
                        .await
                };
                n.expect("diesel-async W6") as u64
            })
        })
    }
}
