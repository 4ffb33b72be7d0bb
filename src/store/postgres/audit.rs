//! The `audit` table.

use super::PgConn;
use crate::domain::{AuditEvent, Pagination};
use crate::store::{AuditRepo, AuditRow, StoreResult};

#[async_trait::async_trait]
impl AuditRepo for PgConn {
    async fn insert_audit(&mut self, event: &AuditEvent) -> StoreResult<()> {
        let (session_id, session_hash) = match &event.session {
            Some((id, hash)) => (Some(id.as_str()), Some(hash.as_str())),
            None => (None, None),
        };
        let mut c = self.on().await?;
        // An entry naming an account that is gone (or going: the trigger waits for an
        // erasure in progress) is anonymised as it lands.
        sqlx::query(
            "INSERT INTO audit (user_id, type, at, ip, user_agent, session_id, session_hash, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&event.user_id)
        .bind(event.kind.as_str())
        .bind(event.at)
        .bind(&event.origin.ip)
        .bind(&event.origin.user_agent)
        .bind(session_id)
        .bind(session_hash)
        .bind(event.details.as_ref().map(|d| d.to_string()))
        .execute(&mut *c)
        .await?;
        Ok(())
    }

    async fn audit_of_user(
        &mut self,
        user_id: &str,
        page: Pagination,
    ) -> StoreResult<(Vec<AuditRow>, u64)> {
        let mut c = self.on().await?;
        let rows = sqlx::query_as(
            "SELECT type, at, ip, user_agent, session_id, details FROM audit WHERE user_id = $1
             ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(user_id)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&mut *c)
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&mut *c)
            .await?;
        Ok((rows, total as u64))
    }
}
