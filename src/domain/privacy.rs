//! The data-protection rights: access and portability (the export) and erasure.
//!
//! The export is one JSON document with a schema version, holding everything Squid keeps
//! about a user, read in one snapshot so its parts agree. Erasure deletes the account and
//! everything tied to it in one transaction, ends every session on every device, and
//! anonymises the user's audit entries (their type and time stay, so the trail still
//! shows that things happened, not to whom); one anonymous `account_deleted` entry records
//! the erasure itself. Triggers in the schema (`0003_privacy.sql`) keep a request that was
//! in flight from writing a row that names the erased account afterwards.

use super::accounts::{email_key, Account, Accounts};
use super::audit::{AuditEvent, AuditKind, Origin};
use super::consent::Consents;
use super::sessions::Sessions;
use super::{rfc3339, Error, Millis, Result};
use crate::model::{ActivityItem, AuditEntry, ConsentRecord, ConsentState, User};
use crate::store::{self, Db};
use serde::Serialize;

/// The version of the export's shape. Raise it when a field changes meaning or goes away
/// (adding one does not), so programs reading old files can tell.
pub const EXPORT_SCHEMA_VERSION: u32 = 1;

/// `GET /api/gdpr/export`: everything held about a user.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Export {
    pub schema_version: u32,
    pub exported_at: String,
    pub user: User,
    /// The preferences kept in the account (`null` if the user never had any saved).
    pub preferences: Option<ExportedPreferences>,
    /// Every session, live or ended, with its device (user agent and IP), oldest first.
    pub sessions: Vec<ExportedSession>,
    /// Every page view and action, oldest first.
    pub activity: Vec<ActivityItem>,
    pub consents: ExportedConsents,
    /// Every security event about the user, oldest first.
    pub audit: Vec<ExportedAuditEntry>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedPreferences {
    pub theme: String,
    pub notifications: String,
    pub language: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedSession {
    pub id: String,
    pub start_time: String,
    /// `null` while the session is live.
    pub end_time: Option<String>,
    pub end_reason: Option<String>,
    pub live: bool,
    /// The last activity kept for a live session.
    pub last_activity: Option<String>,
    pub user_agent: String,
    pub ip: Option<String>,
    pub page_views: i64,
    pub actions: i64,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedConsents {
    pub policy_version: String,
    /// The state of each kind, as `GET /api/consent` shows it.
    pub items: Vec<crate::model::ConsentItem>,
    /// Every choice made, newest first, as `GET /api/consent/history` shows it.
    pub history: Vec<ConsentRecord>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedAuditEntry {
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// The public id of the session concerned, when there is one.
    pub session_id: Option<String>,
}

/// The privacy service.
#[derive(Clone, Debug)]
pub struct Privacy {
    db: Db,
    accounts: Accounts,
    sessions: Sessions,
    consents: Consents,
}

impl Privacy {
    pub fn new(db: Db, accounts: Accounts, sessions: Sessions, consents: Consents) -> Self {
        Privacy {
            db,
            accounts,
            sessions,
            consents,
        }
    }

    /// Everything held about the account's user. The export is audited as `data_exported`
    /// (`audit` gives the user, time, origin and session) before it is read, so the file
    /// shows its own entry.
    pub async fn export(&self, account: &Account, audit: AuditEvent) -> Result<Export> {
        let now = audit.at;
        let mut event = audit;
        event.kind = AuditKind::DataExported;
        store::audit::insert(&self.db.primary, &event).await?;
        let held = store::privacy::held(&self.db, &account.id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        Ok(self.shape(held, now))
    }

    fn shape(&self, held: store::privacy::Held, now: Millis) -> Export {
        let u = held.user;
        let user = User {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            created_at: rfc3339(u.created_at),
        };
        let preferences =
            u.preferences
                .map(|(theme, notifications, language, at)| ExportedPreferences {
                    theme,
                    notifications,
                    language,
                    updated_at: rfc3339(at),
                });
        let sessions = held
            .sessions
            .into_iter()
            .map(|s| ExportedSession {
                id: s.public_id,
                start_time: rfc3339(s.started_at),
                end_time: s.ended_at.map(rfc3339),
                end_reason: s.end_reason,
                live: s.ended_at.is_none() && s.last_activity.is_some(),
                last_activity: s.last_activity.map(rfc3339),
                user_agent: s.user_agent,
                ip: s.ip,
                page_views: s.page_views,
                actions: s.actions,
            })
            .collect();
        let activity = held
            .events
            .into_iter()
            .map(|e| {
                let page_view = e.kind == "page_view";
                ActivityItem {
                    kind: e.kind,
                    session_id: e.session_id,
                    page: page_view.then(|| e.name.clone()),
                    action: (!page_view).then_some(e.name),
                    details: e.details.and_then(|d| serde_json::from_str(&d).ok()),
                    ip: None,
                    user_agent: None,
                    at: rfc3339(e.at),
                }
            })
            .collect();
        let ConsentState {
            policy_version,
            items,
        } = self.consents.state_of(&held.consents);
        let history: Vec<ConsentRecord> = held
            .consents
            .into_iter()
            .map(store::consent::ConsentRow::into_record)
            .collect();
        let audit = held
            .audit
            .into_iter()
            .map(|a| ExportedAuditEntry {
                entry: AuditEntry {
                    kind: a.kind,
                    at: rfc3339(a.at),
                    ip: a.ip,
                    user_agent: a.user_agent,
                    details: a.details.and_then(|d| serde_json::from_str(&d).ok()),
                },
                session_id: a.session_id,
            })
            .collect();
        Export {
            schema_version: EXPORT_SCHEMA_VERSION,
            exported_at: rfc3339(now),
            user,
            preferences,
            sessions,
            activity,
            consents: ExportedConsents {
                policy_version,
                items,
                history,
            },
            audit,
        }
    }

    /// Erases the account once its password is confirmed (a wrong one is
    /// `ReauthenticationRequired`, counts toward the sign-in throttle and changes nothing).
    /// Every session of the user, on every device, ends with it.
    pub async fn erase(
        &self,
        account: &Account,
        password: &str,
        now: Millis,
        origin: &Origin,
    ) -> Result<()> {
        self.accounts
            .confirm_password(account, password, now, origin)
            .await?;
        let erased = store::privacy::erase(&self.db, &account.id, &email_key(&account.email), now)
            .await?
            .ok_or(Error::Unauthenticated)?;
        self.sessions.evict(&erased.live_sessions, now);
        tracing::info!(
            sessions = erased.sessions,
            events = erased.events,
            consents = erased.consents,
            audit_anonymised = erased.audit_anonymised,
            "account erased"
        );
        Ok(())
    }
}
