//! A connection held for a run of statements that must share it: session-level locks
//! (PostgreSQL's advisory locks, MySQL's `GET_LOCK`), SQLite's `PRAGMA foreign_keys`, which
//! only applies to the connection it is set on, and transaction control written by hand
//! (`BEGIN IMMEDIATE`). Migrations run on one.

use super::db::Db;
use super::run::{Executor, Target};
use crate::dialect::Sql;
use crate::driver::Connection;
use crate::error::Result;

/// One pooled connection, held until dropped: every statement run on `&mut Session` goes to
/// it, so session state (locks, pragmas, a transaction begun with `BEGIN`) carries from one
/// statement to the next. Get one from [`Db::session`].
///
/// Transaction control written by hand is the holder's to finish: a session dropped inside
/// such a transaction, or after [`Session::discard`], closes its connection instead of
/// returning it to the pool (which also releases its session locks).
pub struct Session {
    conn: Box<dyn Connection>,
    db: Db,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Holds one pooled connection for several statements (see [`Session`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// let db = weft::Db::connect("sqlite::memory:").await?;
    /// let mut s = db.session().await?;
    /// s.execute_sql("PRAGMA foreign_keys = OFF").await?;
    /// let on: i64 = weft::raw("PRAGMA foreign_keys").fetch_one(&mut s).await?;
    /// assert_eq!(on, 0);
    /// # Ok(()) }
    /// ```
    pub async fn session(&self) -> Result<Session> {
        Ok(Session {
            conn: self.inner.driver.acquire().await?,
            db: self.clone(),
        })
    }
}

impl Session {
    /// The database this session's connection belongs to.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Runs one statement of your own, without bound values, on this session's connection;
    /// returns the rows affected.
    pub async fn execute_sql(&mut self, text: &str) -> Result<u64> {
        let sql = Sql {
            dialect: self.db.dialect(),
            text: text.to_owned(),
            binds: Vec::new(),
        };
        let mut this = &mut *self;
        this.target().execute(&sql).await
    }

    /// Closes the connection when the session is dropped instead of returning it to the pool:
    /// for a session whose state is unknown (a failure inside hand-written transaction
    /// control). Session locks die with the connection.
    pub fn discard(&mut self) {
        self.conn.close_on_drop();
    }
}

impl Executor for &mut Session {
    fn target(&mut self) -> Target<'_> {
        Target {
            db: &self.db,
            conn: Some(&mut *self.conn),
            aborted: None,
        }
    }
}
