//! Live sessions: the session store proper. A session is here exactly while it is live
//! (ending one deletes it), keyed by the SHA-256 of its token; a token never reaches storage.
//!
//! Writes to a session that is gone change nothing: only [`SessionRepo::insert_session`]
//! creates, and it is called with a fresh token only, so a request still in flight when its
//! session ended cannot bring it back.

use super::StoreResult;
use crate::domain::{AgentHash, Millis, SessionRecord, TokenHash};

/// What moving a session to a new key did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rekeyed {
    Done,
    /// The session is gone: nothing changed.
    Gone,
    /// The new key is taken: nothing changed.
    Taken,
}

/// Which live sessions an administrator lists.
#[derive(Clone, Copy, Debug)]
pub struct LiveFilter<'a> {
    /// Active after this (the idle deadline has not passed)…
    pub active_after: Millis,
    /// …and started after this (nor the absolute one).
    pub started_after: Millis,
    /// Only this user's.
    pub user_id: Option<&'a str>,
    /// Only signed-in users' (`Some(true)`) or only guests' (`Some(false)`).
    pub signed_in: Option<bool>,
}

/// How many live sessions one user (or the guests, `None`) has with one user agent.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TallyRow {
    pub user_id: Option<String>,
    pub user_agent: String,
    pub sessions: i64,
}

/// A live session with its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    pub hash: TokenHash,
    pub record: SessionRecord,
}

#[async_trait::async_trait]
pub trait SessionRepo {
    /// Stores a new live session; `false` when its key is taken (a 1-in-2^128 event, but
    /// a taken token must never be shared).
    async fn insert_session(
        &mut self,
        hash: &TokenHash,
        record: &SessionRecord,
    ) -> StoreResult<bool>;

    /// The stored session behind a key, if any (expiry is the caller's to judge).
    async fn find_session(&mut self, hash: &TokenHash) -> StoreResult<Option<SessionRecord>>;

    /// Moves `last_activity` forward (never back).
    async fn touch_session(&mut self, hash: &TokenHash, at: Millis) -> StoreResult<()>;

    /// Moves a live session to a new key (a new token for the same session).
    async fn rekey_session(&mut self, old: &TokenHash, new: &TokenHash) -> StoreResult<Rekeyed>;

    /// Records a fresh proof of identity (sign-in or password) on a session.
    async fn set_session_auth(&mut self, hash: &TokenHash, at: Millis) -> StoreResult<()>;

    /// Deletes these sessions, returning those that were there.
    async fn remove_sessions(&mut self, hashes: &[TokenHash]) -> StoreResult<Vec<StoredSession>>;

    /// The live session with this public id, if any.
    async fn session_by_public_id(&mut self, public_id: &str)
        -> StoreResult<Option<StoredSession>>;

    /// One page of the live sessions `filter` picks, most recently active first, and how
    /// many it picks in all.
    async fn live_sessions(
        &mut self,
        filter: LiveFilter<'_>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<StoredSession>, u64)>;

    /// The live sessions counted by user and user agent.
    async fn live_tally(
        &mut self,
        active_after: Millis,
        started_after: Millis,
    ) -> StoreResult<Vec<TallyRow>>;

    /// Every stored session of a user, those past their time but not yet swept included.
    async fn user_sessions(&mut self, user_id: &str) -> StoreResult<Vec<StoredSession>>;

    /// The sessions idle since `idle_before` or started before `started_before`.
    async fn expired_sessions(
        &mut self,
        idle_before: Millis,
        started_before: Millis,
    ) -> StoreResult<Vec<StoredSession>>;
}

/// A row of `sessions`: one definition for every SQL engine (`sqlx::FromRow` is generic
/// over the database).
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    token_hash: Vec<u8>,
    public_id: String,
    user_id: Option<String>,
    user_agent: String,
    ua_hash: Option<Vec<u8>>,
    ip: Option<String>,
    started_at: Millis,
    last_activity: Millis,
    auth_at: Option<Millis>,
    app: bool,
}

pub(crate) const COLUMNS: &str =
    "token_hash, public_id, user_id, user_agent, ua_hash, ip, started_at, last_activity, auth_at, app";

impl SessionRow {
    /// `None` for a key that is not a SHA-256 (never written by us).
    pub(crate) fn into_stored(self) -> Option<StoredSession> {
        Some(StoredSession {
            hash: TokenHash(self.token_hash.as_slice().try_into().ok()?),
            record: SessionRecord {
                public_id: self.public_id,
                user_id: self.user_id,
                user_agent: self.user_agent,
                agent_hash: self
                    .ua_hash
                    .and_then(|h| h.as_slice().try_into().ok())
                    .map(AgentHash),
                ip: self.ip,
                started_at: self.started_at,
                last_activity: self.last_activity,
                auth_at: self.auth_at,
                app: self.app,
            },
        })
    }
}

/// The `WHERE` of [`LiveFilter`] for both SQL engines: binds `active_after`,
/// `started_after`, then the user id when there is one (`$n` numbered in that order).
pub(crate) fn live_where(filter: &LiveFilter<'_>) -> String {
    let mut sql = String::from("last_activity > $1 AND started_at > $2");
    match filter.signed_in {
        Some(true) => sql.push_str(" AND user_id IS NOT NULL"),
        Some(false) => sql.push_str(" AND user_id IS NULL"),
        None => {}
    }
    if filter.user_id.is_some() {
        sql.push_str(" AND user_id = $3");
    }
    sql
}

/// The placeholder that follows [`live_where`]'s.
pub(crate) fn next_param(filter: &LiveFilter<'_>) -> usize {
    if filter.user_id.is_some() {
        4
    } else {
        3
    }
}

pub(crate) const TALLY: &str = "SELECT user_id, user_agent, COUNT(*) AS sessions FROM sessions
                                 WHERE last_activity > $1 AND started_at > $2
                                 GROUP BY user_id, user_agent";

pub(crate) fn stored(rows: Vec<SessionRow>) -> Vec<StoredSession> {
    rows.into_iter()
        .filter_map(SessionRow::into_stored)
        .collect()
}
