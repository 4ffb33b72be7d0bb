//! Sessions in Redis, everything else in SQL: one [`Store`] over both
//! (`SESSION_STORE_URL=redis://…` beside either SQL engine).
//!
//! A [`SplitConn`] sends the [`SessionRepo`] calls to Redis and every other call to the SQL
//! engine's own [`Conn`]. What the SQL engine guarantees by holding a user's set of
//! sessions to the end of a transaction (the cap at sign-in, ending them all, erasure) is
//! kept by taking the same hold on the SQL side ([`Conn::hold_user`]) before Redis is asked,
//! so the rules do not depend on where sessions live.
//!
//! Redis commands take effect at once, not at the SQL commit, and two cases follow:
//! - a session added in a transaction that then fails is removed again (at the failed
//!   commit, or when the transaction is dropped): its token never left the server, and no
//!   log row stands behind it;
//! - sessions ended in a transaction that then fails stay ended, without the log closed or
//!   the end audited: the safe side for a session, and the sweep's audit is all that is
//!   lost.

mod delegate;

use super::redis::RedisSessions;
use super::{Conn, LiveFilter, Rekeyed, SessionRepo, Store, StoreResult, StoredSession, TallyRow};
use super::{
    DataLimits, DataOwner, DataPut, DataRow, DeleteOutcome, Expect, PutOutcome, SessionDataRepo,
};
use crate::domain::{Millis, SessionRecord, TokenHash};
use std::sync::Arc;

/// A SQL engine with its sessions in Redis.
#[derive(Debug)]
pub struct SplitStore {
    pub sql: Arc<dyn Store>,
    pub sessions: RedisSessions,
}

#[async_trait::async_trait]
impl Store for SplitStore {
    async fn begin(&self) -> StoreResult<Box<dyn Conn>> {
        Ok(Box::new(SplitConn {
            sql: Some(self.sql.begin().await?),
            sessions: self.sessions.clone(),
            in_tx: true,
            started: vec![],
        }))
    }

    fn conn(&self) -> Box<dyn Conn> {
        Box::new(SplitConn {
            sql: Some(self.sql.conn()),
            sessions: self.sessions.clone(),
            in_tx: false,
            started: vec![],
        })
    }

    async fn ping(&self) -> StoreResult<()> {
        self.sql.ping().await
    }

    async fn health(&self) -> (bool, bool) {
        let (database, sessions) = tokio::join!(self.sql.ping(), self.sessions.ping());
        (database.is_ok(), sessions.is_ok())
    }

    fn shared(&self) -> bool {
        true
    }

    async fn migrate(&self) -> StoreResult<()> {
        self.sql.migrate().await
    }

    async fn close(&self) {
        self.sql.close().await
    }
}

/// A [`Conn`] whose sessions are in Redis.
pub struct SplitConn {
    /// `None` once committed.
    sql: Option<Box<dyn Conn>>,
    sessions: RedisSessions,
    in_tx: bool,
    /// Sessions added in this transaction: removed again unless it commits.
    started: Vec<TokenHash>,
}

impl SplitConn {
    fn sql(&mut self) -> &mut dyn Conn {
        // Set until `commit`, which consumes the connection.
        self.sql
            .as_deref_mut()
            .expect("a connection not yet committed")
    }
}

impl Drop for SplitConn {
    fn drop(&mut self) {
        if self.started.is_empty() {
            return;
        }
        let (sessions, started) = (self.sessions.clone(), std::mem::take(&mut self.started));
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if let Err(e) = sessions.remove(&started).await {
                    tracing::warn!(error = %e, "could not remove the sessions of a failed transaction");
                }
            });
        }
    }
}

#[async_trait::async_trait]
impl Conn for SplitConn {
    async fn commit(mut self: Box<Self>) -> StoreResult<()> {
        let sql = self.sql.take().expect("committed once");
        sql.commit().await?;
        self.started.clear();
        Ok(())
    }

    async fn hold_user(&mut self, user_id: &str) -> StoreResult<()> {
        self.sql().hold_user(user_id).await
    }
}

