//! The workloads: which data each needs, and every contestant of each on one backend.

use std::rc::Rc;

use weft::{Backend, Strategy};

use super::data::{Dataset, insert_rows};
use super::env::{Env, Pool};
use super::harness::{Case, Contestant, Lib, ResetEvery};
use super::{diesel_impl, seaorm_impl, sqlx_impl, weft_impl};

/// Every data set, in the order the summary runs them.
pub const DATASETS: [Dataset; 5] = [
    Dataset::Users,
    Dataset::UsersPosts,
    Dataset::UsersGroups,
    Dataset::Nested,
    Dataset::Empty,
];

/// `insert_many` of `rows` (nothing when there are none).
async fn insert_all<R: weft::Insertable>(
    db: &weft::Db,
    rows: impl ExactSizeIterator<Item = R>,
) -> weft::Result<()> {
    if rows.len() > 0 {
        weft::insert_many(rows).execute(db).await?;
    }
    Ok(())
}

/// Drops and recreates every benchmark table, fills it with `dataset`'s rows (through weft on
/// the seeding pool, through Diesel on Diesel's own SQLite database), compacts the tables
/// (SQLite's `VACUUM`, PostgreSQL's `VACUUM`) and refreshes the planner's statistics.
///
/// Each dataset is seeded over the tables of the one before, so a SQLite database's pages
/// come from its free list in an order that depends on what ran earlier in it; `VACUUM`
/// rewrites every database alike (weft's own SQLite W5 went from 3.87–4.01 ms to 3.76 ms
/// with it, Diesel's stayed at 3.8 ms).
pub async fn seed(env: &Env, dataset: Dataset) -> Result<(), String> {
    let rows = dataset.rows();
    seed_db(env, env.db_seed, dataset, &rows).await?;
    // On SQLite weft's native driver has a database of its own.
    if env.db_apart {
        seed_db(env, env.db, dataset, &rows).await?;
    }
    if let Some(conn) = &env.diesel_sqlite {
        diesel_impl::seed_sqlite(&mut conn.borrow_mut(), &rows)
            .map_err(|e| format!("seeding Diesel's SQLite: {e}"))?;
    }
    Ok(())
}

/// Drops and recreates every benchmark table in `db`, fills it with `rows` and refreshes the
/// planner's statistics.
async fn seed_db(
    env: &Env,
    db: &'static weft::Db,
    dataset: Dataset,
    rows: &super::data::Rows,
) -> Result<(), String> {
    use crate::{AllTables, Comment, Group, NotLoaded, Post, User, UsersToGroups};
    let fail = |e: weft::Error| format!("seeding {dataset:?} on {}: {e}", env.name);
    db.drop_tables::<AllTables>().await.map_err(fail)?;
    db.create_tables::<AllTables>().await.map_err(fail)?;
    let users = rows.users.iter().map(|(id, name, email)| User {
        id: *id,
        name: name.clone(),
        email: email.clone(),
        groups: NotLoaded,
        posts: NotLoaded,
    });
    insert_all(db, users).await.map_err(fail)?;
    let groups = rows.groups.iter().map(|(id, name)| Group {
        id: *id,
        name: name.clone(),
    });
    insert_all(db, groups).await.map_err(fail)?;
    let links = rows
        .links
        .iter()
        .map(|&(user_id, group_id)| UsersToGroups { user_id, group_id });
    insert_all(db, links).await.map_err(fail)?;
    let posts = rows.posts.iter().map(|(id, user_id, title)| Post {
        id: *id,
        user_id: *user_id,
        title: title.clone(),
        comments: NotLoaded,
    });
    insert_all(db, posts).await.map_err(fail)?;
    let comments = rows.comments.iter().map(|(id, post_id, body)| Comment {
        id: *id,
        post_id: *post_id,
        body: body.clone(),
    });
    insert_all(db, comments).await.map_err(fail)?;
    let tables: Vec<&str> = <AllTables as weft::Tables>::metas()
        .iter()
        .map(|m| m.name)
        .collect();
    match env.backend {
        Backend::Sqlite => {
            db.execute_sql("VACUUM", Vec::new()).await.map_err(fail)?;
            db.execute_sql("ANALYZE", Vec::new()).await.map_err(fail)?;
        }
        Backend::Postgres => {
            for t in &tables {
                db.execute_sql(&format!("VACUUM ANALYZE {t}"), Vec::new())
                    .await
                    .map_err(fail)?;
            }
        }
        Backend::MySql => {
            db.execute_sql(&format!("ANALYZE TABLE {}", tables.join(", ")), Vec::new())
                .await
                .map_err(fail)?;
        }
    }
    Ok(())
}

