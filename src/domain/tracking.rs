//! Tracking: page visits and actions of a session, and the activity feed.
//!
//! Visits and actions are rows appended to the `events` table, never folded into the
//! session record, so concurrent requests on one session cannot overwrite each other:
//! a hundred parallel visits are a hundred rows.
//!
//! Appends go through one writer task that commits them in batches (group commit): the
//! requests that arrive while a batch is being written form the next one, which is written
//! with a single multi-row INSERT. A request is answered only after its batch has
//! committed, so nothing acknowledged can be lost to a crash; under load, one commit
//! serves many requests.

use super::sessions::SessionRecord;
use super::{rfc3339, Error, Millis, Order, Pagination, Result};
use crate::model::{ActionEntry, ActivityItem, LoggedPage, PageVisit, Paged};
use crate::store::tracking::{EventKind, NewEvent, MAX_BATCH};
use crate::store::{self, Db};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Longest page or action name, in characters.
pub const MAX_LABEL_CHARS: usize = 512;
/// Largest `details` object, serialized, in bytes.
pub const MAX_DETAILS_BYTES: usize = 4096;

/// Checks a page or action name: a non-empty string of at most 512 characters.
pub fn validate_label(field: &str, value: Option<&Value>) -> Result<String> {
    let text = match value {
        Some(Value::String(s)) => s,
        Some(_) => return Err(Error::invalid(field, format!("{field} must be a string"))),
        None => return Err(Error::invalid(field, format!("{field} is required"))),
    };
    if text.trim().is_empty() {
        return Err(Error::invalid(field, format!("{field} must not be empty")));
    }
    if text.chars().count() > MAX_LABEL_CHARS {
        return Err(Error::invalid(
            field,
            format!("{field} must be at most {MAX_LABEL_CHARS} characters"),
        ));
    }
    Ok(text.clone())
}

/// Checks action details: absent/null, or a JSON object of at most 4 KiB serialized.
pub fn validate_details(value: Option<&Value>) -> Result<Option<Value>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => {
            if serde_json::to_string(v)
                .map(|s| s.len())
                .unwrap_or(usize::MAX)
                > MAX_DETAILS_BYTES
            {
                return Err(Error::invalid(
                    "details",
                    "details must be at most 4 KiB when serialized",
                ));
            }
            Ok(Some(v.clone()))
        }
        Some(_) => Err(Error::invalid("details", "details must be a JSON object")),
    }
}

/// Whose activity to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One session, by public id (a guest's view).
    Session(String),
    /// Every session of a user, on every device.
    User(String),
}

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

/// An activity entry as stored, before formatting.
#[derive(Clone, Debug)]
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

/// The tracking service.
#[derive(Clone, Debug)]
pub struct Tracking {
    db: Db,
    writer: mpsc::Sender<Pending>,
}

/// An event waiting for its batch, with where to send the outcome.
struct Pending {
    event: NewEvent,
    /// The batch's outcome; one failure is shared by every event of its batch.
    done: oneshot::Sender<Result<u64, Arc<sqlx::Error>>>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("event", &self.event)
            .finish()
    }
}

