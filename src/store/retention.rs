//! SQL for retention: deleting what is older than the cut-off, in small batches.
//!
//! Every write goes through the one primary connection (see [`super::Db`]); a purge of a
//! year of data in one statement would hold it for seconds and stall every request. Each
//! batch is its own short transaction, so requests slip in between.

use super::Db;
use crate::domain::Millis;

/// Rows deleted per statement.
pub const BATCH: i64 = 1000;

/// Deletes page views and actions recorded before `before`; returns how many of each.
pub async fn delete_events(db: &Db, before: Millis) -> Result<(u64, u64), sqlx::Error> {
    let (mut page_views, mut actions) = (0, 0);
    loop {
        let kinds: Vec<String> = sqlx::query_scalar(
            "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ? LIMIT ?)
             RETURNING kind",
        )
        .bind(before)
        .bind(BATCH)
        .fetch_all(&db.primary)
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

/// Deletes audit entries recorded before `before`; returns how many.
pub async fn delete_audit(db: &Db, before: Millis) -> Result<u64, sqlx::Error> {
    delete_in_batches(
        db,
        "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? LIMIT ?)",
        before,
    )
    .await
}

/// Deletes the history of sessions that ended before `before` (live sessions are never
/// touched); returns how many.
pub async fn delete_ended_sessions(db: &Db, before: Millis) -> Result<u64, sqlx::Error> {
    delete_in_batches(
        db,
        "DELETE FROM session_log WHERE public_id IN
           (SELECT public_id FROM session_log
             WHERE ended_at IS NOT NULL AND ended_at < ? LIMIT ?)",
        before,
    )
    .await
}

async fn delete_in_batches(db: &Db, sql: &str, before: Millis) -> Result<u64, sqlx::Error> {
    let mut total = 0;
    loop {
        let n = sqlx::query(sql)
            .bind(before)
            .bind(BATCH)
            .execute(&db.primary)
            .await?
            .rows_affected();
        total += n;
        if (n as i64) < BATCH {
            return Ok(total);
        }
    }
}
