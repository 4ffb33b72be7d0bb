//! Tracking: page visits and actions of a session, and the activity feed.
//!
//! Visits and actions are rows appended to the store's events, never folded into the
//! session record, so concurrent requests on one session cannot overwrite each other:
//! a hundred parallel visits are a hundred rows. They are written by group commit
//! (`writer`).

pub mod batch;
pub mod validate;
mod writer;

pub use validate::{ActionDetails, Label, NewAction, MAX_DETAILS_BYTES, MAX_LABEL_CHARS};

use super::auth::Auth;
use super::visitor::Visitor;
use super::SessionRecord;
use super::{rfc3339, Error, Happened, Millis, Order, Pagination, Result, Scope, SessionPolicy};
use crate::model::{ActionEntry, ActivityItem, LoggedPage, PageVisit};
use crate::model::{Paged, SessionView};
use crate::store::{ActivityRow, EventKind, NewEvent, Store};
use serde_json::Value;
use std::sync::Arc;
use writer::Writer;

/// The kinds of entry in the activity feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivityKind {
    PageView,
    Action,
    Login,
    Logout,
    SessionStart,
    SessionEnd,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 6] = [
        ActivityKind::PageView,
        ActivityKind::Action,
        ActivityKind::Login,
        ActivityKind::Logout,
        ActivityKind::SessionStart,
        ActivityKind::SessionEnd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::PageView => "page_view",
            ActivityKind::Action => "action",
            ActivityKind::Login => "login",
            ActivityKind::Logout => "logout",
            ActivityKind::SessionStart => "session_start",
            ActivityKind::SessionEnd => "session_end",
        }
    }

    pub fn parse(raw: Option<&str>) -> Result<Option<Self>> {
        match raw {
            None => Ok(None),
            Some(raw) => ActivityKind::ALL.into_iter().find(|k| k.as_str() == raw).map(Some).ok_or_else(|| {
                Error::invalid("type", "type must be one of page_view, action, login, logout, session_start, session_end")
            }),
        }
    }
}

/// An entry of the feed (or of the export) as the API shows it.
pub fn activity_item(row: ActivityRow) -> ActivityItem {
    ActivityItem {
        kind: row.kind,
        session_id: row.session_id,
        page: row.page,
        action: row.action,
        details: row.details.map(|d| parse_details(Some(d))),
        ip: row.ip,
        user_agent: row.user_agent,
        at: rfc3339(row.at),
    }
}

