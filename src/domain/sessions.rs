//! Sessions: the token, its hash, the two expiry rules, and the life cycle
//! (start, load, touch, end, sweep).
//!
//! The cookie carries an opaque 128-bit random token. Only its SHA-256 is stored, so a
//! leaked database cannot be replayed as cookies. A session is live while both rules hold:
//! - idle: less than `idle` since its last activity (every request counts, reads too);
//! - absolute: less than `absolute` since it started, however busy it is.
//!
//! Sliding the idle timer on every read would cost a write per request. Instead the stored
//! `last_activity` is moved only when it is at least [`SessionPolicy::touch_interval`]
//! old (1/60 of the idle timeout, at most 30 s). The stored value is therefore at most one
//! interval behind, so a session can end up to that much *early*, never late: the
//! conservative side for a security timeout. Nothing acknowledged depends on it.
//!
//! Live sessions are also cached in-process ([`super::session_cache`]), so most requests
//! find theirs without a database round trip; every end goes through this service, which
//! evicts the cache before the row goes.

use super::audit::{AuditEvent, AuditKind, Origin};
use super::session_cache::SessionCache;
use super::{Error, Millis, Result};
use crate::store::{self, Db};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The secret a browser holds: 128 random bits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Token(pub [u8; 16]);

// Never print a token, even by accident in a `{:?}`.
impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token(hash {})", self.hash().short())
    }
}

/// SHA-256 of a token: the key under which a session is stored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenHash(pub [u8; 32]);

impl Token {
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0).into())
    }
}

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

/// A fresh public id: 96 random bits, URL-safe, unrelated to the token.
pub fn new_public_id() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
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
    pub user_agent: String,
    pub ip: Option<String>,
    pub started_at: Millis,
    pub last_activity: Millis,
    /// When the user last signed in or re-authenticated on this session.
    pub auth_at: Option<Millis>,
}

impl SessionRecord {
    /// The earlier of the idle and the absolute deadline.
    pub fn expires_at(&self, policy: &SessionPolicy) -> Millis {
        (self.last_activity + policy.idle).min(self.started_at + policy.absolute)
    }

    pub fn is_live(&self, policy: &SessionPolicy, now: Millis) -> bool {
        now < self.expires_at(policy)
    }
}

/// Who a new session is for and where it comes from.
#[derive(Clone, Debug, Default)]
pub struct NewSession {
    pub user_id: Option<String>,
    pub user_agent: String,
    pub ip: Option<String>,
    pub auth_at: Option<Millis>,
}

impl NewSession {
    /// The record a session started `now` with these facts will have.
    pub fn into_record(self, now: Millis) -> SessionRecord {
        SessionRecord {
            public_id: new_public_id(),
            user_id: self.user_id,
            user_agent: self.user_agent,
            ip: self.ip,
            started_at: now,
            last_activity: now,
            auth_at: self.auth_at,
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
    /// The user ended it from another device.
    Revoked,
    /// The user changed their password elsewhere.
    PasswordChanged,
    /// The user signed in on more devices than `MAX_SESSIONS_PER_USER` allows.
    Evicted,
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
        }
    }

    /// The audit event an end of a session for `user` writes, if any. A guest's session
    /// is audited only when it was hijacked (`user_agent_changed`), with no user.
    pub fn audit(
        self,
        ended: &EndedSession,
        hash: &TokenHash,
        at: Millis,
        origin: Option<&Origin>,
    ) -> Option<AuditEvent> {
        let kind = match self {
            EndReason::Rotated => return None,
            _ if ended.user_id.is_none() && self != EndReason::UserAgentChanged => return None,
            EndReason::Ended | EndReason::SignedOut => AuditKind::Logout,
            EndReason::Expired => AuditKind::SessionExpired,
            EndReason::UserAgentChanged
            | EndReason::Revoked
            | EndReason::PasswordChanged
            | EndReason::Evicted => AuditKind::SessionRevoked,
        };
        let origin = origin.cloned().unwrap_or_else(|| Origin {
            ip: ended.ip.clone(),
            user_agent: Some(ended.user_agent.clone()),
        });
        let mut event = AuditEvent::new(kind, ended.user_id.clone(), at, origin)
            .session(&ended.public_id, hash.short());
        if kind == AuditKind::SessionRevoked {
            event = event.details(serde_json::json!({
                "reason": self.as_str(),
                "sessionId": ended.public_id,
            }));
        }
        Some(event)
    }
}

/// What the store reports of a session it has just ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndedSession {
    pub public_id: String,
    pub user_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: String,
}

/// A live session of a user, as the devices list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSession {
    pub hash: TokenHash,
    pub record: SessionRecord,
}

/// The session service: rules over the session store.
#[derive(Clone, Debug)]
pub struct Sessions {
    db: Db,
    pub policy: SessionPolicy,
    cache: std::sync::Arc<SessionCache>,
}

