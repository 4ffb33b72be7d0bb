//! Deleting what is older than the cut-off, in small batches.
//!
//! PostgreSQL has no single writer to hold up, but a purge in one statement would still
//! hold every row it deletes (and the counters of their sessions) until it commits, and
//! bloat one transaction with a year of data. Outside a transaction each batch is its own
//! short commit. Two instances purging at once take the same rows in the same order: the
//! second waits for the first's batch, then skips what it deleted.

use super::PgConn;
use crate::domain::Millis;
use crate::store::{RetentionRepo, StoreResult};

/// Rows deleted per statement.
const BATCH: i64 = 1000;

impl PgConn {
    /// Runs `sql` (which takes the cut-off and the batch size) until a batch comes up short.
    async fn delete_in_batches(&mut self, sql: &str, before: Millis) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let mut c = self.on().await?;
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
impl RetentionRepo for PgConn {
    async fn delete_events_before(&mut self, before: Millis) -> StoreResult<(u64, u64)> {
        let (mut page_views, mut actions) = (0, 0);
        loop {
            let mut c = self.on().await?;
            // Rows locked in (at, id) order, as erasure locks them.
            let kinds: Vec<String> = sqlx::query_scalar(
                "DELETE FROM events WHERE id IN
                   (SELECT id FROM events WHERE at < $1 ORDER BY at, id LIMIT $2 FOR UPDATE)
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
            "DELETE FROM audit WHERE id IN
               (SELECT id FROM audit WHERE at < $1 ORDER BY at, id LIMIT $2 FOR UPDATE)",
            before,
        )
        .await
    }

    async fn delete_logs_ended_before(&mut self, before: Millis) -> StoreResult<u64> {
        // The batch is chosen by the index on the end time, then locked by public_id, the
        // order the event counters are locked in.
        self.delete_in_batches(
            "DELETE FROM session_log WHERE public_id IN
               (SELECT public_id FROM session_log WHERE public_id IN
                  (SELECT public_id FROM session_log
                    WHERE ended_at IS NOT NULL AND ended_at < $1 ORDER BY ended_at LIMIT $2)
                ORDER BY public_id FOR UPDATE)",
            before,
        )
        .await
    }
}
