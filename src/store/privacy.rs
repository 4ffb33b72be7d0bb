//! The rights of `API.md`'s privacy section, at the storage level: reading everything held
//! about a user in one snapshot (the export) and deleting it (erasure).

use super::{ActivityRow, AuditRow, ConsentRow, StoreResult};
use crate::domain::Millis;

/// The account row with its preferences row, as the export shows them.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: Option<String>,
    pub wallet: Option<String>,
    pub display_name: Option<String>,
    pub role: String,
    pub created_at: Millis,
    pub theme: Option<String>,
    pub notifications: Option<String>,
    pub language: Option<String>,
    pub preferences_at: Option<Millis>,
}

/// The log of one session of the user, ended or live (the live ones' activity is the
/// session store's: [`super::SessionRepo::user_sessions`]).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LogRow {
    pub public_id: String,
    pub user_agent: String,
    pub ip: Option<String>,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub end_reason: Option<String>,
    pub page_views: i64,
    pub actions: i64,
}

/// Everything held about one user, read in one snapshot, each list oldest first (consent
/// choices newest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub user: UserRow,
    pub sessions: Vec<LogRow>,
    /// Page views and actions, in the activity feed's shape.
    pub events: Vec<ActivityRow>,
    pub consents: Vec<ConsentRow>,
    pub audit: Vec<AuditRow>,
}

/// What an erasure removed, for the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub sessions: u64,
    pub events: u64,
    pub consents: u64,
    pub audit_anonymised: u64,
}

#[async_trait::async_trait]
pub trait PrivacyRepo {
    /// Everything held about a user, in one snapshot; `None`: no such account.
    async fn held(&mut self, user_id: &str) -> StoreResult<Option<Held>>;

    /// Deletes an account and everything that names it but its live sessions (those end
    /// through [`super::SessionRepo`]): its audit entries, and those of its sessions, are
    /// anonymised to type and time; its events, session logs, consents, preferences and the
    /// sign-in attempts under `attempt_keys` (the throttle's
    /// keys of its email and wallet) are deleted. `None`: no such account (nothing changed).
    async fn erase_user(
        &mut self,
        user_id: &str,
        attempt_keys: &[[u8; 32]],
    ) -> StoreResult<Option<Erased>>;
}
