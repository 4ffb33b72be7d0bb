//! Sessions: the life cycle (start, load, touch, end, sweep) over the store's live sessions
//! and their durable log.
//!
//! A session is live while both rules hold:
//! - idle: less than `idle` since its last activity (every request counts, reads too);
//! - absolute: less than `absolute` since it started, however busy it is.
//!
//! Sliding the idle timer on every read would cost a write per request. Instead the stored
//! `last_activity` is moved only when it is at least [`SessionPolicy::touch_interval`]
//! old (1/60 of the idle timeout, at most 30 s). The stored value is therefore at most one
//! interval behind, so a session can end up to that much *early*, never late: the
//! conservative side for a security timeout. Nothing acknowledged depends on it.
//!
//! Live sessions are also cached in-process (`cache`), so most requests find theirs
//! without a round trip to the store. Every end goes through [`Sessions::end`], which
//! tombstones the cache entry before the row goes.

mod cache;
mod token;

pub use token::{new_public_id, Token};

use super::{AgentHash, SessionRecord, TokenHash};
use super::{AuditEvent, AuditKind, EndReason, Millis, Origin, Result, SessionPolicy};
use crate::store::{Conn, Rekeyed, Store, StoredSession};
use cache::SessionCache;
use std::sync::Arc;

/// A live session and the token that opened it (the token stays in memory, never logged).
#[derive(Clone, Debug)]
pub struct LiveSession {
    pub token: Token,
    pub record: SessionRecord,
}

/// Who a new session is for and where it comes from.
#[derive(Clone, Debug, Default)]
pub struct NewSession {
    pub user_id: Option<String>,
    pub user_agent: String,
    /// The hash of the request's exact `User-Agent`; `None` (a session made without a
    /// request: tests, tools) takes the hash of `user_agent`'s text.
    pub agent_hash: Option<AgentHash>,
    pub ip: Option<String>,
    pub auth_at: Option<Millis>,
    /// An app's session, held by a bearer token.
    pub app: bool,
}

impl NewSession {
    /// The record a session started `now` with these facts will have.
    pub fn into_record(self, now: Millis) -> SessionRecord {
        SessionRecord {
            public_id: new_public_id(),
            user_id: self.user_id,
            agent_hash: Some(
                self.agent_hash
                    .unwrap_or_else(|| AgentHash::of(Some(self.user_agent.as_bytes()))),
            ),
            user_agent: self.user_agent,
            ip: self.ip,
            started_at: now,
            last_activity: now,
            auth_at: self.auth_at,
            app: self.app,
        }
    }
}

/// A session a use case ended, why, and what the audit trail says of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ended {
    pub public_id: String,
    pub user_id: Option<String>,
    pub reason: EndReason,
    pub audited: Option<AuditKind>,
}

/// The audit entry the end of `session` for `reason` calls for, if any. Only a user's
/// sessions are audited (a guest's only when it was hijacked, with no user), and never a
/// rotation; with the IP and user agent of the request that caused the end when there is
/// one, else the session's own.
fn audit_of_end(
    reason: EndReason,
    session: &StoredSession,
    at: Millis,
    origin: Option<&Origin>,
) -> Option<AuditEvent> {
    let s = &session.record;
    let kind = match reason {
        EndReason::Rotated | EndReason::Erased => return None,
        _ if s.user_id.is_none() && reason != EndReason::UserAgentChanged => return None,
        EndReason::Ended | EndReason::SignedOut => AuditKind::Logout,
        EndReason::Expired => AuditKind::SessionExpired,
        EndReason::UserAgentChanged
        | EndReason::Revoked
        | EndReason::PasswordChanged
        | EndReason::Evicted
        | EndReason::Admin => AuditKind::SessionRevoked,
    };
    let origin = origin.cloned().unwrap_or_else(|| Origin {
        ip: s.ip.clone(),
        user_agent: Some(s.user_agent.clone()),
    });
    let mut event =
        AuditEvent::new(kind, s.user_id.clone(), at, origin).session(&s.public_id, &session.hash);
    if kind == AuditKind::SessionRevoked {
        event = event.details(serde_json::json!({
            "reason": reason.as_str(),
            "sessionId": s.public_id,
        }));
    }
    Some(event)
}

/// The session service.
#[derive(Clone, Debug)]
pub struct Sessions {
    store: Arc<dyn Store>,
    pub policy: SessionPolicy,
    cache: Arc<SessionCache>,
}

impl Sessions {
    pub fn new(store: Arc<dyn Store>, policy: SessionPolicy) -> Self {
        let trust = if store.shared() {
            0
        } else {
            cache::REVALIDATE_MS
        };
        Sessions {
            store,
            policy,
            cache: Arc::new(SessionCache::new(trust)),
        }
    }

    /// Starts a session in `tx`: a fresh token, the live record and its log. It is cached
    /// at once: should `tx` not commit, nobody holds the token (the request failed before
    /// any cookie left), and the entry is gone within a revalidation.
    pub async fn start(
        &self,
        tx: &mut dyn Conn,
        new: NewSession,
        now: Millis,
    ) -> Result<LiveSession> {
        let record = new.into_record(now);
        loop {
            let token = Token::generate();
            let hash = token.hash();
            // A taken token must never be shared: draw another (a 1-in-2^128 event).
            if tx.insert_session(&hash, &record).await? {
                tx.open_log(&record).await?;
                self.cache.put(&hash, record.clone(), now);
                return Ok(LiveSession { token, record });
            }
        }
    }

