//! What sessions did: the durable log of every session (live or ended, kept until retention
//! removes it) and the events they recorded (page views and actions, only ever appended),
//! and the activity feed read from both. Totals per session are counters the engine keeps
//! as events arrive and go, since they are asked for on every visit and list.

use super::StoreResult;
use crate::domain::{EndReason, Millis, Order, Pagination, Scope, SessionRecord};
use serde::Deserialize;

/// Most events [`HistoryRepo::insert_events`] is given at once.
pub const MAX_EVENT_BATCH: usize = 500;

/// An event to append: a page view or an action.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub session_id: String,
    pub user_id: Option<String>,
    pub kind: EventKind,
    pub name: String,
    /// JSON text of an object (actions only).
    pub details: Option<String>,
    pub at: Millis,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    PageView,
    Action,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::PageView => "page_view",
            EventKind::Action => "action",
        }
    }
}

/// A page visit of a session.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PageRow {
    pub page: String,
    pub at: Millis,
}

/// An action of a session (`details` as JSON text).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ActionRow {
    pub action: String,
    pub details: Option<String>,
    pub at: Millis,
}

/// An entry of the activity feed: an event, a session's start or end, a sign-in or out.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivityRow {
    pub kind: String,
    pub session_id: String,
    pub page: Option<String>,
    pub action: Option<String>,
    pub details: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub at: Millis,
}

#[async_trait::async_trait]
pub trait HistoryRepo {
    /// Opens the log of a session that has just started.
    async fn open_log(&mut self, record: &SessionRecord) -> StoreResult<()>;

    /// Closes the log of a session at `at`, with the reason it ended (once: a closed log
    /// stays as it was closed).
    async fn close_log(
        &mut self,
        public_id: &str,
        reason: EndReason,
        at: Millis,
    ) -> StoreResult<()>;

    /// Makes a guest session's log and events the user's.
    async fn adopt_history(&mut self, public_id: &str, user_id: &str) -> StoreResult<()>;

    /// Appends events in one statement. For each, in order, returns how many page views its
    /// session has counting it and every earlier one (for actions: 0).
    async fn insert_events(&mut self, events: &[NewEvent]) -> StoreResult<Vec<u64>>;

    /// One page of a session's visits, and how many it has.
    async fn page_views(
        &mut self,
        session_id: &str,
        page: Pagination,
        order: Order,
    ) -> StoreResult<(Vec<PageRow>, u64)>;

    /// One page of a session's actions, and how many it has.
    async fn actions(
        &mut self,
        session_id: &str,
        page: Pagination,
        order: Order,
    ) -> StoreResult<(Vec<ActionRow>, u64)>;

    /// One page of the activity feed of a session or a user, newest first, optionally of
    /// one kind (`page_view`, `login`…), and how many entries there are.
    async fn activity(
        &mut self,
        scope: &Scope,
        kind: Option<&str>,
        page: Pagination,
    ) -> StoreResult<(Vec<ActivityRow>, u64)>;
}
