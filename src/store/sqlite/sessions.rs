//! Live sessions in the `sessions` table.

use super::{Pool, SqliteConn};
use crate::domain::{Millis, SessionRecord, TokenHash};
use crate::store::is_unique_violation;
use crate::store::sessions::{live_where, next_param, stored, SessionRow, COLUMNS, TALLY};
use crate::store::{LiveFilter, Rekeyed, SessionRepo, StoreResult, StoredSession, TallyRow};

#[async_trait::async_trait]
impl SessionRepo for SqliteConn {
    async fn insert_session(&mut self, hash: &TokenHash, rec: &SessionRecord) -> StoreResult<bool> {
        let mut c = self.on(Pool::Primary).await?;
        let done = sqlx::query(
            "INSERT INTO sessions (token_hash, public_id, user_id, user_agent, ua_hash, ip, started_at, last_activity, auth_at, app)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (token_hash) DO NOTHING",
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
        Ok(done.rows_affected() == 1)
    }

    async fn find_session(&mut self, hash: &TokenHash) -> StoreResult<Option<SessionRecord>> {
        let mut c = self.on(Pool::Primary).await?;
        let row: Option<SessionRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE token_hash = ?"
        ))
        .bind(&hash.0[..])
        .fetch_optional(&mut *c)
        .await?;
        Ok(row.and_then(SessionRow::into_stored).map(|s| s.record))
    }

    async fn touch_session(&mut self, hash: &TokenHash, at: Millis) -> StoreResult<()> {
        let mut c = self.on(Pool::Primary).await?;
        // An UPDATE, never an upsert: touching an ended session changes nothing.
        sqlx::query(
            "UPDATE sessions SET last_activity = ?1 WHERE token_hash = ?2 AND last_activity < ?1",
        )
        .bind(at)
        .bind(&hash.0[..])
        .execute(&mut *c)
        .await?;
        Ok(())
    }

    async fn rekey_session(&mut self, old: &TokenHash, new: &TokenHash) -> StoreResult<Rekeyed> {
        let mut c = self.on(Pool::Primary).await?;
        let done = sqlx::query("UPDATE sessions SET token_hash = ? WHERE token_hash = ?")
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
        let mut c = self.on(Pool::Primary).await?;
        sqlx::query("UPDATE sessions SET auth_at = ? WHERE token_hash = ?")
            .bind(at)
            .bind(&hash.0[..])
            .execute(&mut *c)
            .await?;
        Ok(())
    }

    async fn remove_sessions(&mut self, hashes: &[TokenHash]) -> StoreResult<Vec<StoredSession>> {
        let mut c = self.on(Pool::Primary).await?;
        let mut removed = Vec::with_capacity(hashes.len());
        for hash in hashes {
            let row: Option<SessionRow> = sqlx::query_as(&format!(
                "DELETE FROM sessions WHERE token_hash = ? RETURNING {COLUMNS}"
            ))
            .bind(&hash.0[..])
            .fetch_optional(&mut *c)
            .await?;
            removed.extend(row.and_then(SessionRow::into_stored));
        }
        Ok(removed)
    }

    async fn session_by_public_id(
        &mut self,
        public_id: &str,
    ) -> StoreResult<Option<StoredSession>> {
        let mut c = self.on(Pool::Primary).await?;
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
        let mut c = self.on(Pool::Primary).await?;
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
        let mut c = self.on(Pool::Primary).await?;
        Ok(sqlx::query_as(TALLY)
            .bind(active_after)
            .bind(started_after)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn user_sessions(&mut self, user_id: &str) -> StoreResult<Vec<StoredSession>> {
        let mut c = self.on(Pool::Primary).await?;
        let rows = sqlx::query_as(&format!("SELECT {COLUMNS} FROM sessions WHERE user_id = ?"))
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
        let mut c = self.on(Pool::Primary).await?;
        let rows = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE last_activity <= ? OR started_at <= ?"
        ))
        .bind(idle_before)
        .bind(started_before)
        .fetch_all(&mut *c)
        .await?;
        Ok(stored(rows))
    }
}