/// Builds the raw sqlx contestant of the env's backend: `sqlx!(env, function(args…))`.
macro_rules! sqlx_for {
    ($env:expr, $f:ident($($arg:expr),*)) => {
        match &$env.pool {
            Pool::Sqlite(p) => sqlx_impl::sqlite::$f(p.clone() $(, $arg)*),
            Pool::Postgres(p) => sqlx_impl::postgres::$f(p.clone() $(, $arg)*),
            Pool::MySql(p) => sqlx_impl::mysql::$f(p.clone() $(, $arg)*),
        }
    };
}

/// Adds the Diesel contestants (blocking on SQLite and PostgreSQL, async on PostgreSQL).
macro_rules! diesel_for {
    ($list:expr, $env:expr, $f:ident($($arg:expr),*)) => {{
        if let Some(c) = &$env.diesel_sqlite {
            $list.push(Contestant::new(Lib::Diesel, "", diesel_impl::sqlite::$f(c.clone() $(, $arg)*)));
        }
        if let Some(c) = &$env.diesel_pg {
            $list.push(Contestant::new(Lib::Diesel, "", diesel_impl::postgres::$f(c.clone() $(, $arg)*)));
        }
        if let Some(c) = &$env.diesel_async {
            $list.push(Contestant::new(Lib::DieselAsync, "", diesel_impl::pg_async::$f(c.clone() $(, $arg)*)));
        }
    }};
}

/// A case; every contestant on a sqlx pool (raw sqlx's, SeaORM's) waits (untimed) for its
/// connection to be back in the pool after each run (see [`super::harness::Settle`]), unless
/// `WEFT_BENCH_NO_SETTLE` is set (to see what the wait changes).
fn case(
    workload: &'static str,
    title: &'static str,
    env: &Env,
    mut contestants: Vec<Contestant>,
) -> Case {
    let settle = std::env::var_os("WEFT_BENCH_NO_SETTLE").is_none();
    for c in &mut contestants {
        let pooled = matches!(c.lib, Lib::Weft | Lib::Sqlx | Lib::SeaOrm);
        if !settle {
            c.settle = None;
        } else if pooled && c.settle.is_none() {
            c.settle = Some(match c.lib {
                Lib::SeaOrm => env.sea_pool.settle(),
                _ => env.pool.settle(),
            });
        }
    }
    Case {
        workload,
        title,
        backend: env.name,
        contestants,
        reset_every: ResetEvery::Round,
    }
}

