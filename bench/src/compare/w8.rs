//! W8: upsert 1,000 rows of which half exist, into `bench_inserts` by primary key: the
//! existing rows take the proposed name and email. Every contestant sends one statement:
//! `INSERT … ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email`
//! (SQLite, PostgreSQL) or `… ON DUPLICATE KEY UPDATE name = VALUES(name), email =
//! VALUES(email)` (MariaDB). Before each run (untimed) the table holds the 500 even ids with
//! their old values.

use std::cell::RefCell;
use std::rc::Rc;

use super::env::{Env, Pool};
use super::harness::{Case, Contestant, Lib, ResetEvery, Run};

/// One row: `(id, name, email)`.
pub type Row = (i64, String, Option<String>);

/// The 1,000 rows upserted: ids 1–1,000, new names.
pub fn upsert_rows() -> Vec<Row> {
    (1..=1000)
        .map(|id| {
            (
                id,
                format!("user {id} renamed"),
                (id % 3 != 0).then(|| format!("new{id}@example.com")),
            )
        })
        .collect()
}

/// The rows there before each run: the even ids, old names.
pub fn existing_rows() -> Vec<Row> {
    (1..=500)
        .map(|k| {
            let id = 2 * k;
            (
                id,
                format!("user {id}"),
                Some(format!("user{id}@example.com")),
            )
        })
        .collect()
}

/// The W8 case on `env`.
pub fn case(env: &Env) -> Case {
    let rows = Rc::new(upsert_rows());
    let db = env.db;
    let mut list = vec![
        Contestant::new(
            Lib::Weft,
            "",
            weft_upsert(db, Rc::new(weft_rows(&rows).collect())),
        ),
        Contestant::new(
            Lib::Weft,
            "statement built once, outside the clock",
            weft_prebuilt(db, &rows),
        )
        .info(),
        Contestant::new(
            Lib::Sqlx,
            "VALUES",
            match &env.pool {
                Pool::Sqlite(p) => sqlx_sqlite(p.clone(), rows.clone()),
                Pool::Postgres(p) => sqlx_postgres(p.clone(), rows.clone()),
                Pool::MySql(p) => sqlx_mysql(p.clone(), rows.clone()),
            },
        ),
    ];
    if let Pool::Postgres(p) = &env.pool {
        list.push(Contestant::new(
            Lib::Sqlx,
            "UNNEST",
            sqlx_unnest(p.clone(), rows.clone()),
        ));
    }
    list.push(Contestant::new(
        Lib::SeaOrm,
        "",
        seaorm_upsert(env.sea, rows.clone()),
    ));
    if let Some(c) = &env.diesel_sqlite {
        list.push(Contestant::new(
            Lib::Diesel,
            "",
            diesel_sqlite(c.clone(), rows.clone()),
        ));
    }
    if let Some(c) = &env.diesel_pg {
        list.push(Contestant::new(
            Lib::Diesel,
            "",
            diesel_pg(c.clone(), rows.clone()),
        ));
    }
    if let Some(c) = &env.diesel_async {
        list.push(Contestant::new(
            Lib::DieselAsync,
            "",
            diesel_async(c.clone(), rows.clone()),
        ));
    }
    let existing = Rc::new(existing_rows());
    for c in &mut list {
        c.reset = Some(match (&env.diesel_sqlite, c.lib) {
            (Some(conn), Lib::Diesel) => reset_diesel_sqlite(conn.clone(), existing.clone()),
            (_, Lib::Weft) => reset_weft(db, existing.clone()),
            _ => reset_weft(env.db_shared, existing.clone()),
        });
    }
    let settle = std::env::var_os("WEFT_BENCH_NO_SETTLE").is_none();
    for c in &mut list {
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
        workload: "W8",
        title: "upsert 1,000 rows of which half exist",
        backend: env.name,
        contestants: list,
        reset_every: ResetEvery::Sample,
    }
}

fn weft_rows(rows: &[Row]) -> impl ExactSizeIterator<Item = crate::InsertUser> + '_ {
    rows.iter().map(|(id, name, email)| crate::InsertUser {
        id: *id,
        name: name.clone(),
        email: email.clone(),
    })
}