    /// Ends the sessions behind `hashes` for `reason`: the one way a session ends. Each is
    /// gone from the live store (and this process's cache) and its log is closed, with the
    /// audit entry the reason calls for, all in `tx`. An expired session ends at its
    /// deadline. Sessions already gone are skipped; returns those that ended.
    pub async fn end(
        &self,
        tx: &mut dyn Conn,
        hashes: &[TokenHash],
        reason: EndReason,
        origin: Option<&Origin>,
        now: Millis,
    ) -> Result<Vec<Ended>> {
        if hashes.is_empty() {
            return Ok(vec![]);
        }
        // Tombstone first, so no lookup re-caches one while its row goes.
        for hash in hashes {
            self.cache.tombstone(hash, now);
        }
        let mut ended = Vec::with_capacity(hashes.len());
        for session in tx.remove_sessions(hashes).await? {
            let at = match reason {
                EndReason::Expired => session.record.expires_at(&self.policy).min(now),
                _ => now,
            };
            if reason != EndReason::Erased {
                tx.close_log(&session.record.public_id, reason, at).await?;
            }
            let event = audit_of_end(reason, &session, at, origin);
            if let Some(event) = &event {
                tx.insert_audit(event).await?;
            }
            ended.push(Ended {
                public_id: session.record.public_id,
                user_id: session.record.user_id,
                reason,
                audited: event.map(|e| e.kind),
            });
        }
        Ok(ended)
    }

    /// The live session behind `token`, if there is one. A session found past either
    /// deadline is ended on the spot and reported as absent.
    pub async fn load(&self, token: &Token, now: Millis) -> Result<Option<SessionRecord>> {
        let hash = token.hash();
        let record = match self.cache.get(&hash, now) {
            Some(record) => record,
            None => match self.store.conn().find_session(&hash).await? {
                // What the cache holds may carry newer activity than the row.
                Some(record) => self.cache.put(&hash, record.clone(), now).unwrap_or(record),
                None => {
                    self.cache.evict(&hash);
                    return Ok(None);
                }
            },
        };
        if record.is_live(&self.policy, now) {
            return Ok(Some(record));
        }
        let mut tx = self.store.begin().await?;
        self.end(&mut *tx, &[hash], EndReason::Expired, None, now)
            .await?;
        tx.commit().await?;
        Ok(None)
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
            self.store.conn().touch_session(&hash, now).await?;
        }
        self.cache.touch(&hash, now, write);
        record.last_activity = record.last_activity.max(now);
        Ok(record)
    }

    /// Gives `session` a new token in `tx`: the same session (public id, history, data)
    /// under another key, the old token dead at once. `None` when the session is gone.
    pub async fn rekey(
        &self,
        tx: &mut dyn Conn,
        session: &LiveSession,
        now: Millis,
    ) -> Result<Option<LiveSession>> {
        let old = session.token.hash();
        self.cache.tombstone(&old, now);
        loop {
            let token = Token::generate();
            let hash = token.hash();
            match tx.rekey_session(&old, &hash).await? {
                Rekeyed::Done => {
                    let record = session.record.clone();
                    self.cache.put(&hash, record.clone(), now);
                    return Ok(Some(LiveSession { token, record }));
                }
                Rekeyed::Gone => return Ok(None),
                // A taken token must never be shared: draw another (a 1-in-2^128 event).
                Rekeyed::Taken => continue,
            }
        }
    }

    /// Records in `tx` that the user of `session` proved who they are at `now`.
    pub async fn reauthenticated(
        &self,
        tx: &mut dyn Conn,
        session: &mut LiveSession,
        now: Millis,
    ) -> Result<()> {
        let hash = session.token.hash();
        tx.set_session_auth(&hash, now).await?;
        // Read back on next use rather than trusting the cached copy.
        self.cache.evict(&hash);
        session.record.auth_at = Some(now);
        Ok(())
    }

    /// The user's live sessions, most recently active first, with the activity this
    /// process has seen (fresher than the stored time by up to one touch interval).
    pub async fn of_user(
        &self,
        conn: &mut dyn Conn,
        user_id: &str,
        now: Millis,
    ) -> Result<Vec<StoredSession>> {
        let mut list: Vec<StoredSession> = conn
            .user_sessions(user_id)
            .await?
            .into_iter()
            .map(|mut s| {
                if let Some(seen) = self.cache.last_activity(&s.hash) {
                    s.record.last_activity = s.record.last_activity.max(seen);
                }
                s
            })
            .filter(|s| s.record.is_live(&self.policy, now))
            .collect();
        list.sort_by(|a, b| {
            (b.record.last_activity, b.record.started_at)
                .cmp(&(a.record.last_activity, a.record.started_at))
        });
        Ok(list)
    }

    /// Ends every expired session; run periodically by the server. Returns how many.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn sweep(&self, now: Millis) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        let expired: Vec<TokenHash> = tx
            .expired_sessions(now - self.policy.idle, now - self.policy.absolute)
            .await?
            .into_iter()
            .map(|s| s.hash)
            .collect();
        let ended = self
            .end(&mut *tx, &expired, EndReason::Expired, None, now)
            .await?;
        tx.commit().await?;
        self.cache.prune(now);
        Ok(ended.len() as u64)
    }
}