#[async_trait::async_trait]
impl SessionRepo for SplitConn {
    async fn insert_session(&mut self, hash: &TokenHash, rec: &SessionRecord) -> StoreResult<bool> {
        if let (true, Some(user_id)) = (self.in_tx, &rec.user_id) {
            self.sql().hold_user(user_id).await?;
        }
        let done = self.sessions.insert(hash, rec).await?;
        if done && self.in_tx {
            self.started.push(*hash);
        }
        Ok(done)
    }

    async fn find_session(&mut self, hash: &TokenHash) -> StoreResult<Option<SessionRecord>> {
        self.sessions.find(hash).await
    }

    async fn touch_session(&mut self, hash: &TokenHash, at: Millis) -> StoreResult<()> {
        self.sessions.touch(hash, at).await
    }

    async fn session_by_public_id(
        &mut self,
        public_id: &str,
    ) -> StoreResult<Option<StoredSession>> {
        self.sessions.by_public_id(public_id).await
    }

    async fn live_sessions(
        &mut self,
        filter: LiveFilter<'_>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<StoredSession>, u64)> {
        self.sessions.live_page(filter, offset, limit).await
    }

    async fn live_tally(
        &mut self,
        active_after: Millis,
        started_after: Millis,
    ) -> StoreResult<Vec<TallyRow>> {
        self.sessions.tally(active_after, started_after).await
    }

    async fn rekey_session(&mut self, old: &TokenHash, new: &TokenHash) -> StoreResult<Rekeyed> {
        self.sessions.rekey(old, new).await
    }

    async fn set_session_auth(&mut self, hash: &TokenHash, at: Millis) -> StoreResult<()> {
        self.sessions.set_auth(hash, at).await
    }

    async fn remove_sessions(&mut self, hashes: &[TokenHash]) -> StoreResult<Vec<StoredSession>> {
        if self.in_tx && !hashes.is_empty() {
            // Ending one user's sessions is often followed by starting one for the user:
            // the hold comes first, as the SQL engines take it (see `postgres`'s lock order).
            if let [user_id] = self.sessions.users_of(hashes).await?.as_slice() {
                self.sql().hold_user(user_id).await?;
            }
        }
        self.started.retain(|h| !hashes.contains(h));
        self.sessions.remove(hashes).await
    }

    async fn user_sessions(&mut self, user_id: &str) -> StoreResult<Vec<StoredSession>> {
        if self.in_tx {
            self.sql().hold_user(user_id).await?;
        }
        self.sessions.of_user(user_id).await
    }

    async fn expired_sessions(
        &mut self,
        idle_before: Millis,
        started_before: Millis,
    ) -> StoreResult<Vec<StoredSession>> {
        self.sessions.expired(idle_before, started_before).await
    }
}

/// The data lives with the sessions, in Redis.
#[async_trait::async_trait]
impl SessionDataRepo for SplitConn {
    async fn data_entries(&mut self, owner: DataOwner<'_>) -> StoreResult<Vec<DataRow>> {
        self.sessions.data_entries(owner).await
    }

    async fn data_entry(
        &mut self,
        owner: DataOwner<'_>,
        key: &str,
    ) -> StoreResult<Option<DataRow>> {
        self.sessions.data_entry(owner, key).await
    }

    async fn put_data(
        &mut self,
        owner: DataOwner<'_>,
        put: DataPut<'_>,
        limits: DataLimits,
    ) -> StoreResult<PutOutcome> {
        self.sessions.put_data(owner, put, limits).await
    }

    async fn delete_data(
        &mut self,
        owner: DataOwner<'_>,
        key: &str,
        expect: Expect,
    ) -> StoreResult<DeleteOutcome> {
        self.sessions.delete_data(owner, key, expect).await
    }

    async fn insert_data(&mut self, owner: DataOwner<'_>, rows: &[DataRow]) -> StoreResult<()> {
        self.sessions.insert_data(owner, rows).await
    }
}
