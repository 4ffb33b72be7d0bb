//! Storage: the seam between the rules and the engines. Everything here is *what* can be
//! stored and read, per area, with no rule about *when*; the rules that decide live in
//! `domain`, which reaches storage only through these traits. An engine fills them all:
//! [`sqlite`] (one file, the default) or [`postgres`] (one database shared by several
//! instances); [`open`] picks one by its URL. [`redis`] can hold the live sessions instead
//! ([`SessionRepo`] and [`SessionDataRepo`]), beside either: [`split`] joins the two into one [`Store`]. All
//! keep the same promises, down to the order of lists and what a call returns, so the
//! domain and its tests cannot tell them apart.
//!
//! - [`Store`] is an engine's handle. [`Store::begin`] opens a transaction for a use case:
//!   what it does through the [`Conn`] takes effect at [`Conn::commit`], or not at all (a
//!   dropped `Conn` rolls back). [`Store::conn`] gives the same operations, each taking
//!   effect on its own: for reads and the single writes of the request path.
//! - One trait per area, each in its own module with its row types: [`SessionRepo`] (live
//!   sessions, which Redis can hold), [`SessionDataRepo`] (their data, which lives where
//!   they do), [`HistoryRepo`] (what sessions did), [`AccountRepo`],
//!   [`AuditRepo`], [`ConsentRepo`], [`PrivacyRepo`], [`RetentionRepo`], [`WalletRepo`]
//!   (Sign-In with Ethereum: linked wallets, nonces), [`OversightRepo`] (the log as an
//!   administrator reads it), [`AnalyticsRepo`] (a visitor's own figures by SQL over the log and events),
//!   [`InsightsRepo`] (everyone's, for administrators), [`DemoRepo`] (demo data in bulk,
//!   for `squid demo`). A [`Conn`] is all of them.
//!
//! This module imports nothing above it: only the leaf types re-exported at
//! [`crate::domain`] (defined in `domain::types`) and [`crate::model`]'s plain data.
//!
//! The use cases take no locks of their own: where a rule needs nothing to get in between
//! a read and a write (a count before an insert, the set of a user's sessions before some
//! are ended), the engine keeps it. SQLite does so by running one write transaction at a
//! time; PostgreSQL runs them side by side, so there each such operation takes a lock held
//! to the commit (see [`postgres`]). With the sessions in Redis, the SQL transaction takes
//! the same hold on the user ([`Conn::hold_user`]) before Redis is asked.
//!
//! While a use case holds a transaction it must not ask the store for anything else: on
//! SQLite the transaction holds the one writer connection, and a second request for it
//! would wait for itself; on PostgreSQL the second statement could wait for a lock the
//! transaction holds, which nothing would release.

pub mod accounts;
pub mod analytics;
pub mod audit;
pub mod consent;
pub mod demo;
pub mod history;
pub mod insights;
pub mod oversight;
pub mod postgres;
pub mod privacy;
pub mod redis;
pub mod retention;
pub mod session_data;
pub mod sessions;
pub mod split;
pub mod sqlite;
pub mod wallets;

pub use accounts::{
    AccountRepo, AccountRow, AttemptOutcome, AttemptSlot, AttemptWindow, NewAccount,
};
pub use analytics::{AnalyticsRepo, OwnTotals, PageCount, Step};
pub use audit::{AuditRepo, AuditRow};
pub use consent::{ConsentRepo, ConsentRow};
pub use demo::{DemoBatch, DemoConsent, DemoEvent, DemoRepo, DemoSession, DemoUser};
pub use history::{
    ActionRow, ActivityRow, EventKind, HistoryRepo, NewEvent, PageRow, MAX_EVENT_BATCH,
};
pub use insights::InsightsRepo;
pub use oversight::{EndCount, LogCounts, OversightRepo};
pub use privacy::{Erased, Held, LogRow, PrivacyRepo, UserRow};
pub use retention::RetentionRepo;
pub use session_data::{
    DataLimits, DataOwner, DataPut, DataRow, DeleteOutcome, Expect, PutOutcome, SessionDataRepo,
};
pub use sessions::{LiveFilter, Rekeyed, SessionRepo, StoredSession, TallyRow};
pub use wallets::{NonceRow, WalletRepo};

/// A storage failure: the engine's own error, for the log only.
#[derive(Debug)]
pub struct StoreError(pub Box<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError(Box::new(e))
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError(Box::new(e))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Whether a database error is a unique-key violation (a wallet another account has, a
/// session key taken).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// An engine's handle, shared by every request.
#[async_trait::async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Opens a transaction: nothing done through it is seen by others before `commit`.
    async fn begin(&self) -> StoreResult<Box<dyn Conn>>;

    /// The same operations, each taking effect on its own.
    fn conn(&self) -> Box<dyn Conn>;

    /// A cheap round trip to the database, for the health check.
    async fn ping(&self) -> StoreResult<()>;

    /// Whether the database and the session store each answer, for the health check. They
    /// are one and the same unless the sessions are in Redis: one round trip then.
    async fn health(&self) -> (bool, bool) {
        let ok = self.ping().await.is_ok();
        (ok, ok)
    }

    /// Whether other processes may change what this store holds at any moment (several
    /// instances on one PostgreSQL or Redis), so that nothing read from it may be trusted
    /// beyond the request that read it. A SQLite file belongs to one server process.
    fn shared(&self) -> bool;

    /// Applies every migration not yet applied (safe when several instances start at once).
    async fn migrate(&self) -> StoreResult<()>;

    /// Closes the engine's connections; later calls fail (a restart, an outage in tests).
    async fn close(&self);
}

/// Opens the engine a `DATABASE_URL` names: `sqlite:…` or `postgres://…`/`postgresql://…`.
pub async fn open(url: &str) -> StoreResult<std::sync::Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        Ok(std::sync::Arc::new(
            sqlite::SqliteStore::connect(url).await?,
        ))
    }
}

/// What a use case works through: every area's operations, in a transaction or not.
#[async_trait::async_trait]
pub trait Conn:
    SessionRepo
    + SessionDataRepo
    + HistoryRepo
    + AccountRepo
    + AuditRepo
    + ConsentRepo
    + PrivacyRepo
    + RetentionRepo
    + WalletRepo
    + OversightRepo
    + AnalyticsRepo
    + InsightsRepo
    + DemoRepo
    + Send
{
    /// Makes the transaction's changes durable (nothing to do outside one).
    async fn commit(self: Box<Self>) -> StoreResult<()>;

    /// Holds the user's set of live sessions until the transaction ends, as adding a session
    /// for the user or reading the set in a transaction does: for a session store beside
    /// the database ([`split`]). Nothing outside a transaction.
    async fn hold_user(&mut self, user_id: &str) -> StoreResult<()>;
}
