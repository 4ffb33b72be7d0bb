//! The PostgreSQL engine: every area of [`super`] over one database that several server
//! instances can share. One module per area, like [`super::sqlite`]; the schema, triggers
//! included, lives only in `migrations/postgres`, one to one with SQLite's.
//!
//! The triggers keep the same two things true whatever the caller does: the per-session
//! counters of events, and that an erased account stays erased.
//!
//! # What SQLite gave for free
//!
//! SQLite runs one write transaction at a time, so a read followed by a write in one
//! transaction can never be overtaken. Here transactions run side by side at READ COMMITTED
//! (each statement sees what was committed when it started), on a pool of connections and
//! possibly from several processes. Wherever a rule depends on nothing getting in between,
//! it is re-established by a lock held to the end of the transaction:
//!
//! - the sign-in throttle: an advisory lock per email key ([`accounts`]);
//! - a user's set of live sessions (the cap at sign-in, ending them all, erasure): an
//!   advisory lock per user, taken by whatever adds a session for the user, reads the set
//!   to act on it, or ends the user's sessions ([`sessions`]);
//! - consent choices and the state read back after them: an advisory lock per user
//!   ([`consent`]);
//! - erasure against requests in flight: the account row, held FOR KEY SHARE by every write
//!   that names it (foreign keys, the triggers) and taken FOR UPDATE by the erasure before
//!   anything else ([`privacy`], `migrations/postgres/0003_privacy.sql`);
//! - the event counters and the totals returned with a batch: the counter rows, locked by
//!   the insert's trigger and read back before they are released ([`history`]);
//! - each session ending once: `DELETE … RETURNING` gives each row to one transaction only,
//!   which alone closes its log and writes its audit entry ([`sessions`]).
//!
//! Advisory locks are transaction-scoped (`pg_advisory_xact_lock`): they go with the
//! commit or rollback, so nothing can leak one. Outside a transaction ([`Store::conn`])
//! an operation that needs its lock runs in a short transaction of its own.
//!
//! # Lock order
//!
//! Locks are taken in one order so that transactions wait for each other instead of
//! deadlocking: a user's advisory lock, then the account row, then rows of `sessions` (by
//! `token_hash`), `session_log` (by `public_id`), `events` and `audit` (by `at`, `id`).
//! Statements that lock several rows lock them in that order (`ORDER BY … FOR UPDATE`). So
//! a transaction takes a user's lock before it writes anything naming the user or ends the
//! user's sessions: an erasure holds that lock while it waits for the account row and the
//! sessions. Transactions that close several logs one by one (a sweep, a sign-in over the
//! cap) lock them in orders of their own; the event writer, the one hot path that locks
//! many counters at once, never waits for one while holding another ([`history`]).
//!
//! The export reads everything in one REPEATABLE READ snapshot, where SQLite used a read
//! transaction ([`privacy`]).

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

use super::{Conn, Store, StoreResult};
use sha2::{Digest, Sha256};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// The migrations, embedded in the binary. sqlx's PostgreSQL migrator holds a
/// session-level advisory lock (keyed by the database's name) while it applies them, so
/// several instances starting at once apply each migration exactly once: the others wait,
/// then find it applied.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections a process holds at most: enough for the request path, the event writer and
/// the background tasks; several instances share the server's `max_connections` (100 by
/// default).
const MAX_CONNECTIONS: u32 = 16;

/// How long a request waits for a connection. The contract is a 503 within 5 s when the
/// database is gone; a failed connect or ping surfaces well within this.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// A pool of connections to one PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgStore {
    pub pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://…` or `postgresql://…`), which must
    /// exist.
    pub async fn connect(url: &str) -> Result<PgStore, sqlx::Error> {
        let options = PgConnectOptions::from_str(url)?.application_name("squid");
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // Unlike a SQLite file, a network connection can die while idle (a restart or
            // failover of the server): each one is pinged before it is handed out, so a
            // request gets a live one or, within the timeout, an error.
            .test_before_acquire(true)
            .connect_with(options)
            .await?;
        Ok(PgStore { pool })
    }
}

#[async_trait::async_trait]
impl Store for PgStore {
    async fn begin(&self) -> StoreResult<Box<dyn Conn>> {
        Ok(Box::new(PgConn(Handle::Tx(self.pool.begin().await?))))
    }

