//! Storage: the only place SQL lives. One submodule per store, each a thin set of queries
//! over a shared connection pool; the rules that decide *when* to run them live in `domain`.
//! The schema itself lives only in `migrations/`.

pub mod audit;
pub mod consent;
pub mod privacy;
pub mod retention;
pub mod sessions;
pub mod tracking;
pub mod users;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// The migrations, embedded in the binary so `squid serve` and `squid migrate` need no files.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The database handle every store shares: two pools over one SQLite file.
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
pub struct Db {
    pub primary: SqlitePool,
    pub reports: SqlitePool,
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
        Ok(Db { primary, reports })
    }

    /// Applies any migration not yet applied.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.primary).await
    }

    /// A cheap round trip, for the health check.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.primary)
            .await
            .map(|_| ())
    }
}