fn parse_details(text: Option<String>) -> Value {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

/// The tracking service.
#[derive(Clone, Debug)]
pub struct Tracking {
    store: Arc<dyn Store>,
    auth: Auth,
    policy: SessionPolicy,
    writer: Writer,
}

impl Tracking {
    /// Starts the event writer (needs a Tokio runtime).
    pub fn new(store: Arc<dyn Store>, auth: Auth, policy: SessionPolicy) -> Self {
        Tracking {
            writer: Writer::start(store.clone()),
            store,
            auth,
            policy,
        }
    }

    /// The visitor's session as the contract shows it, with one page of its visits.
    pub async fn session_view(
        &self,
        visitor: &Visitor,
        page: Pagination,
        order: Order,
        now: Millis,
    ) -> Result<SessionView> {
        let r = &visitor.live()?.record;
        let pages = self.pages(&r.public_id, page, order).await?;
        Ok(SessionView {
            id: r.public_id.clone(),
            start_time: rfc3339(r.started_at),
            last_activity: rfc3339(r.last_activity),
            expires_at: rfc3339(r.expires_at(&self.policy)),
            duration: (now - r.started_at).max(0) / 1000,
            user: visitor.account.as_ref().map(|a| a.to_user()),
            pages_visited: pages,
        })
    }

    /// Records a visit of `page` by `session` at `at`.
    pub async fn log_page(
        &self,
        session: &SessionRecord,
        page: &Label,
        at: Millis,
    ) -> Result<LoggedPage> {
        let total = self
            .writer
            .append(NewEvent {
                session_id: session.public_id.clone(),
                user_id: session.user_id.clone(),
                kind: EventKind::PageView,
                name: page.as_str().to_string(),
                details: None,
                at,
            })
            .await?;
        Ok(LoggedPage {
            page: page.as_str().to_string(),
            visited_at: rfc3339(at),
            total,
        })
    }

    /// A browser's visit of one of the app's pages: starts a guest session first when the
    /// visitor has none.
    pub async fn page_visit(
        &self,
        visitor: &mut Visitor,
        page: &Label,
        now: Millis,
    ) -> Result<Happened> {
        let happened = self.auth.ensure_session(visitor, now).await?;
        self.log_page(&visitor.live()?.record, page, now).await?;
        Ok(happened)
    }

    /// Records a batch a client buffered (`POST /api/events`): every event is checked
    /// first, then all are written in one transaction, or none. Returns how many.
    pub async fn log_batch(
        &self,
        visitor: &Visitor,
        events: Option<Vec<Value>>,
        now: Millis,
    ) -> Result<usize> {
        let events = batch::parse(events, &visitor.live()?.record, now)?;
        let mut tx = self.store.begin().await?;
        tx.insert_events(&events).await?;
        tx.commit().await?;
        Ok(events.len())
    }

    /// Records an action of `session` at `at`.
    pub async fn log_action(
        &self,
        session: &SessionRecord,
        action: &NewAction,
        at: Millis,
    ) -> Result<ActionEntry> {
        let details = action.details.0.clone().map(Value::Object);
        self.writer
            .append(NewEvent {
                session_id: session.public_id.clone(),
                user_id: session.user_id.clone(),
                kind: EventKind::Action,
                name: action.action.as_str().to_string(),
                details: details.as_ref().map(|d| d.to_string()),
                at,
            })
            .await?;
        Ok(ActionEntry {
            action: action.action.as_str().to_string(),
            details: details.unwrap_or(Value::Null),
            at: rfc3339(at),
        })
    }

    /// One page of the session's visits.
    pub async fn pages(
        &self,
        session_id: &str,
        page: Pagination,
        order: Order,
    ) -> Result<Paged<PageVisit>> {
        let (rows, total) = self
            .store
            .conn()
            .page_views(session_id, page, order)
            .await?;
        let items = rows
            .into_iter()
            .map(|r| PageVisit {
                page: r.page,
                visited_at: rfc3339(r.at),
            })
            .collect();
        Ok(Paged::new(items, page.page, page.per_page, total))
    }

    /// One page of the session's actions.
    pub async fn actions(
        &self,
        session_id: &str,
        page: Pagination,
        order: Order,
    ) -> Result<Paged<ActionEntry>> {
        let (rows, total) = self.store.conn().actions(session_id, page, order).await?;
        let items = rows
            .into_iter()
            .map(|r| ActionEntry {
                action: r.action,
                details: parse_details(r.details),
                at: rfc3339(r.at),
            })
            .collect();
        Ok(Paged::new(items, page.page, page.per_page, total))
    }

    /// One page of the visitor's activity, newest first: a signed-in user's whole history
    /// across sessions and devices, a guest's current session.
    pub async fn activity(
        &self,
        visitor: &Visitor,
        kind: Option<ActivityKind>,
        page: Pagination,
    ) -> Result<Paged<ActivityItem>> {
        let record = &visitor.live()?.record;
        let scope = match &record.user_id {
            Some(user) => Scope::User(user.clone()),
            None => Scope::Session(record.public_id.clone()),
        };
        let (rows, total) = self
            .store
            .conn()
            .activity(&scope, kind.map(ActivityKind::as_str), page)
            .await?;
        let items = rows.into_iter().map(activity_item).collect();
        Ok(Paged::new(items, page.page, page.per_page, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(err: Error) -> String {
        match err {
            Error::Validation { field: Some(f), .. } => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn activity_kinds_parse_strictly() {
        assert_eq!(
            ActivityKind::parse(Some("page_view")).unwrap(),
            Some(ActivityKind::PageView)
        );
        assert_eq!(ActivityKind::parse(None).unwrap(), None);
        assert_eq!(
            field(ActivityKind::parse(Some("pageview")).unwrap_err()),
            "type"
        );
    }
}
