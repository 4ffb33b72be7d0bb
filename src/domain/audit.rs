//! The audit trail: security events of an account (sign-ins, failures, sign-outs, ended
//! sessions, password, preference and consent changes, exports), each with its time, IP
//! and user agent. Use cases write their events in their own transaction (see
//! [`super::Happened::audit`]); this service lists them.
//!
//! An entry never holds a session token; where a session matters it names the session's
//! public id and the first 8 hex digits of the token's hash ([`super::TokenHash::short`]).

use super::{rfc3339, AuditEvent, Pagination, Result};
use crate::model::{AuditEntry, Paged};
use crate::store::{AuditRow, Store};
use std::sync::Arc;

/// An entry as the API shows it.
pub fn entry(row: AuditRow) -> AuditEntry {
    AuditEntry {
        kind: row.kind,
        at: rfc3339(row.at),
        ip: row.ip,
        user_agent: row.user_agent,
        details: row.details.and_then(|d| serde_json::from_str(&d).ok()),
    }
}

/// The audit service.
#[derive(Clone, Debug)]
pub struct Audit {
    store: Arc<dyn Store>,
}

impl Audit {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Audit { store }
    }

    /// Records one event on its own.
    pub async fn record(&self, event: AuditEvent) -> Result<()> {
        Ok(self.store.conn().insert_audit(&event).await?)
    }

    /// One page of a user's own events, newest first.
    pub async fn list(&self, user_id: &str, page: Pagination) -> Result<Paged<AuditEntry>> {
        let (rows, total) = self.store.conn().audit_of_user(user_id, page).await?;
        let items = rows.into_iter().map(entry).collect();
        Ok(Paged::new(items, page.page, page.per_page, total))
    }
}
