//! Live sessions in the `sessions` table.
//!
//! A user's set of live sessions is guarded by the user's advisory lock ([`Lock::User`]):
//! adding a session for the user takes it, and so does reading the set in a transaction
//! (to cap it at sign-in, end all but one, or erase the user). On SQLite the read sees
//! every session added before it and none can be added before the transaction ends; here
//! a concurrent sign-in's session would be invisible to the read (not yet committed) and
//! escape the cap or the erasure. With the lock, a reader waits for such a transaction and
//! then sees its session, and a later one waits for the reader. Ending one user's sessions
//! takes it too, for the lock order (see `remove_sessions`).

use super::{Lock, PgConn};
use crate::domain::{Millis, SessionRecord, TokenHash};
use crate::store::is_unique_violation;
use crate::store::sessions::{live_where, next_param, stored, SessionRow, COLUMNS, TALLY};
use crate::store::{LiveFilter, Rekeyed, SessionRepo, StoreResult, StoredSession, TallyRow};

#[async_trait::async_trait]
impl SessionRepo for PgConn {
    async fn insert_session(&mut self, hash: &TokenHash, rec: &SessionRecord) -> StoreResult<bool> {
        let mut c = self.atomic().await?;
        if let Some(user_id) = &rec.user_id {
            Lock::User.take(&mut c, user_id.as_bytes()).await?;
        }
        let done = sqlx::query(
            "INSERT INTO sessions (token_hash, public_id, user_id, user_agent, ua_hash, ip, started_at, last_activity, auth_at, app)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(&hash.0[..])
        .bind(&rec.public_id)
        .bind(&rec.user_id)
        .bind(&rec.user_agent)
        .bind(rec.agent_hash.as_ref().map(|h| &h.0[..]))
        .bind(&rec.ip)
        .bind(rec.started_at)
        .bind(rec.last_activity)
        .bind(rec.auth_at)
        .bind(rec.app)
        .execute(&mut *c)
        .await?;
        c.done().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn find_session(&mut self, hash: &TokenHash) -> StoreResult<Option<SessionRecord>> {
        let mut c = self.on().await?;
        let row: Option<SessionRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE token_hash = $1"
        ))
        .bind(&hash.0[..])
        .fetch_optional(&mut *c)
        .await?;
        Ok(row.and_then(SessionRow::into_stored).map(|s| s.record))
    }

    async fn touch_session(&mut self, hash: &TokenHash, at: Millis) -> StoreResult<()> {
        let mut c = self.on().await?;
        // An UPDATE, never an upsert: touching an ended session changes nothing. One that
        // waited for a concurrent touch re-reads the row, so the time never moves back.
        sqlx::query(
            "UPDATE sessions SET last_activity = $1 WHERE token_hash = $2 AND last_activity < $1",
        )
        .bind(at)
        .bind(&hash.0[..])
        .execute(&mut *c)
        .await?;
        Ok(())
    }

    async fn rekey_session(&mut self, old: &TokenHash, new: &TokenHash) -> StoreResult<Rekeyed> {
        let mut c = self.on().await?;
        let done = sqlx::query("UPDATE sessions SET token_hash = $1 WHERE token_hash = $2")
            .bind(&new.0[..])
            .bind(&old.0[..])
            .execute(&mut *c)
            .await;
        match done {
            Ok(done) if done.rows_affected() == 1 => Ok(Rekeyed::Done),
            Ok(_) => Ok(Rekeyed::Gone),
            Err(e) if is_unique_violation(&e) => Ok(Rekeyed::Taken),
            Err(e) => Err(e.into()),
        }
    }

    async fn set_session_auth(&mut self, hash: &TokenHash, at: Millis) -> StoreResult<()> {
        let mut c = self.on().await?;
        sqlx::query("UPDATE sessions SET auth_at = $1 WHERE token_hash = $2")
            .bind(at)
            .bind(&hash.0[..])
            .execute(&mut *c)
            .await?;
        Ok(())
    }

