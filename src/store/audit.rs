//! SQL for the audit trail.

use super::Db;
use crate::domain::audit::AuditEvent;
use crate::domain::{Millis, Pagination};
use sqlx::Row;

/// An entry as stored.
pub struct AuditRow {
    pub kind: String,
    pub at: Millis,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: Option<String>,
}

/// Appends one event, on any connection or inside a caller's transaction.
pub async fn insert<'e, E>(executor: E, event: &AuditEvent) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    let (session_id, session_hash) = match &event.session {
        Some((id, hash)) => (Some(id.as_str()), Some(hash.as_str())),
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO audit (user_id, type, at, ip, user_agent, session_id, session_hash, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&event.user_id)
    .bind(event.kind.as_str())
    .bind(event.at)
    .bind(&event.origin.ip)
    .bind(&event.origin.user_agent)
    .bind(session_id)
    .bind(session_hash)
    .bind(event.details.as_ref().map(|d| d.to_string()))
    .execute(executor)
    .await
    .map(|_| ())
}

/// One page of a user's events, newest first, and how many there are.
pub async fn list(
    db: &Db,
    user_id: &str,
    page: Pagination,
) -> Result<(Vec<AuditRow>, u64), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT type, at, ip, user_agent, details FROM audit WHERE user_id = ?
         ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
    )
    .bind(user_id)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&db.reports)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE user_id = ?")
        .bind(user_id)
        .fetch_one(&db.reports)
        .await?;
    Ok((
        rows.into_iter()
            .map(|r| AuditRow {
                kind: r.get(0),
                at: r.get(1),
                ip: r.get(2),
                user_agent: r.get(3),
                details: r.get(4),
            })
            .collect(),
        total as u64,
    ))
}