    fn conn(&self) -> Box<dyn Conn> {
        Box::new(PgConn(Handle::Auto(self.pool.clone())))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn shared(&self) -> bool {
        true
    }

    async fn migrate(&self) -> StoreResult<()> {
        Ok(MIGRATOR.run(&self.pool).await?)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// A [`Conn`] on PostgreSQL: a transaction, or statements that each commit on their own.
pub struct PgConn(Handle);

enum Handle {
    Auto(PgPool),
    Tx(Transaction<'static, Postgres>),
}

/// The connection statements run on: one taken from the pool for a single statement, a
/// transaction opened for one operation, or the caller's transaction.
enum Exec<'c> {
    Pooled(PoolConnection<Postgres>),
    Own(Transaction<'static, Postgres>),
    InTx(&'c mut PgConnection),
}

impl std::ops::Deref for Exec<'_> {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        match self {
            Exec::Pooled(c) => c,
            Exec::Own(tx) => tx,
            Exec::InTx(c) => c,
        }
    }
}

impl std::ops::DerefMut for Exec<'_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match self {
            Exec::Pooled(c) => c,
            Exec::Own(tx) => tx,
            Exec::InTx(c) => c,
        }
    }
}

impl Exec<'_> {
    /// Commits the transaction [`PgConn::atomic`] opened (the caller's commits with it).
    async fn done(self) -> Result<(), sqlx::Error> {
        if let Exec::Own(tx) = self {
            tx.commit().await?;
        }
        Ok(())
    }
}

impl PgConn {
    /// Where one statement runs: it takes effect on its own outside a transaction.
    async fn on(&mut self) -> Result<Exec<'_>, sqlx::Error> {
        match &mut self.0 {
            Handle::Auto(pool) => Ok(Exec::Pooled(pool.acquire().await?)),
            Handle::Tx(tx) => Ok(Exec::InTx(tx)),
        }
    }

    /// Where several statements run as one: outside a transaction, in one of their own
    /// (committed by [`Exec::done`]; dropped unfinished, it rolls back).
    async fn atomic(&mut self) -> Result<Exec<'_>, sqlx::Error> {
        match &mut self.0 {
            Handle::Auto(pool) => Ok(Exec::Own(pool.begin().await?)),
            Handle::Tx(tx) => Ok(Exec::InTx(tx)),
        }
    }

    /// Whether this is a caller's transaction, whose later statements a lock taken now
    /// covers.
    fn in_tx(&self) -> bool {
        matches!(self.0, Handle::Tx(_))
    }
}

/// What a transaction-scoped advisory lock stands for.
#[derive(Clone, Copy)]
enum Lock {
    /// A user's set of live sessions (and what erasure reads of it).
    User,
    /// The sign-in attempts of an email key.
    Attempts,
    /// A user's consent choices.
    Consents,
}

impl Lock {
    /// The lock's 64-bit key: the first 8 bytes of the SHA-256 of its kind and `key`, so
    /// kinds never share a key and every value maps to one. Two values sharing a key by
    /// chance only wait for each other.
    fn key(self, key: &[u8]) -> i64 {
        let kind: &[u8] = match self {
            Lock::User => b"squid:user:",
            Lock::Attempts => b"squid:attempts:",
            Lock::Consents => b"squid:consents:",
        };
        let digest = Sha256::new()
            .chain_update(kind)
            .chain_update(key)
            .finalize();
        i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
    }

    /// Takes the lock until the transaction `c` is in ends (at once if it already holds
    /// it). It must be its own statement: a statement that waited sees only what was
    /// committed when it began, so what the lock protects is read by the next ones.
    async fn take(self, c: &mut PgConnection, key: &[u8]) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(self.key(key))
            .execute(c)
            .await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Conn for PgConn {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        if let Handle::Tx(tx) = self.0 {
            tx.commit().await?;
        }
        Ok(())
    }

    async fn hold_user(&mut self, user_id: &str) -> StoreResult<()> {
        if let Handle::Tx(tx) = &mut self.0 {
            Lock::User.take(tx, user_id.as_bytes()).await?;
        }
        Ok(())
    }
}