    async fn remove_sessions(&mut self, hashes: &[TokenHash]) -> StoreResult<Vec<StoredSession>> {
        if hashes.is_empty() {
            return Ok(vec![]);
        }
        let keys: Vec<&[u8]> = hashes.iter().map(|h| &h.0[..]).collect();
        let in_tx = self.in_tx();
        let mut c = self.on().await?;
        if in_tx {
            // Ending one user's sessions (a sign-out, a rotation, a revocation) is often
            // followed by starting one for the user, which takes the user's lock; taken
            // only then, after these rows, it would wait for an erasure of the user that
            // holds the lock and waits for these rows. So it is taken first, as erasure
            // takes them. Ending several users' sessions (the sweep) starts none and takes
            // no user's lock, so it never waits for one while holding rows.
            let users: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT user_id FROM sessions
                  WHERE token_hash = ANY($1) AND user_id IS NOT NULL",
            )
            .bind(&keys)
            .fetch_all(&mut *c)
            .await?;
            if let [user_id] = users.as_slice() {
                Lock::User.take(&mut c, user_id.as_bytes()).await?;
            }
        }
        // A row deleted by a concurrent transaction is not returned here (the DELETE waits
        // for it, then finds the row gone): each session ends in exactly one transaction,
        // which alone closes its log and audits the end. The rows are locked in key order,
        // so two transactions ending overlapping sets (sweeps of two instances) queue.
        let rows: Vec<SessionRow> = sqlx::query_as(&format!(
            "DELETE FROM sessions WHERE token_hash IN
               (SELECT token_hash FROM sessions WHERE token_hash = ANY($1)
                 ORDER BY token_hash FOR UPDATE)
             RETURNING {COLUMNS}"
        ))
        .bind(&keys)
        .fetch_all(&mut *c)
        .await?;
        // In the order asked for, as SQLite deletes them one by one.
        let mut first = std::collections::HashMap::with_capacity(hashes.len());
        for (i, h) in hashes.iter().enumerate() {
            first.entry(*h).or_insert(i);
        }
        let mut removed = stored(rows);
        removed.sort_by_key(|s| first.get(&s.hash).copied());
        Ok(removed)
    }

    async fn session_by_public_id(
        &mut self,
        public_id: &str,
    ) -> StoreResult<Option<StoredSession>> {
        let mut c = self.on().await?;
        let row: Option<SessionRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE public_id = $1"
        ))
        .bind(public_id)
        .fetch_optional(&mut *c)
        .await?;
        Ok(row.and_then(SessionRow::into_stored))
    }

    async fn live_sessions(
        &mut self,
        filter: LiveFilter<'_>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<StoredSession>, u64)> {
        let mut c = self.on().await?;
        let (filter_sql, n) = (live_where(&filter), next_param(&filter));
        let page = format!(
            "SELECT {COLUMNS} FROM sessions WHERE {filter_sql}
              ORDER BY last_activity DESC, started_at DESC, public_id LIMIT ${n} OFFSET ${}",
            n + 1
        );
        let mut query = sqlx::query_as::<_, SessionRow>(&page)
            .bind(filter.active_after)
            .bind(filter.started_after);
        if let Some(user_id) = filter.user_id {
            query = query.bind(user_id);
        }
        let rows = query
            .bind(limit as i64)
            .bind(offset as i64)
            .fetch_all(&mut *c)
            .await?;
        let count = format!("SELECT COUNT(*) FROM sessions WHERE {filter_sql}");
        let mut query = sqlx::query_scalar::<_, i64>(&count)
            .bind(filter.active_after)
            .bind(filter.started_after);
        if let Some(user_id) = filter.user_id {
            query = query.bind(user_id);
        }
        let total = query.fetch_one(&mut *c).await?;
        Ok((stored(rows), total as u64))
    }

    async fn live_tally(
        &mut self,
        active_after: Millis,
        started_after: Millis,
    ) -> StoreResult<Vec<TallyRow>> {
        let mut c = self.on().await?;
        Ok(sqlx::query_as(TALLY)
            .bind(active_after)
            .bind(started_after)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn user_sessions(&mut self, user_id: &str) -> StoreResult<Vec<StoredSession>> {
        let in_tx = self.in_tx();
        let mut c = self.on().await?;
        if in_tx {
            // A transaction reads the set to act on it: see the module's docs.
            Lock::User.take(&mut c, user_id.as_bytes()).await?;
        }
        // In key order, the order SQLite's index gives.
        let rows = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE user_id = $1 ORDER BY token_hash"
        ))
        .bind(user_id)
        .fetch_all(&mut *c)
        .await?;
        Ok(stored(rows))
    }

    async fn expired_sessions(
        &mut self,
        idle_before: Millis,
        started_before: Millis,
    ) -> StoreResult<Vec<StoredSession>> {
        let mut c = self.on().await?;
        // The order SQLite's plan gives: the idle ones by last activity, then those past
        // the absolute limit by start.
        let rows = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE last_activity <= $1 OR started_at <= $2
              ORDER BY last_activity > $1,
                       CASE WHEN last_activity <= $1 THEN last_activity ELSE started_at END,
                       token_hash"
        ))
        .bind(idle_before)
        .bind(started_before)
        .fetch_all(&mut *c)
        .await?;
        Ok(stored(rows))
    }
}
