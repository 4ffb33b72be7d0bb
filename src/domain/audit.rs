//! The audit trail: security events of an account (sign-ins, failures, sign-outs, ended
//! sessions, password, preference and consent changes, exports), each with its time, IP and user agent.
//!
//! An entry never holds a session token; where a session matters it names the session's
//! public id and the first 8 hex digits of the token's hash ([`super::sessions::TokenHash::short`]).

use super::{rfc3339, Millis, Pagination, Result};
use crate::model::{AuditEntry, Paged};
use crate::store::{self, Db};
use serde_json::Value;

/// The kinds of security event (`type` in the API).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditKind {
    Login,
    LoginFailed,
    Logout,
    Reauth,
    SessionRevoked,
    SessionExpired,
    PasswordChanged,
    PreferencesChanged,
    ConsentChanged,
    DataExported,
    /// An account was erased: written with no user, IP or user agent, so the trail keeps
    /// that an erasure happened, not whose. Never listed (it belongs to nobody).
    AccountDeleted,
}

impl AuditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Login => "login",
            AuditKind::LoginFailed => "login_failed",
            AuditKind::Logout => "logout",
            AuditKind::Reauth => "reauth",
            AuditKind::SessionRevoked => "session_revoked",
            AuditKind::SessionExpired => "session_expired",
            AuditKind::PasswordChanged => "password_changed",
            AuditKind::PreferencesChanged => "preferences_changed",
            AuditKind::ConsentChanged => "consent_changed",
            AuditKind::DataExported => "data_exported",
            AuditKind::AccountDeleted => "account_deleted",
        }
    }
}

/// Where a request came from: recorded with every event it causes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// An event to record.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub user_id: Option<String>,
    pub kind: AuditKind,
    pub at: Millis,
    pub origin: Origin,
    /// The public id of the session concerned and the short hash of its token.
    pub session: Option<(String, String)>,
    pub details: Option<Value>,
}

impl AuditEvent {
    pub fn new(kind: AuditKind, user_id: Option<String>, at: Millis, origin: Origin) -> Self {
        AuditEvent {
            user_id,
            kind,
            at,
            origin,
            session: None,
            details: None,
        }
    }

    pub fn session(mut self, public_id: &str, hash_short: String) -> Self {
        self.session = Some((public_id.to_string(), hash_short));
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// The audit service.
#[derive(Clone, Debug)]
pub struct Audit {
    db: Db,
}

impl Audit {
    pub fn new(db: Db) -> Self {
        Audit { db }
    }

    pub async fn record(&self, event: AuditEvent) -> Result<()> {
        Ok(store::audit::insert(&self.db.primary, &event).await?)
    }

    /// One page of a user's own events, newest first.
    pub async fn list(&self, user_id: &str, page: Pagination) -> Result<Paged<AuditEntry>> {
        let (rows, total) = store::audit::list(&self.db, user_id, page).await?;
        let items = rows
            .into_iter()
            .map(|r| AuditEntry {
                kind: r.kind,
                at: rfc3339(r.at),
                ip: r.ip,
                user_agent: r.user_agent,
                details: r.details.and_then(|d| serde_json::from_str(&d).ok()),
            })
            .collect();
        Ok(Paged::new(items, page.page, page.per_page, total))
    }
}