/// `start` found the token already taken; the caller draws another.
#[derive(Debug)]
pub struct TokenTaken;

impl Sessions {
    pub fn new(db: Db, policy: SessionPolicy) -> Self {
        Sessions {
            db,
            policy,
            cache: Default::default(),
        }
    }

    /// Stores a new live session under `token`. `record` comes from [`NewSession::into_record`].
    pub async fn start(
        &self,
        token: &Token,
        record: &SessionRecord,
    ) -> Result<Result<(), TokenTaken>> {
        let hash = token.hash();
        match store::sessions::insert(&self.db, &hash, record).await {
            Ok(()) => {
                self.cache.put(&hash, record.clone(), record.started_at);
                Ok(Ok(()))
            }
            Err(store::sessions::InsertError::Collision) => Ok(Err(TokenTaken)),
            Err(store::sessions::InsertError::Db(e)) => Err(Error::from(e)),
        }
    }

    /// The live session behind `token`, if there is one. A session found past either
    /// deadline is ended on the spot and reported as absent.
    pub async fn load(&self, token: &Token, now: Millis) -> Result<Option<SessionRecord>> {
        let hash = token.hash();
        let record = match self.cache.get(&hash, now) {
            Some(record) => record,
            None => match store::sessions::find(&self.db, &hash).await? {
                // What the cache holds may carry newer activity than the row.
                Some(record) => self.cache.put(&hash, record.clone(), now).unwrap_or(record),
                None => {
                    self.cache.forget(&hash);
                    return Ok(None);
                }
            },
        };
        if record.is_live(&self.policy, now) {
            Ok(Some(record))
        } else {
            self.end(token, EndReason::Expired, record.expires_at(&self.policy))
                .await?;
            Ok(None)
        }
    }

    /// Counts a request as activity. Writes only when the stored time is at least one touch
    /// interval old; returns the record as it now stands (with `last_activity = now`).
    pub async fn touch(
        &self,
        token: &Token,
        mut record: SessionRecord,
        now: Millis,
    ) -> Result<SessionRecord> {
        let hash = token.hash();
        let stored = self
            .cache
            .stored_activity(&hash)
            .unwrap_or(record.last_activity);
        let write = now - stored >= self.policy.touch_interval();
        if write {
            store::sessions::touch(&self.db, &hash, now).await?;
        }
        self.cache.touch(&hash, now, write);
        record.last_activity = record.last_activity.max(now);
        Ok(record)
    }

    /// Saves who the session belongs to (sign-in, re-authentication). Never re-creates an
    /// ended session.
    pub async fn save_identity(&self, token: &Token, record: &SessionRecord) -> Result<()> {
        let hash = token.hash();
        // tower-sessions saves every modified session when the response leaves, right
        // after `start` stored it: nothing changed, nothing to write.
        if self
            .cache
            .has_identity(&hash, &record.user_id, record.auth_at)
        {
            return Ok(());
        }
        store::sessions::update_identity(&self.db, &hash, record).await?;
        // Read back on next use rather than trusting the caller's copy.
        self.cache.forget(&hash);
        Ok(())
    }

    /// Ends the session behind `token`. Returns its public id, or `None` if it was not live.
    /// The audit entry the end calls for (see [`EndReason::audit`]) is written in the same
    /// transaction, with the session's own IP and user agent.
    pub async fn end(
        &self,
        token: &Token,
        reason: EndReason,
        now: Millis,
    ) -> Result<Option<String>> {
        self.end_from(token, reason, now, None).await
    }

    /// [`Sessions::end`], audited with the IP and user agent of the request that caused it.
    pub async fn end_from(
        &self,
        token: &Token,
        reason: EndReason,
        now: Millis,
        origin: Option<&Origin>,
    ) -> Result<Option<String>> {
        let hash = token.hash();
        // Evict (and tombstone) first, so no lookup re-caches it while the row goes.
        self.cache.end(&hash, now);
        let ended = store::sessions::end(&self.db, &[hash], reason, now, origin).await?;
        Ok(ended.into_iter().next().map(|e| e.public_id))
    }

    /// The user's live sessions, most recently active first, with the activity this
    /// process has seen (fresher than the stored time by up to one touch interval).
    pub async fn for_user(&self, user_id: &str, now: Millis) -> Result<Vec<UserSession>> {
        let mut list: Vec<UserSession> = store::sessions::for_user(&self.db, user_id)
            .await?
            .into_iter()
            .map(|(hash, mut record)| {
                if let Some(seen) = self.cache.last_activity(&hash) {
                    record.last_activity = record.last_activity.max(seen);
                }
                UserSession { hash, record }
            })
            .filter(|s| s.record.is_live(&self.policy, now))
            .collect();
        list.sort_by(|a, b| {
            (b.record.last_activity, b.record.started_at)
                .cmp(&(a.record.last_activity, a.record.started_at))
        });
        Ok(list)
    }