/// Empties the table and puts the existing rows back (untimed).
fn reset_weft(db: &'static weft::Db, existing: Rc<Vec<Row>>) -> Run {
    Run::future(move || {
        let existing = existing.clone();
        Box::pin(async move {
            let sql = match db.backend() {
                weft::Backend::Sqlite => "DELETE FROM bench_inserts",
                _ => "TRUNCATE TABLE bench_inserts",
            };
            db.execute_sql(sql, Vec::new()).await.expect("truncate");
            weft::insert_many(weft_rows(&existing))
                .execute(db)
                .await
                .expect("W8 reset")
        })
    })
}

/// weft: `insert_many(&rows).on_conflict(id).do_update(…)` on the application's rows, held
/// as weft's insert form and borrowed (text bound in place, as raw sqlx binds `&str`; PostgreSQL
/// sends one `UNNEST` statement).
fn weft_upsert(db: &'static weft::Db, rows: Rc<Vec<crate::InsertUser>>) -> Run {
    use crate::InsertUser;
    use weft::excluded;
    Run::future(move || {
        let rows = rows.clone();
        Box::pin(async move {
            weft::insert_many(rows.iter())
                .on_conflict(InsertUser::id)
                .do_update(|set| {
                    set.set(InsertUser::name, excluded(InsertUser::name))
                        .set(InsertUser::email, excluded(InsertUser::email))
                })
                .execute(db)
                .await
                .expect("weft W8")
        })
    })
}

/// weft's upsert built once (rows copied into weft's values once) and executed each run:
/// what running costs without building the statement (`execute` takes `&self`).
fn weft_prebuilt(db: &'static weft::Db, rows: &[Row]) -> Run {
    use crate::InsertUser;
    use weft::excluded;
    let upsert = Rc::new(
        weft::insert_many(weft_rows(rows))
            .on_conflict(InsertUser::id)
            .do_update(|set| {
                set.set(InsertUser::name, excluded(InsertUser::name))
                    .set(InsertUser::email, excluded(InsertUser::email))
            }),
    );
    Run::future(move || {
        let upsert = upsert.clone();
        Box::pin(async move { upsert.execute(db).await.expect("weft W8") })
    })
}

/// Raw sqlx with a multi-row `VALUES` and the dialect's upsert clause (binds borrowed).
macro_rules! sqlx_values {
    ($name:ident, $db:ty, $tail:expr) => {
        fn $name(pool: sqlx::Pool<$db>, rows: Rc<Vec<Row>>) -> Run {
            Run::future(move || {
                let (pool, rows) = (pool.clone(), rows.clone());
                Box::pin(async move {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO bench_inserts (id, name, email) ",
                    );
                    qb.push_values(rows.iter(), |mut b, (id, name, email)| {
                        b.push_bind(*id)
                            .push_bind(name.as_str())
                            .push_bind(email.as_deref());
                    });
                    qb.push($tail);
                    qb.build()
                        .execute(&pool)
                        .await
                        .expect("sqlx W8")
                        .rows_affected()
                })
            })
        }
    };
}

const ON_CONFLICT: &str =
    " ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email";

sqlx_values!(sqlx_sqlite, sqlx::Sqlite, ON_CONFLICT);
sqlx_values!(sqlx_postgres, sqlx::Postgres, ON_CONFLICT);
sqlx_values!(
    sqlx_mysql,
    sqlx::MySql,
    " ON DUPLICATE KEY UPDATE name = VALUES(name), email = VALUES(email)"
);

/// Raw sqlx on PostgreSQL with one array per column, as weft sends it.
fn sqlx_unnest(pool: sqlx::PgPool, rows: Rc<Vec<Row>>) -> Run {
    Run::future(move || {
        let (pool, rows) = (pool.clone(), rows.clone());
        Box::pin(async move {
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            let names: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
            let emails: Vec<Option<&str>> = rows.iter().map(|r| r.2.as_deref()).collect();
            sqlx::query(
                "INSERT INTO bench_inserts (id, name, email) \
                 SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[]) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email",
            )
            .bind(ids)
            .bind(names)
            .bind(emails)
            .execute(&pool)
            .await
            .expect("sqlx W8")
            .rows_affected()
        })
    })
}