/// The strategy weft picks on this database for a query that loads a many-to-many relation
/// (`through`) or not, and the other one.
fn strategies(db: &weft::Db, through: bool) -> [(Strategy, &'static str); 2] {
    let default = if through {
        Strategy::default_through(db.dialect())
    } else {
        Strategy::default_for(db.dialect())
    };
    let name = |s| match s {
        Strategy::SingleStatement => "single statement",
        Strategy::Batched => "batched",
    };
    let other = match default {
        Strategy::SingleStatement => Strategy::Batched,
        Strategy::Batched => Strategy::SingleStatement,
    };
    [(default, name(default)), (other, name(other))]
}

/// The cases of `dataset` on `env`'s backend.
pub fn cases(env: &Env, dataset: Dataset) -> Vec<Case> {
    let (db, sea) = (env.db, env.sea);
    match dataset {
        Dataset::Users => {
            let mut w1 = vec![
                Contestant::new(Lib::Weft, "", weft_impl::point_lookup(db)),
                Contestant::new(Lib::Sqlx, "", sqlx_for!(env, point_lookup())),
                Contestant::new(Lib::SeaOrm, "", seaorm_impl::point_lookup(sea)),
            ];
            diesel_for!(w1, env, point_lookup());
            if !env.db_apart {
                // The same lookup over raw sqlx's pool, which pings every connection it
                // takes back (in a task, which the settle waits for, untimed).
                w1.push(
                    Contestant::new(
                        Lib::Weft,
                        "over sqlx's pool, Db::from_pool",
                        weft_impl::point_lookup(env.db_shared),
                    )
                    .info(),
                );
            }
            if !matches!(env.pool, Pool::Sqlite(_)) {
                // Detaches the pool's connection (the pool opens another for the others):
                // not on SQLite, whose in-memory database lives in that one connection.
                w1.push(
                    Contestant::new(
                        Lib::Sqlx,
                        "connection held, no pool checkout",
                        sqlx_for!(env, point_lookup_held()),
                    )
                    .info(),
                );
            }
            vec![
                case("W1", "point lookup by primary key (10,000 users)", env, w1),
                case("W2", "scan and decode 100 users", env, scan(env, Some(100))),
                case("W2", "scan and decode 10,000 users", env, scan(env, None)),
            ]
        }
        Dataset::UsersPosts => {
            let mut list = vec![
                Contestant::new(Lib::Weft, "", weft_impl::left_join(db)),
                Contestant::new(Lib::Sqlx, "", sqlx_for!(env, left_join())),
                Contestant::new(Lib::SeaOrm, "", seaorm_impl::left_join(sea)),
            ];
            diesel_for!(list, env, left_join());
            let mut w7 = vec![
                Contestant::new(Lib::Weft, "", weft_impl::posts_per_user(db)),
                Contestant::new(Lib::Sqlx, "", sqlx_for!(env, posts_per_user())),
                Contestant::new(Lib::SeaOrm, "", seaorm_impl::posts_per_user(sea)),
            ];
            diesel_for!(w7, env, posts_per_user());
            vec![
                case("W3", "users left join posts, 5,049 joined rows", env, list),
                case(
                    "W7",
                    "posts per user, GROUP BY with HAVING (1,000 users, 10,000 posts; 100 rows)",
                    env,
                    w7,
                ),
            ]
        }
        Dataset::UsersGroups => {
            vec![
                case(
                    "W4",
                    "100-user page with groups (many-to-many)",
                    env,
                    many_to_many(env, true),
                ),
                case(
                    "W4",
                    "1,000 users with groups (10,000 links)",
                    env,
                    many_to_many(env, false),
                ),
            ]
        }
        Dataset::UsersLarge => vec![case(
            "W2",
            "scan and decode 100,000 users",
            env,
            scan(env, None),
        )],
        Dataset::UsersGroupsLarge => vec![case(
            "W4",
            "10,000 users with groups (100,000 links)",
            env,
            many_to_many(env, false),
        )],
        Dataset::Nested => {
            let [(_, default_name), (other, other_name)] = strategies(env.db, false);
            let mut list = vec![
                Contestant::new(Lib::Weft, default_name, weft_impl::nested(db, None)),
                Contestant::new(Lib::Weft, other_name, weft_impl::nested(db, Some(other)))
                    .secondary(),
                Contestant::new(Lib::Sqlx, "single statement", sqlx_for!(env, nested_json())),
                Contestant::new(Lib::Sqlx, "batched", sqlx_for!(env, nested_batched())),
                Contestant::new(
                    Lib::SeaOrm,
                    "Entity Loader",
                    seaorm_impl::nested_loader(sea),
                ),
                Contestant::new(Lib::SeaOrm, "load_many", seaorm_impl::nested_load_many(sea)),
            ];
            diesel_for!(list, env, nested());
            vec![case(
                "W5",
                "100 users → 1,000 posts → 10,000 comments",
                env,
                list,
            )]
        }
        Dataset::Empty => {
            let insert = |n: usize, tx: bool, workload_title: &'static str| {
                let rows = Rc::new(insert_rows(n));
                let mut list = vec![
                    Contestant::new(Lib::Weft, "", weft_impl::insert(db, rows.clone(), tx)),
                    Contestant::new(
                        Lib::Sqlx,
                        "VALUES",
                        sqlx_for!(env, insert(rows.clone(), tx)),
                    ),
                ];
                if let (Pool::Postgres(p), true) = (&env.pool, n > 1) {
                    list.push(Contestant::new(
                        Lib::Sqlx,
                        "UNNEST",
                        sqlx_impl::insert_unnest(p.clone(), rows.clone(), tx),
                    ));
                }
                list.push(Contestant::new(
                    Lib::SeaOrm,
                    "",
                    seaorm_impl::insert(sea, rows.clone(), tx),
                ));
                diesel_for!(list, env, insert(rows.clone(), tx));
                // Every contestant empties the insert table it writes to: Diesel's own SQLite
                // database, or the server's table.
                for c in &mut list {
                    c.reset = Some(match (&env.diesel_sqlite, c.lib) {
                        (Some(conn), Lib::Diesel) => diesel_impl::truncate_sqlite(conn.clone()),
                        (_, Lib::Weft) => weft_impl::truncate_inserts(db),
                        _ => weft_impl::truncate_inserts(env.db_shared),
                    });
                }
                let mut c = case("W6", workload_title, env, list);
                if n >= 10_000 {
                    c.reset_every = ResetEvery::Sample;
                }
                c
            };
            vec![
                insert(1, false, "insert 1 row"),
                insert(100, false, "insert 100 rows in one statement"),
                insert(10_000, true, "insert 10,000 rows in one transaction"),
                // W8 (issue 10): upserts into the same table.
                super::w8::case(env),
            ]
        }
    }
}