    /// Ends the sessions of `user_id` whose public ids match `select`, returning the ids ended.
    pub async fn end_for_user(
        &self,
        user_id: &str,
        select: impl Fn(&UserSession) -> bool,
        reason: EndReason,
        now: Millis,
        origin: Option<&Origin>,
    ) -> Result<Vec<String>> {
        let chosen: Vec<TokenHash> = self
            .for_user(user_id, now)
            .await?
            .into_iter()
            .filter(|s| select(s))
            .map(|s| s.hash)
            .collect();
        self.end_all(&chosen, reason, now, origin).await
    }

    /// Ends these sessions (evicting them from the cache first), returning the ids ended.
    async fn end_all(
        &self,
        hashes: &[TokenHash],
        reason: EndReason,
        now: Millis,
        origin: Option<&Origin>,
    ) -> Result<Vec<String>> {
        if hashes.is_empty() {
            return Ok(vec![]);
        }
        for hash in hashes {
            self.cache.end(hash, now);
        }
        let ended = store::sessions::end(&self.db, hashes, reason, now, origin).await?;
        Ok(ended.into_iter().map(|e| e.public_id).collect())
    }

    /// Evicts (and tombstones) sessions whose rows are already gone (an erasure deleted
    /// them), so no request of this process finds them in the cache.
    pub fn evict(&self, hashes: &[TokenHash], now: Millis) {
        for hash in hashes {
            self.cache.end(hash, now);
        }
    }

    /// Makes what a guest session recorded part of the user's history.
    pub async fn adopt_history(&self, public_id: &str, user_id: &str) -> Result<()> {
        Ok(store::sessions::adopt_history(&self.db, public_id, user_id).await?)
    }

    /// Keeps at most `max` live sessions for the user, ending the least recently active
    /// beyond that (never `keep`, the one just signed in).
    pub async fn enforce_cap(
        &self,
        user_id: &str,
        keep: &str,
        max: usize,
        now: Millis,
    ) -> Result<Vec<String>> {
        let live = self.for_user(user_id, now).await?;
        if live.len() <= max {
            return Ok(vec![]);
        }
        // Most recent first, the kept one counted first of all.
        let mut ordered: Vec<&UserSession> =
            live.iter().filter(|s| s.record.public_id == keep).collect();
        ordered.extend(live.iter().filter(|s| s.record.public_id != keep));
        let evict: Vec<TokenHash> = ordered[max.max(1)..].iter().map(|s| s.hash).collect();
        self.end_all(&evict, EndReason::Evicted, now, None).await
    }

    /// Deletes every expired session; run periodically by the server. Returns how many.
    pub async fn sweep(&self, now: Millis) -> Result<u64> {
        let ended = store::sessions::delete_expired(
            &self.db,
            now - self.policy.idle,
            now - self.policy.absolute,
            self.policy.idle,
            self.policy.absolute,
        )
        .await?;
        for hash in &ended {
            self.cache.end(hash, now);
        }
        self.cache.prune(now);
        Ok(ended.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;
    const POLICY: SessionPolicy = SessionPolicy {
        idle: 30 * MIN,
        absolute: 24 * 60 * MIN,
    };

    fn record(started_at: Millis, last_activity: Millis) -> SessionRecord {
        SessionRecord {
            public_id: new_public_id(),
            user_id: None,
            user_agent: "test".into(),
            ip: None,
            started_at,
            last_activity,
            auth_at: None,
        }
    }

    #[test]
    fn expiry_is_the_earlier_of_idle_and_absolute() {
        let r = record(0, 10 * MIN);
        assert_eq!(r.expires_at(&POLICY), 40 * MIN);
        assert!(r.is_live(&POLICY, 40 * MIN - 1));
        assert!(!r.is_live(&POLICY, 40 * MIN));
        let busy = record(0, 24 * 60 * MIN - MIN);
        assert_eq!(busy.expires_at(&POLICY), 24 * 60 * MIN);
    }

    #[test]
    fn the_touch_interval_is_a_sixtieth_of_idle_capped_at_thirty_seconds() {
        assert_eq!(POLICY.touch_interval(), 30_000);
        assert_eq!(
            SessionPolicy {
                idle: 2_000,
                absolute: 10_000
            }
            .touch_interval(),
            33
        );
        assert_eq!(
            SessionPolicy {
                idle: 10,
                absolute: 10
            }
            .touch_interval(),
            1
        );
    }

    #[test]
    fn token_hashes_are_stable_and_never_the_token() {
        let t = Token([7; 16]);
        assert_eq!(t.hash(), Token([7; 16]).hash());
        assert_ne!(t.hash(), Token([8; 16]).hash());
        assert!(!format!("{t:?}").contains("07070707"));
        assert_eq!(t.hash().short().len(), 8);
    }

    #[test]
    fn public_ids_are_random_and_url_safe() {
        let a = new_public_id();
        assert_ne!(a, new_public_id());
        assert_eq!(a.len(), 16);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