/// SeaORM: `insert_many(…).on_conflict(OnConflict::column(Id).update_columns(…))`.
fn seaorm_upsert(db: &'static sea_orm::DatabaseConnection, rows: Rc<Vec<Row>>) -> Run {
    use super::seaorm_impl::inserts;
    use sea_orm::sea_query::OnConflict;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    Run::future(move || {
        let rows = rows.clone();
        Box::pin(async move {
            let models = rows.iter().map(|(id, name, email)| inserts::ActiveModel {
                id: Set(*id),
                name: Set(name.clone()),
                email: Set(email.clone()),
            });
            inserts::Entity::insert_many(models)
                .on_conflict(
                    OnConflict::column(inserts::Column::Id)
                        .update_columns([inserts::Column::Name, inserts::Column::Email])
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await
                .expect("SeaORM W8")
        })
    })
}

/// A Diesel row with its key, borrowing the shared rows.
#[derive(diesel::Insertable)]
#[diesel(table_name = super::diesel_impl::schema::bench_inserts, treat_none_as_default_value = false)]
struct DUpsert<'a> {
    id: i64,
    name: &'a str,
    email: Option<&'a str>,
}

fn diesel_rows(rows: &[Row]) -> Vec<DUpsert<'_>> {
    rows.iter()
        .map(|(id, name, email)| DUpsert {
            id: *id,
            name,
            email: email.as_deref(),
        })
        .collect()
}

/// Diesel: `insert_into(…).values(&rows).on_conflict(id).do_update().set(…)`.
macro_rules! diesel_upsert {
    ($name:ident, $conn:ty) => {
        fn $name(conn: Rc<RefCell<$conn>>, rows: Rc<Vec<Row>>) -> Run {
            use super::diesel_impl::schema::bench_inserts::dsl;
            use diesel::prelude::*;
            use diesel::upsert::excluded;
            Run::blocking(move || {
                let c = &mut *conn.borrow_mut();
                diesel::insert_into(dsl::bench_inserts)
                    .values(&diesel_rows(&rows))
                    .on_conflict(dsl::id)
                    .do_update()
                    .set((
                        dsl::name.eq(excluded(dsl::name)),
                        dsl::email.eq(excluded(dsl::email)),
                    ))
                    .execute(c)
                    .expect("Diesel W8") as u64
            })
        }
    };
}

diesel_upsert!(diesel_sqlite, diesel::SqliteConnection);
diesel_upsert!(diesel_pg, diesel::PgConnection);

/// diesel-async, as Diesel.
fn diesel_async(
    conn: Rc<tokio::sync::Mutex<diesel_async::AsyncPgConnection>>,
    rows: Rc<Vec<Row>>,
) -> Run {
    use super::diesel_impl::schema::bench_inserts::dsl;
    use diesel::prelude::*;
    use diesel::upsert::excluded;
    use diesel_async::RunQueryDsl;
    Run::future(move || {
        let (conn, rows) = (conn.clone(), rows.clone());
        Box::pin(async move {
            let mut c = conn.lock().await;
            diesel::insert_into(dsl::bench_inserts)
                .values(&diesel_rows(&rows))
                .on_conflict(dsl::id)
                .do_update()
                .set((
                    dsl::name.eq(excluded(dsl::name)),
                    dsl::email.eq(excluded(dsl::email)),
                ))
                .execute(&mut *c)
                .await
                .expect("diesel-async W8") as u64
        })
    })
}

/// Diesel's own SQLite database: empty the table, put the existing rows back (untimed).
fn reset_diesel_sqlite(conn: Rc<RefCell<diesel::SqliteConnection>>, existing: Rc<Vec<Row>>) -> Run {
    use super::diesel_impl::schema::bench_inserts::dsl;
    use diesel::prelude::*;
    Run::blocking(move || {
        let c = &mut *conn.borrow_mut();
        diesel::delete(dsl::bench_inserts)
            .execute(c)
            .expect("delete");
        diesel::insert_into(dsl::bench_inserts)
            .values(&diesel_rows(&existing))
            .execute(c)
            .expect("W8 reset") as u64
    })
}