/// W2: `limit` users (all when `None`), every library.
fn scan(env: &Env, n: Option<u64>) -> Vec<Contestant> {
    let mut list = vec![
        Contestant::new(Lib::Weft, "", weft_impl::scan(env.db, n)),
        Contestant::new(Lib::Sqlx, "", sqlx_for!(env, scan(n))),
        Contestant::new(Lib::SeaOrm, "", seaorm_impl::scan(env.sea, n)),
    ];
    diesel_for!(list, env, scan(n));
    list
}

/// W4: users (a page, or all) with their groups, every library and variant.
fn many_to_many(env: &Env, page: bool) -> Vec<Contestant> {
    let (db, sea) = (env.db, env.sea);
    let [(_, default_name), (other, other_name)] = strategies(env.db, true);
    let mut list = vec![
        Contestant::new(
            Lib::Weft,
            default_name,
            weft_impl::many_to_many(db, page, None),
        ),
        Contestant::new(
            Lib::Weft,
            other_name,
            weft_impl::many_to_many(db, page, Some(other)),
        )
        .secondary(),
        Contestant::new(
            Lib::Sqlx,
            "single statement",
            sqlx_for!(env, many_to_many_json(page)),
        ),
        Contestant::new(
            Lib::Sqlx,
            "batched",
            sqlx_for!(env, many_to_many_batched(page)),
        ),
        Contestant::new(
            Lib::SeaOrm,
            "Entity Loader",
            seaorm_impl::many_to_many_loader(sea, page),
        ),
        Contestant::new(
            Lib::SeaOrm,
            "load_many",
            seaorm_impl::many_to_many_load_many(sea, page),
        ),
    ];
    diesel_for!(list, env, many_to_many(page));
    list
}

/// Drops every benchmark table (servers are shared; leave nothing behind).
pub async fn cleanup(env: &Env) -> Result<(), String> {
    let apart = env.db_apart.then_some(env.db);
    for db in std::iter::once(env.db_seed).chain(apart) {
        db.drop_tables::<crate::AllTables>()
            .await
            .map_err(|e| format!("dropping the bench tables on {}: {e}", env.name))?;
    }
    Ok(())
}
