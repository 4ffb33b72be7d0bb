//! The domain's leaf types: plain data with pure methods, importing nothing of the crate but
//! `model`. They are what crosses the storage seam, so `store` may import them (re-exported
//! at [`crate::domain`]) without reaching into the rules.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Milliseconds since the Unix epoch, UTC. Times are stored and compared as these.
pub type Millis = i64;

/// The time as the application sees it: the system clock, shifted by an offset that only
/// tests move ([`Clock::advance`]), so they can pass an idle timeout without sleeping.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// The current time in [`Millis`].
    pub fn now(&self) -> Millis {
        system_millis() + self.offset.load(Ordering::Relaxed)
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: std::time::Duration) {
        self.offset
            .fetch_add(by.as_millis() as Millis, Ordering::Relaxed);
    }
}

fn system_millis() -> Millis {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970");
    now.as_millis() as Millis
}

/// Formats a time as the contract wants it: RFC 3339, UTC, milliseconds
/// (`2026-11-22T10:15:30.123Z`).
pub fn rfc3339(ms: Millis) -> String {
    const FORMAT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(FORMAT).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_string())
}

/// Which page of a list to return (`?page=1&perPage=20`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pagination {
    pub page: u32,
    pub per_page: u32,
}

impl Default for Pagination {
    fn default() -> Self {
        Pagination {
            page: 1,
            per_page: 20,
        }
    }
}

impl Pagination {
    pub const MAX_PER_PAGE: u32 = 100;

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// Oldest first (`asc`, the default) or newest first (`desc`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    Asc,
    Desc,
}

/// SHA-256 of a session token: the key under which a session is stored. The token itself
/// never reaches storage (see `domain::sessions::Token`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// The first 8 hex digits: enough to follow one session through the logs, useless to
    /// an attacker.
    pub fn short(&self) -> String {
        self.0[..4].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenHash({}…)", self.short())
    }
}

/// SHA-256 of the exact bytes of a request's `User-Agent` (or of its absence), which a
/// session is bound to: comparing the text would read every non-UTF-8 agent, and a
/// missing one, as the same empty string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentHash(pub [u8; 32]);

impl AgentHash {
    /// The hash of a `User-Agent` header's bytes; `None`: the request had none. The two
    /// are told apart by a prefix, so no header hashes like an absent one.
    pub fn of(header: Option<&[u8]>) -> AgentHash {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        match header {
            Some(bytes) => {
                h.update(b"present:");
                h.update(bytes);
            }
            None => h.update(b"absent"),
        }
        AgentHash(h.finalize().into())
    }
}

/// The timeouts, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: Millis,
    pub absolute: Millis,
}

impl SessionPolicy {
    /// How stale the stored `last_activity` may get before a request rewrites it.
    pub fn touch_interval(&self) -> Millis {
        (self.idle / 60).clamp(1, 30_000)
    }
}

/// A live session as stored (no token in it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub public_id: String,
    pub user_id: Option<String>,
    /// The `User-Agent` as text, for people (undecodable bytes replaced).
    pub user_agent: String,
    /// What the session is bound to; `None` for sessions stored before it was kept, which
    /// compare by text.
    pub agent_hash: Option<AgentHash>,
    pub ip: Option<String>,
    pub started_at: Millis,
    pub last_activity: Millis,
    /// When the user last signed in or re-authenticated on this session.
    pub auth_at: Option<Millis>,
    /// Held by an app through a bearer token, not by a browser's cookie.
    #[serde(default)]
    pub app: bool,
}

impl SessionRecord {
    /// The earlier of the idle and the absolute deadline.
    pub fn expires_at(&self, policy: &SessionPolicy) -> Millis {
        (self.last_activity + policy.idle).min(self.started_at + policy.absolute)
    }

    pub fn is_live(&self, policy: &SessionPolicy, now: Millis) -> bool {
        now < self.expires_at(policy)
    }

    /// Whether a request with this `User-Agent` may use the session.
    pub fn same_agent(&self, agent: &AgentHash, text: &str) -> bool {
        match &self.agent_hash {
            Some(hash) => hash == agent,
            None => self.user_agent == text,
        }
    }
}

