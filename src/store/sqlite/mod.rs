//! The SQLite engine: every area of [`super`] over one database file. One module per area;
//! the schema, triggers included, lives only in `migrations/sqlite`.
//!
//! Triggers keep two things true whatever the caller does: the per-session counters of
//! events (`session_log.page_views`, `.actions`), and that an erased account stays erased
//! (a row naming an account that no longer exists is refused, dropped or anonymised).

mod accounts;
mod analytics;
mod audit;
mod consent;
mod demo;
mod history;
mod insights;
mod oversight;
mod privacy;
mod retention;
mod session_data;
mod sessions;
mod wallets;

pub use insights::INDEX_CHUNK;

use super::{Conn, Store, StoreResult};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::Sqlite;
use std::str::FromStr;
use std::time::Duration;

/// The migrations, embedded in the binary so `squid serve` and `squid migrate` need no files.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Two pools over one SQLite file.
///
/// - `primary`, exactly one connection: every write, and the small reads on the request
///   path (a session, a page of visits). SQLite allows one writer at a time; writers on
///   several connections would contend inside SQLite, whose busy handler *sleeps* (1, 2,
///   5, 10… ms) between retries. On one connection they queue asynchronously instead. The
///   small reads ride along because this connection's page cache is always warm, while
///   every commit invalidates other connections' caches (measured: 66-75 µs of CPU per
///   request with separate readers, 57-62 µs without).
/// - `reports`, up to four connections: long reads (the activity feed, exports,
///   analytics), which in WAL mode never block the writer nor wait for it.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub primary: SqlitePool,
    pub reports: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the SQLite database at `url`.
    ///
    /// WAL with `synchronous = NORMAL`: a committed transaction survives a crash of the
    /// process (it is in the WAL, handed to the OS) while commits need no fsync each; only a
    /// power loss can take the last few. Readers never block the writer.
    pub async fn connect(url: &str) -> Result<SqliteStore, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            .pragma("temp_store", "memory");
        let primary = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings a connection on every acquire by default: a round trip to its
            // worker thread per query, for a local file that cannot drop the connection.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        let reports = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(SqliteStore { primary, reports })
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn begin(&self) -> StoreResult<Box<dyn Conn>> {
        Ok(Box::new(SqliteConn(Handle::Tx(
            self.primary.begin().await?,
        ))))
    }

    fn conn(&self) -> Box<dyn Conn> {
        Box::new(SqliteConn(Handle::Auto(self.clone())))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.primary).await?;
        Ok(())
    }

    fn shared(&self) -> bool {
        false
    }

    async fn migrate(&self) -> StoreResult<()> {
        Ok(MIGRATOR.run(&self.primary).await?)
    }

    async fn close(&self) {
        self.primary.close().await;
        self.reports.close().await;
    }
}

/// A [`Conn`] on SQLite: a transaction on the writer, or statements that each commit on
/// their own, on the pool each one suits.
pub struct SqliteConn(Handle);

enum Handle {
    Auto(SqliteStore),
    Tx(sqlx::Transaction<'static, Sqlite>),
}

/// Which pool a statement outside a transaction runs on.
#[derive(Clone, Copy)]
enum Pool {
    Primary,
    Reports,
}

/// The connection a statement runs on: the transaction's, or one taken from a pool (and
/// given back when dropped).
enum Exec<'c> {
    Pooled(PoolConnection<Sqlite>),
    InTx(&'c mut SqliteConnection),
}

impl std::ops::Deref for Exec<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        match self {
            Exec::Pooled(c) => c,
            Exec::InTx(c) => c,
        }
    }
}

impl std::ops::DerefMut for Exec<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            Exec::Pooled(c) => c,
            Exec::InTx(c) => c,
        }
    }
}

impl SqliteConn {
    async fn on(&mut self, pool: Pool) -> Result<Exec<'_>, sqlx::Error> {
        match &mut self.0 {
            Handle::Auto(db) => {
                let pool = match pool {
                    Pool::Primary => &db.primary,
                    Pool::Reports => &db.reports,
                };
                Ok(Exec::Pooled(pool.acquire().await?))
            }
            Handle::Tx(tx) => Ok(Exec::InTx(tx)),
        }
    }
}

#[async_trait::async_trait]
impl Conn for SqliteConn {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        if let Handle::Tx(tx) = self.0 {
            tx.commit().await?;
        }
        Ok(())
    }

    async fn hold_user(&mut self, _user_id: &str) -> StoreResult<()> {
        // A transaction holds the one writer connection: no other can add or end a
        // session until it ends.
        Ok(())
    }
}
