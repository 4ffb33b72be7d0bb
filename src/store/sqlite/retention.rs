//! Deleting what is older than the cut-off, in small batches.
//!
//! Every write goes through the one primary connection (see [`super::SqliteStore`]); a
//! purge of a year of data in one statement would hold it for seconds and stall every
//! request. Outside a transaction each batch is its own short commit, so requests slip in
//! between.

use super::{Pool, SqliteConn};
use crate::domain::Millis;
use crate::store::{RetentionRepo, StoreResult};

/// Rows deleted per statement.
const BATCH: i64 = 1000;

impl SqliteConn {
    /// Runs `sql` (which takes the cut-off and the batch size) until a batch comes up short.
    async fn delete_in_batches(&mut self, sql: &str, before: Millis) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let mut c = self.on(Pool::Primary).await?;
            let n = sqlx::query(sql)
                .bind(before)
                .bind(BATCH)
                .execute(&mut *c)
                .await?
                .rows_affected();
            total += n;
            if (n as i64) < BATCH {
                return Ok(total);
            }
        }
    }
}

#[async_trait::async_trait]
impl RetentionRepo for SqliteConn {
    async fn delete_events_before(&mut self, before: Millis) -> StoreResult<(u64, u64)> {
        let (mut page_views, mut actions) = (0, 0);
        loop {
            let mut c = self.on(Pool::Primary).await?;
            let kinds: Vec<String> = sqlx::query_scalar(
                "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ? LIMIT ?)
                 RETURNING kind",
            )
            .bind(before)
            .bind(BATCH)
            .fetch_all(&mut *c)
            .await?;
            for kind in &kinds {
                match kind.as_str() {
                    "page_view" => page_views += 1,
                    _ => actions += 1,
                }
            }
            if (kinds.len() as i64) < BATCH {
                return Ok((page_views, actions));
            }
        }
    }

    async fn delete_audit_before(&mut self, before: Millis) -> StoreResult<u64> {
        self.delete_in_batches(
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? LIMIT ?)",
            before,
        )
        .await
    }

    async fn delete_logs_ended_before(&mut self, before: Millis) -> StoreResult<u64> {
        self.delete_in_batches(
            "DELETE FROM session_log WHERE public_id IN
               (SELECT public_id FROM session_log
                 WHERE ended_at IS NOT NULL AND ended_at < ? LIMIT ?)",
            before,
        )
        .await
    }
}