impl Tracking {
    /// Starts the writer task (needs a Tokio runtime); it stops when every clone is dropped.
    pub fn new(db: Db) -> Self {
        let (writer, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(write_batches(db.clone(), queue));
        Tracking { db, writer }
    }

    /// Appends one event once its batch commits; returns how many of its kind the session has.
    async fn append(&self, event: NewEvent) -> Result<u64> {
        let (done, outcome) = oneshot::channel();
        let stopped = || Error::Unavailable("the event writer has stopped".into());
        self.writer
            .send(Pending { event, done })
            .await
            .map_err(|_| stopped())?;
        outcome
            .await
            .map_err(|_| stopped())?
            .map_err(|e| Error::Unavailable(Box::new(e)))
    }

    /// Records a visit of `page` (already validated) by `session`.
    pub async fn log_page(
        &self,
        session: &SessionRecord,
        page: &str,
        now: Millis,
    ) -> Result<LoggedPage> {
        let total = self
            .append(NewEvent {
                session_id: session.public_id.clone(),
                user_id: session.user_id.clone(),
                kind: EventKind::PageView,
                name: page.to_string(),
                details: None,
                at: now,
            })
            .await?;
        Ok(LoggedPage {
            page: page.to_string(),
            visited_at: rfc3339(now),
            total,
        })
    }

    /// One page of the session's visits.
    pub async fn pages(
        &self,
        session_id: &str,
        page: Pagination,
        order: Order,
    ) -> Result<Paged<PageVisit>> {
        let (rows, total) = store::tracking::page_views(&self.db, session_id, page, order).await?;
        let items = rows
            .into_iter()
            .map(|(page, at)| PageVisit {
                page,
                visited_at: rfc3339(at),
            })
            .collect();
        Ok(Paged::new(items, page.page, page.per_page, total))
    }

    /// Records an action (name and details already validated).
    pub async fn log_action(
        &self,
        session: &SessionRecord,
        action: &str,
        details: Option<Value>,
        now: Millis,
    ) -> Result<ActionEntry> {
        self.append(NewEvent {
            session_id: session.public_id.clone(),
            user_id: session.user_id.clone(),
            kind: EventKind::Action,
            name: action.to_string(),
            details: details.as_ref().map(|d| d.to_string()),
            at: now,
        })
        .await?;
        Ok(ActionEntry {
            action: action.to_string(),
            details: details.unwrap_or(Value::Null),
            at: rfc3339(now),
        })
    }

    /// One page of the session's actions.
    pub async fn actions(
        &self,
        session_id: &str,
        page: Pagination,
        order: Order,
    ) -> Result<Paged<ActionEntry>> {
        let (rows, total) = store::tracking::actions(&self.db, session_id, page, order).await?;
        let items = rows
            .into_iter()
            .map(|(action, details, at)| ActionEntry {
                action,
                details: parse_details(details),
                at: rfc3339(at),
            })
            .collect();
        Ok(Paged::new(items, page.page, page.per_page, total))
    }

    /// One page of the activity feed, newest first.
    pub async fn activity(
        &self,
        scope: &Scope,
        kind: Option<ActivityKind>,
        page: Pagination,
    ) -> Result<Paged<ActivityItem>> {
        let (rows, total) = store::tracking::activity(&self.db, scope, kind, page).await?;
        let items = rows
            .into_iter()
            .map(|r| ActivityItem {
                kind: r.kind,
                session_id: r.session_id,
                page: r.page,
                action: r.action,
                details: r.details.map(|d| parse_details(Some(d))),
                ip: r.ip,
                user_agent: r.user_agent,
                at: rfc3339(r.at),
            })
            .collect();
        Ok(Paged::new(items, page.page, page.per_page, total))
    }
}

/// The writer task: takes whatever is queued (at least one event, at most a batch), writes
/// it in one statement, answers every waiter, repeats.
async fn write_batches(db: Db, mut queue: mpsc::Receiver<Pending>) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let events: Vec<NewEvent> = batch.iter().map(|p| p.event.clone()).collect();
        match store::tracking::insert_events(&db, &events).await {
            Ok(counts) => {
                for (pending, count) in batch.drain(..).zip(counts) {
                    let _ = pending.done.send(Ok(count));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, events = batch.len(), "could not record events");
                let e = Arc::new(e);
                for pending in batch.drain(..) {
                    let _ = pending.done.send(Err(e.clone()));
                }
            }
        }
    }
}

fn parse_details(text: Option<String>) -> Value {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(err: Error) -> String {
        match err {
            Error::Validation { field: Some(f), .. } => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn labels_must_be_non_empty_strings_of_at_most_512_characters() {
        assert_eq!(
            validate_label("page", Some(&json!("dashboard"))).unwrap(),
            "dashboard"
        );
        assert_eq!(
            validate_label("page", Some(&json!("é".repeat(512))))
                .unwrap()
                .chars()
                .count(),
            512
        );
        assert_eq!(
            field(validate_label("page", Some(&json!("é".repeat(513)))).unwrap_err()),
            "page"
        );
        assert_eq!(
            field(validate_label("page", Some(&json!("  "))).unwrap_err()),
            "page"
        );
        assert_eq!(
            field(validate_label("action", Some(&json!(5))).unwrap_err()),
            "action"
        );
        assert_eq!(field(validate_label("action", None).unwrap_err()), "action");
    }

    #[test]
    fn details_are_an_object_of_at_most_4_kib() {
        assert_eq!(validate_details(None).unwrap(), None);
        assert_eq!(validate_details(Some(&Value::Null)).unwrap(), None);
        assert_eq!(
            validate_details(Some(&json!({"a": 1}))).unwrap(),
            Some(json!({"a": 1}))
        );
        assert_eq!(
            field(validate_details(Some(&json!([1]))).unwrap_err()),
            "details"
        );
        let big = json!({ "x": "y".repeat(4096) });
        assert_eq!(field(validate_details(Some(&big)).unwrap_err()), "details");
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
