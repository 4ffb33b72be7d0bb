//! Live sessions in the `sessions` table.

use super::{Pool, SqliteConn};
use crate::domain::{AgentHash, Millis, SessionRecord, TokenHash};
use crate::store::{SessionRepo, StoreResult, StoredSession};

/// A row of `sessions`.
#[derive(sqlx::FromRow)]
struct SessionRow {
    token_hash: Vec<u8>,
    public_id: String,
    user_id: Option<String>,
    user_agent: String,
    ua_hash: Option<Vec<u8>>,
    ip: Option<String>,
    started_at: Millis,
    last_activity: Millis,
    auth_at: Option<Millis>,
}

const COLUMNS: &str =
    "token_hash, public_id, user_id, user_agent, ua_hash, ip, started_at, last_activity, auth_at";

impl SessionRow {
    /// `None` for a key that is not a SHA-256 (never written by us).
    fn into_stored(self) -> Option<StoredSession> {
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
            },
        })
    }
}

fn stored(rows: Vec<SessionRow>) -> Vec<StoredSession> {
    rows.into_iter()
        .filter_map(SessionRow::into_stored)
        .collect()
}

#[async_trait::async_trait]
impl SessionRepo for SqliteConn {
    async fn insert_session(&mut self, hash: &TokenHash, rec: &SessionRecord) -> StoreResult<bool> {
        let mut c = self.on(Pool::Primary).await?;
        let done = sqlx::query(
            "INSERT INTO sessions (token_hash, public_id, user_id, user_agent, ua_hash, ip, started_at, last_activity, auth_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (token_hash) DO NOTHING",
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
