//! Demo data: plain rows written in bulk (`squid demo`). What it writes is history like any
//! other (accounts, consents, ended sessions' logs, events), so it goes to the SQL engine
//! even when live sessions are in Redis, and the engine's triggers keep their promises for
//! it as for any insert: the per-session counters come from the events themselves.

use super::{EventKind, StoreResult};
use crate::domain::Millis;

/// A demo account (every one carries the same password hash, computed once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoUser {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: Millis,
}

/// A consent choice of a demo account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoConsent {
    pub user_id: String,
    /// `analytics` or `marketing`.
    pub kind: String,
    pub granted: bool,
    pub version: String,
    pub at: Millis,
    pub method: String,
}

/// The log of an ended demo session, with no counts: the events' triggers count them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSession {
    pub public_id: String,
    pub user_id: Option<String>,
    pub user_agent: String,
    pub ip: String,
    pub started_at: Millis,
    pub ended_at: Millis,
    /// A stored end reason (`EndReason::as_str`).
    pub end_reason: &'static str,
}

/// A page view or action of a demo session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoEvent {
    pub session_id: String,
    pub user_id: Option<String>,
    pub kind: EventKind,
    pub name: &'static str,
    /// JSON text of an object (actions only).
    pub details: Option<String>,
    pub at: Millis,
}

/// Rows written together. Every session's account is in this batch or an earlier one, and
/// every event's session too, so a batch can be written in table order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoBatch {
    pub users: Vec<DemoUser>,
    pub consents: Vec<DemoConsent>,
    pub sessions: Vec<DemoSession>,
    pub events: Vec<DemoEvent>,
}

#[async_trait::async_trait]
pub trait DemoRepo {
    /// Appends a batch: accounts, then consents, session logs and events, in few statements
    /// (a batch of 10,000 events is a few dozen round trips, not 10,000). Fails on an email
    /// that is taken (demo data already there) and writes nothing more.
    async fn insert_demo(&mut self, batch: &DemoBatch) -> StoreResult<()>;

    /// After the last batch: what the engine's own upkeep would have done by the time a
    /// site had gathered this much history, done at once so the reports read the data as a
    /// running server would.
    async fn settle_demo(&mut self) -> StoreResult<()>;
}
