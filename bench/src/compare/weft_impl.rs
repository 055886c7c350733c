//! weft's side: the code a weft user writes for each workload.

use std::rc::Rc;

use weft::{Db, Strategy, find_many};

use super::check;
use super::data::{W3_MAX_USER, W4_PAGE, W7_MIN_POSTS};
use super::harness::Run;
use crate::{Comment, Group, NewInsertUser, Post, User};

/// W1: one user by primary key.
pub fn point_lookup(db: &'static Db) -> Run {
    let mut k = 0;
    Run::future(move || {
        let id = check::lookup_id(k);
        k += 1;
        Box::pin(async move {
            let u = weft::select::<User>()
                .filter(User::id.eq(id))
                .first(db)
                .await
                .expect("weft W1")
                .expect("the user exists");
            check::user(u.id, &u.name, u.email.as_deref())
        })
    })
}

/// W2: `limit` users (all when `None`), decoded.
pub fn scan(db: &'static Db, limit: Option<u64>) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let mut q = weft::select::<User>();
            if let Some(n) = limit {
                q = q.limit(n);
            }
            let users: Vec<User> = q.all(db).await.expect("weft W2");
            users
                .iter()
                .map(|u| check::user(u.id, &u.name, u.email.as_deref()))
                .sum()
        })
    })
}

/// W3: users left join posts, filtered.
pub fn left_join(db: &'static Db) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let rows: Vec<(User, Option<Post>)> = weft::select::<User>()
                .left_join::<Post>()
                .on(Post::user_id.eq(User::id))
                .filter(User::id.le(W3_MAX_USER))
                .all(db)
                .await
                .expect("weft W3");
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

/// W7: posts per user, grouped, with HAVING.
pub fn posts_per_user(db: &'static Db) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let rows: Vec<(i64, String, i64)> = weft::select::<User>()
                .inner_join::<Post>()
                .on(Post::user_id.eq(User::id))
                .columns((User::id, User::name, weft::count()))
                .group_by((User::id, User::name))
                .having(weft::count().ge(W7_MIN_POSTS))
                .order_by(User::id)
                .all(db)
                .await
                .expect("weft W7");
            rows.iter()
                .map(|(id, name, n)| check::child(*id, *n, name))
                .sum()
        })
    })
}

/// W4: users (a page, or all) with their groups.
pub fn many_to_many(db: &'static Db, page: bool, strategy: Option<Strategy>) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let mut q = find_many::<User>().with(User::groups).order_by(User::id);
            if page {
                q = q.limit(W4_PAGE);
            }
            if let Some(s) = strategy {
                q = q.strategy(s);
            }
            let users = q.all(db).await.expect("weft W4");
            users
                .iter()
                .map(|u| {
                    check::user(u.id, &u.name, u.email.as_deref())
                        + u.groups
                            .iter()
                            .map(|g: &Group| check::child(u.id, g.id, &g.name))
                            .sum::<u64>()
                })
                .sum()
        })
    })
}

/// W5: users → posts → comments.
pub fn nested(db: &'static Db, strategy: Option<Strategy>) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let mut q = find_many::<User>().with(User::posts.with(Post::comments));
            if let Some(s) = strategy {
                q = q.strategy(s);
            }
            let users = q.all(db).await.expect("weft W5");
            users
                .iter()
                .map(|u| {
                    check::user(u.id, &u.name, u.email.as_deref())
                        + u.posts
                            .iter()
                            .map(|p| {
                                check::child(u.id, p.id, &p.title)
                                    + p.comments
                                        .iter()
                                        .map(|c: &Comment| check::child(p.id, c.id, &c.body))
                                        .sum::<u64>()
                            })
                            .sum::<u64>()
                })
                .sum()
        })
    })
}

fn new_rows(rows: &[(String, Option<String>)]) -> impl Iterator<Item = NewInsertUser> + '_ {
    rows.iter().map(|(name, email)| NewInsertUser {
        id: None,
        name: name.clone(),
        email: email.clone(),
    })
}

/// W6: inserts `rows`, held as weft's insert forms (made once, outside the clock) and
/// borrowed (`insert_many(&rows)` binds their text in place, as raw sqlx binds `&str`): one
/// statement outside a transaction, or in one transaction when `tx`.
pub fn insert(db: &'static Db, rows: Rc<Vec<(String, Option<String>)>>, tx: bool) -> Run {
    let rows: Rc<Vec<NewInsertUser>> = Rc::new(new_rows(&rows).collect());
    Run::future(move || {
        let rows = rows.clone();
        Box::pin(async move {
            if let [row] = rows.as_slice() {
                return weft::insert(row).execute(db).await.expect("weft W6");
            }
            if tx {
                let mut tx = db.begin().await.expect("begin");
                let n = weft::insert_many(rows.iter())
                    .execute(&mut tx)
                    .await
                    .expect("weft W6");
                tx.commit().await.expect("commit");
                n
            } else {
                weft::insert_many(rows.iter())
                    .execute(db)
                    .await
                    .expect("weft W6")
            }
        })
    })
}

/// Empties the insert table (untimed, before insert runs).
pub fn truncate_inserts(db: &'static Db) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let sql = match db.backend() {
                weft::Backend::Sqlite => "DELETE FROM bench_inserts",
                _ => "TRUNCATE TABLE bench_inserts",
            };
            db.execute_sql(sql, Vec::new()).await.expect("truncate");
            0
        })
    })
}
