//! Storage: the seam between the rules and the engines. Everything here is *what* can be
//! stored and read, per area, with no rule about *when*; the rules that decide live in
//! `domain`, which reaches storage only through these traits. An engine fills them all:
//! [`sqlite`] today (one file, the default).
//!
//! - [`Store`] is an engine's handle. [`Store::begin`] opens a transaction for a use case:
//!   what it does through the [`Conn`] takes effect at [`Conn::commit`], or not at all (a
//!   dropped `Conn` rolls back). [`Store::conn`] gives the same operations, each taking
//!   effect on its own: for reads and the single writes of the request path.
//! - One trait per area, each in its own module with its row types: [`SessionRepo`] (live
//!   sessions, which Redis can hold), [`HistoryRepo`] (what sessions did), [`AccountRepo`],
//!   [`AuditRepo`], [`ConsentRepo`], [`PrivacyRepo`], [`RetentionRepo`]. A [`Conn`] is all
//!   of them.
//!
//! This module imports nothing above it: only the leaf types re-exported at
//! [`crate::domain`] (defined in `domain::types`) and [`crate::model`]'s plain data.
//!
//! While a use case holds a transaction it must not ask the store for anything else: on
//! SQLite the transaction holds the one writer connection, and a second request for it
//! would wait for itself.

pub mod accounts;
pub mod audit;
pub mod consent;
pub mod history;
pub mod privacy;
pub mod retention;
pub mod sessions;
pub mod sqlite;

pub use accounts::{
    AccountRepo, AccountRow, AttemptOutcome, AttemptSlot, AttemptWindow, NewAccount,
};
pub use audit::{AuditRepo, AuditRow};
pub use consent::{ConsentRepo, ConsentRow};
pub use history::{
    ActionRow, ActivityRow, EventKind, HistoryRepo, NewEvent, PageRow, MAX_EVENT_BATCH,
};
pub use privacy::{Erased, Held, LogRow, PrivacyRepo, UserRow};
pub use retention::RetentionRepo;
pub use sessions::{SessionRepo, StoredSession};

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

pub type StoreResult<T> = Result<T, StoreError>;

/// An engine's handle, shared by every request.
#[async_trait::async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Opens a transaction: nothing done through it is seen by others before `commit`.
    async fn begin(&self) -> StoreResult<Box<dyn Conn>>;

    /// The same operations, each taking effect on its own.
    fn conn(&self) -> Box<dyn Conn>;

    /// A cheap round trip, for the health check.
    async fn ping(&self) -> StoreResult<()>;
}

/// What a use case works through: every area's operations, in a transaction or not.
#[async_trait::async_trait]
pub trait Conn:
    SessionRepo
    + HistoryRepo
    + AccountRepo
    + AuditRepo
    + ConsentRepo
    + PrivacyRepo
    + RetentionRepo
    + Send
{
    /// Makes the transaction's changes durable (nothing to do outside one).
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}
