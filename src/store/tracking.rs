//! SQL for tracking: page views, actions and the activity feed. Rows are only appended
//! (and, by retention, deleted), never rewritten.

use super::Db;
use crate::domain::tracking::{ActivityKind, ActivityRow, Scope};
use crate::domain::{Millis, Order, Pagination};
use sqlx::Row;

pub async fn insert_page_view(
    db: &Db,
    session_id: &str,
    user_id: Option<&str>,
    page: &str,
    at: Millis,
) -> Result<u64, sqlx::Error> {
    // The insert and the count run in one transaction so `total` includes this visit and
    // every visit committed before it.
    let mut tx = db.write.begin().await?;
    sqlx::query(
        "INSERT INTO page_views (session_id, user_id, page, visited_at) VALUES (?, ?, ?, ?)",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(page)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM page_views WHERE session_id = ?")
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(total as u64)
}

pub async fn page_views(
    db: &Db,
    session_id: &str,
    page: Pagination,
    order: Order,
) -> Result<(Vec<(String, Millis)>, u64), sqlx::Error> {
    let sql = match order {
        Order::Asc => "SELECT page, visited_at FROM page_views WHERE session_id = ? ORDER BY visited_at, id LIMIT ? OFFSET ?",
        Order::Desc => "SELECT page, visited_at FROM page_views WHERE session_id = ? ORDER BY visited_at DESC, id DESC LIMIT ? OFFSET ?",
    };
    let items = sqlx::query_as(sql)
        .bind(session_id)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&db.read)
        .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM page_views WHERE session_id = ?")
        .bind(session_id)
        .fetch_one(&db.read)
        .await?;
    Ok((items, total as u64))
}

pub async fn insert_action(
    db: &Db,
    session_id: &str,
    user_id: Option<&str>,
    action: &str,
    details: Option<&str>,
    at: Millis,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO actions (session_id, user_id, action, details, at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(action)
    .bind(details)
    .bind(at)
    .execute(&db.write)
    .await
    .map(|_| ())
}

pub async fn actions(
    db: &Db,
    session_id: &str,
    page: Pagination,
    order: Order,
) -> Result<(Vec<(String, Option<String>, Millis)>, u64), sqlx::Error> {
    let sql = match order {
        Order::Asc => "SELECT action, details, at FROM actions WHERE session_id = ? ORDER BY at, id LIMIT ? OFFSET ?",
        Order::Desc => "SELECT action, details, at FROM actions WHERE session_id = ? ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
    };
    let items = sqlx::query_as(sql)
        .bind(session_id)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&db.read)
        .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM actions WHERE session_id = ?")
        .bind(session_id)
        .fetch_one(&db.read)
        .await?;
    Ok((items, total as u64))
}

/// The activity feed: page views, actions, session starts and ends of one session or of
/// one user, newest first, optionally of one kind.
pub async fn activity(
    db: &Db,
    scope: &Scope,
    kind: Option<ActivityKind>,
    page: Pagination,
) -> Result<(Vec<ActivityRow>, u64), sqlx::Error> {
    // The column is chosen from a fixed pair, never from input; the value is bound.
    let (column, log_column, key) = match scope {
        Scope::Session(id) => ("session_id", "public_id", id.as_str()),
        Scope::User(id) => ("user_id", "user_id", id.as_str()),
    };
    let feed = format!(
        "SELECT 'page_view' AS kind, session_id, page, NULL AS action, NULL AS details, NULL AS ip, NULL AS ua, visited_at AS at, id AS seq
           FROM page_views WHERE {column} = ?1
         UNION ALL
         SELECT 'action', session_id, NULL, action, details, NULL, NULL, at, id FROM actions WHERE {column} = ?1
         UNION ALL
         SELECT 'session_start', public_id, NULL, NULL, NULL, ip, user_agent, started_at, 0 FROM session_log WHERE {log_column} = ?1
         UNION ALL
         SELECT 'session_end', public_id, NULL, NULL, NULL, ip, user_agent, ended_at, 0 FROM session_log
           WHERE {log_column} = ?1 AND ended_at IS NOT NULL"
    );
    let kind = kind.map(|k| k.as_str());
    let rows = sqlx::query(&format!(
        "SELECT kind, session_id, page, action, details, ip, ua, at FROM ({feed})
         WHERE ?2 IS NULL OR kind = ?2 ORDER BY at DESC, seq DESC LIMIT ?3 OFFSET ?4"
    ))
    .bind(key)
    .bind(kind)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&db.read)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM ({feed}) WHERE ?2 IS NULL OR kind = ?2"
    ))
    .bind(key)
    .bind(kind)
    .fetch_one(&db.read)
    .await?;
    let items = rows
        .into_iter()
        .map(|r| ActivityRow {
            kind: r.get(0),
            session_id: r.get(1),
            page: r.get(2),
            action: r.get(3),
            details: r.get(4),
            ip: r.get(5),
            user_agent: r.get(6),
            at: r.get(7),
        })
        .collect();
    Ok((items, total as u64))
}
