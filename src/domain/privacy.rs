//! The data-protection rights: access and portability (the export) and erasure.
//!
//! The export is one JSON document with a schema version, holding everything Squid keeps
//! about a user, read in one snapshot so its parts agree (the data of live sessions, read
//! from the session store, with it). Erasure deletes the account and
//! everything tied to it in one transaction, ends every session on every device, and
//! anonymises the user's audit entries (their type and time stay, so the trail still
//! shows that things happened, not to whom); one anonymous `account_deleted` entry records
//! the erasure itself. The store keeps a request that was in flight from writing a row
//! that names the erased account afterwards.

use super::accounts::validate::Secret;
use super::accounts::Accounts;
use super::consent::{record_of, Consents};
use super::session_data::SessionData;
use super::sessions::Sessions;
use super::tracking::activity_item;
use super::visitor::Visitor;
use super::{audit, rfc3339, AuditEvent, AuditKind, EndReason, Error, Happened, Millis};
use super::{Origin, PrefsCookie, Result, SessionChange, TokenHash};
use crate::model::{ConsentState, DataEntry, Export, ExportedConsents, ExportedPreferences};
use crate::model::{ExportedAuditEntry, ExportedSession, User};
use crate::store::{Held, Store};
use std::collections::HashMap;
use std::sync::Arc;

/// The version of the export's shape. Raise it when a field changes meaning or goes away
/// (adding one does not), so programs reading old files can tell.
pub const EXPORT_SCHEMA_VERSION: u32 = 1;

/// The file name of an export made at `exported_at` (RFC 3339): `squid-export-<date>.json`.
pub fn export_file_name(exported_at: &str) -> String {
    format!(
        "squid-export-{}.json",
        exported_at.get(..10).unwrap_or("unknown")
    )
}

/// The privacy service.
#[derive(Clone, Debug)]
pub struct Privacy {
    store: Arc<dyn Store>,
    sessions: Sessions,
    accounts: Accounts,
    consents: Consents,
    data: SessionData,
    /// `REAUTH_WINDOW_SECS`: how recent a wallet sign-in confirms an erasure.
    reauth_window: Millis,
}

impl Privacy {
    pub fn new(
        store: Arc<dyn Store>,
        sessions: Sessions,
        accounts: Accounts,
        consents: Consents,
        data: SessionData,
        reauth_window: Millis,
    ) -> Self {
        Privacy {
            store,
            sessions,
            accounts,
            consents,
            data,
            reauth_window,
        }
    }

    /// Everything held about the signed-in user. The export is audited as `data_exported`
    /// before it is read, so the file shows its own entry.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn export(&self, visitor: &Visitor, now: Millis) -> Result<Export> {
        let account = visitor.account()?;
        let event = visitor.audit_event(AuditKind::DataExported, now);
        let mut conn = self.store.conn();
        conn.insert_audit(&event).await?;
        let held = conn
            .held(&account.id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        // Which logs are live, and their activity, is the session store's to say (a
        // separate store when the sessions are in Redis).
        let mut live: HashMap<String, (Millis, Vec<DataEntry>)> = HashMap::new();
        for session in conn.user_sessions(&account.id).await? {
            let data = self.data.entries_of(&mut *conn, &session).await?;
            let record = session.record;
            live.insert(record.public_id, (record.last_activity, data));
        }
        Ok(self.shape(held, live, now))
    }

    fn shape(
        &self,
        held: Held,
        mut live: HashMap<String, (Millis, Vec<DataEntry>)>,
        now: Millis,
    ) -> Export {
        let u = held.user;
        let preferences = match (u.theme, u.notifications, u.language, u.preferences_at) {
            (Some(theme), Some(notifications), Some(language), Some(at)) => {
                Some(ExportedPreferences {
                    theme,
                    notifications,
                    language,
                    updated_at: rfc3339(at),
                })
            }
            _ => None,
        };
        let user = User {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            wallet: u.wallet,
            created_at: rfc3339(u.created_at),
        };
        let sessions = held
            .sessions
            .into_iter()
            .map(|s| {
                let (last_activity, data) = match live.remove(&s.public_id) {
                    Some((at, data)) => (Some(at), data),
                    None => (None, vec![]),
                };
                ExportedSession {
                    live: s.ended_at.is_none() && last_activity.is_some(),
                    last_activity: last_activity.map(rfc3339),
                    id: s.public_id,
                    start_time: rfc3339(s.started_at),
                    end_time: s.ended_at.map(rfc3339),
                    end_reason: s.end_reason,
                    user_agent: s.user_agent,
                    ip: s.ip,
                    page_views: s.page_views,
                    actions: s.actions,
                    data,
                }
            })
            .collect();
        let ConsentState {
            policy_version,
            items,
        } = self.consents.state_of(&held.consents);
        let audit = held
            .audit
            .into_iter()
            .map(|row| ExportedAuditEntry {
                session_id: row.session_id.clone(),
                entry: audit::entry(row),
            })
            .collect();
        Export {
            schema_version: EXPORT_SCHEMA_VERSION,
            exported_at: rfc3339(now),
            user,
            preferences,
            sessions,
            activity: held.events.into_iter().map(activity_item).collect(),
            consents: ExportedConsents {
                policy_version,
                items,
                history: held.consents.into_iter().filter_map(record_of).collect(),
            },
            audit,
        }
    }

    /// Erases the signed-in user's account once the password is confirmed (a wrong one is
    /// `ReauthenticationRequired`, counts toward the sign-in throttle and changes nothing).
    /// Every session of the user, on every device, ends with it; this visitor is a guest
    /// without cookies from here on.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn erase(
        &self,
        visitor: &mut Visitor,
        password: Option<Secret>,
        now: Millis,
    ) -> Result<Happened> {
        let account = match visitor.account()?.password_hash {
            Some(_) => {
                let password = super::required("password", password)?;
                self.accounts.confirm(visitor, &password, now).await?
            }
            // An account made by a wallet has no password: its recent sign-in confirms.
            None if visitor.recently_authenticated(self.reauth_window, now) => {
                visitor.account()?.clone()
            }
            None => return Err(Error::ReauthenticationRequired),
        };
        let mut happened = Happened::default();
        let mut tx = self.store.begin().await?;
        let live: Vec<TokenHash> = tx
            .user_sessions(&account.id)
            .await?
            .into_iter()
            .map(|s| s.hash)
            .collect();
        let ended = self
            .sessions
            .end(&mut *tx, &live, EndReason::Erased, None, now)
            .await?;
        happened.ended(ended);
        let erased = tx
            .erase_user(&account.id, &account.throttle_keys())
            .await?
            .ok_or(Error::Unauthenticated)?;
        let record = AuditEvent::new(AuditKind::AccountDeleted, None, now, Origin::default());
        happened.audit(&mut *tx, record).await?;
        tx.commit().await?;
        tracing::info!(
            sessions = erased.sessions,
            events = erased.events,
            consents = erased.consents,
            audit_anonymised = erased.audit_anonymised,
            "account erased"
        );
        visitor.session = None;
        visitor.account = None;
        visitor.consent_due = false;
        happened.session = SessionChange::Ended;
        happened.prefs_cookie = PrefsCookie::Remove;
        Ok(happened)
    }
}
