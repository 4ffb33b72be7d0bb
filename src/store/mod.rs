//! Storage: the only place SQL lives. One submodule per store, each a thin set of queries
//! over a shared connection pool; the rules that decide *when* to run them live in `domain`.
//! The schema itself lives only in `migrations/`.

pub mod sessions;
pub mod tracking;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// The migrations, embedded in the binary so `squid serve` and `squid migrate` need no files.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The database handle every store shares.
///
/// SQLite allows one writer at a time. Writers on several connections would contend
/// inside SQLite, whose busy handler *sleeps* (1, 2, 5, 10… ms) between retries: latency
/// spikes under load. So all writes go through `write`, a pool of exactly one connection,
/// where they queue asynchronously instead; reads use `read` and never wait for writers (WAL).
#[derive(Clone, Debug)]
pub struct Db {
    pub read: SqlitePool,
    pub write: SqlitePool,
}

impl Db {
    /// Opens (creating if missing) the SQLite database at `url`.
    ///
    /// WAL with `synchronous = NORMAL`: a committed transaction survives a crash of the
    /// process (it is in the WAL, handed to the OS) while commits need no fsync each; only a
    /// power loss can take the last few. Readers never block the writer.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            .pragma("temp_store", "memory");
        let write = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings a connection on every acquire by default: a round trip to its
            // worker thread per query, for a local file that cannot drop the connection.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(Db { read, write })
    }

    /// Applies any migration not yet applied.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.write).await
    }

    /// A cheap round trip, for the health check.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map(|_| ())
    }
}