/// Why a session ended, as kept in its history and, for a user's session, in the audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// The visitor ended it (`DELETE /api/session`, "End session", a fresh `POST /api/session`).
    Ended,
    /// Sign-out.
    SignedOut,
    /// Replaced by a new token at sign-in or re-authentication (fixation defence).
    Rotated,
    /// A timeout passed.
    Expired,
    /// It was presented with another User-Agent than it started with.
    UserAgentChanged,
    /// The user ended it from another device (or its account is gone).
    Revoked,
    /// The user changed their password elsewhere.
    PasswordChanged,
    /// The user signed in on more devices than `MAX_SESSIONS_PER_USER` allows.
    Evicted,
    /// An administrator ended it (`/admin/sessions`).
    Admin,
    /// The account was erased: its history goes with it, so nothing is kept of this end.
    Erased,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Ended => "ended",
            EndReason::SignedOut => "signed_out",
            EndReason::Rotated => "rotated",
            EndReason::Expired => "expired",
            EndReason::UserAgentChanged => "user_agent_changed",
            EndReason::Revoked => "revoked",
            EndReason::PasswordChanged => "password_changed",
            EndReason::Evicted => "evicted",
            EndReason::Admin => "admin",
            EndReason::Erased => "erased",
        }
    }

    /// Under which name the session statistics count an end (`API.md`: `logout`,
    /// `expired`, `revoked`, `evicted`, …); `None` for a rotation, which replaces a token
    /// and ends no visit. Reads the stored name back, for the log's `end_reason`.
    pub fn stats_key(stored: &str) -> Option<&'static str> {
        Some(match stored {
            "ended" | "signed_out" => "logout",
            "expired" => "expired",
            "revoked" | "admin" => "revoked",
            "evicted" => "evicted",
            "password_changed" => "password_changed",
            "user_agent_changed" => "user_agent_changed",
            "erased" => "erased",
            _ => return None,
        })
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

/// Where a request came from: recorded with every event it causes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

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
    WalletLinked,
    WalletUnlinked,
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
            AuditKind::WalletLinked => "wallet_linked",
            AuditKind::WalletUnlinked => "wallet_unlinked",
            AuditKind::AccountDeleted => "account_deleted",
        }
    }
}

/// A security event to record. It never holds a session token: where a session matters it
/// names the session's public id and [`TokenHash::short`].
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub user_id: Option<String>,
    pub kind: AuditKind,
    pub at: Millis,
    pub origin: Origin,
    /// The public id of the session concerned and the short hash of its token.
    pub session: Option<(String, String)>,
    pub details: Option<serde_json::Value>,
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

    pub fn session(mut self, public_id: &str, hash: &TokenHash) -> Self {
        self.session = Some((public_id.to_string(), hash.short()));
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_has_milliseconds_and_z() {
        assert_eq!(rfc3339(1_795_342_530_123), "2026-11-22T10:15:30.123Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn a_clock_moves_forward_for_every_clone() {
        let clock = Clock::default();
        let other = clock.clone();
        let before = other.now();
        clock.advance(std::time::Duration::from_secs(3600));
        assert!(other.now() - before >= 3_600_000);
    }

    #[test]
    fn expiry_is_the_earlier_of_idle_and_absolute() {
        const MIN: Millis = 60_000;
        let policy = SessionPolicy {
            idle: 30 * MIN,
            absolute: 24 * 60 * MIN,
        };
        let record = |started_at, last_activity| SessionRecord {
            public_id: "p".into(),
            user_id: None,
            user_agent: "test".into(),
            agent_hash: None,
            ip: None,
            started_at,
            last_activity,
            auth_at: None,
            app: false,
        };
        let r = record(0, 10 * MIN);
        assert_eq!(r.expires_at(&policy), 40 * MIN);
        assert!(r.is_live(&policy, 40 * MIN - 1));
        assert!(!r.is_live(&policy, 40 * MIN));
        let busy = record(0, 24 * 60 * MIN - MIN);
        assert_eq!(busy.expires_at(&policy), 24 * 60 * MIN);
    }

    #[test]
    fn the_touch_interval_is_a_sixtieth_of_idle_capped_at_thirty_seconds() {
        let policy = |idle, absolute| SessionPolicy { idle, absolute };
        assert_eq!(policy(30 * 60_000, 86_400_000).touch_interval(), 30_000);
        assert_eq!(policy(2_000, 10_000).touch_interval(), 33);
        assert_eq!(policy(10, 10).touch_interval(), 1);
    }
}
