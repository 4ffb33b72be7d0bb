//! SQL for tracking: page views and actions (both rows of `events`) and the activity
//! feed. Rows are only appended (and, by retention, deleted), never rewritten.

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
    // One statement, atomic on its own: the count in RETURNING sees this row and every row
    // committed before it. (Each query is a round trip to SQLite's worker thread, so one
    // statement instead of BEGIN/INSERT/SELECT/COMMIT is most of the cost saved.)
    let total: i64 = sqlx::query_scalar(
        "INSERT INTO events (session_id, user_id, kind, name, at) VALUES (?1, ?2, 'page_view', ?3, ?4)
         RETURNING (SELECT COUNT(*) FROM events WHERE session_id = ?1 AND kind = 'page_view')",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(page)
    .bind(at)
    .fetch_one(&db.write)
    .await?;
    Ok(total as u64)
}

pub async fn page_views(
    db: &Db,
    session_id: &str,
    page: Pagination,
    order: Order,
) -> Result<(Vec<(String, Millis)>, u64), sqlx::Error> {
    let sql = match order {
        Order::Asc => "SELECT name, at, (SELECT COUNT(*) FROM events WHERE session_id = ?1 AND kind = 'page_view')
                       FROM events WHERE session_id = ?1 AND kind = 'page_view' ORDER BY at, id LIMIT ?2 OFFSET ?3",
        Order::Desc => "SELECT name, at, (SELECT COUNT(*) FROM events WHERE session_id = ?1 AND kind = 'page_view')
                        FROM events WHERE session_id = ?1 AND kind = 'page_view' ORDER BY at DESC, id DESC LIMIT ?2 OFFSET ?3",
    };
    // The count is an uncorrelated subquery: SQLite runs it once, on the index.
    let rows: Vec<(String, Millis, i64)> = sqlx::query_as(sql)
        .bind(session_id)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&db.read)
        .await?;
    let total = match rows.first() {
        Some(row) => row.2,
        None => {
            count(
                db,
                "SELECT COUNT(*) FROM events WHERE session_id = ? AND kind = 'page_view'",
                session_id,
            )
            .await?
        }
    };
    Ok((
        rows.into_iter().map(|(p, at, _)| (p, at)).collect(),
        total as u64,
    ))
}

/// The total for a page past the end of a list (the count rides along with rows only).
async fn count(db: &Db, sql: &str, key: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql).bind(key).fetch_one(&db.read).await
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
        "INSERT INTO events (session_id, user_id, kind, name, details, at) VALUES (?, ?, 'action', ?, ?, ?)",
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
        Order::Asc => "SELECT name, details, at, (SELECT COUNT(*) FROM events WHERE session_id = ?1 AND kind = 'action')
                       FROM events WHERE session_id = ?1 AND kind = 'action' ORDER BY at, id LIMIT ?2 OFFSET ?3",
        Order::Desc => "SELECT name, details, at, (SELECT COUNT(*) FROM events WHERE session_id = ?1 AND kind = 'action')
                        FROM events WHERE session_id = ?1 AND kind = 'action' ORDER BY at DESC, id DESC LIMIT ?2 OFFSET ?3",
    };
    let rows: Vec<(String, Option<String>, Millis, i64)> = sqlx::query_as(sql)
        .bind(session_id)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&db.read)
        .await?;
    let total = match rows.first() {
        Some(row) => row.3,
        None => {
            count(
                db,
                "SELECT COUNT(*) FROM events WHERE session_id = ? AND kind = 'action'",
                session_id,
            )
            .await?
        }
    };
    Ok((
        rows.into_iter().map(|(a, d, at, _)| (a, d, at)).collect(),
        total as u64,
    ))
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
    // Ties in time keep the order things happened: a session's start first, its end last,
    // events in between in the order they were recorded (`seq`).
    let feed = format!(
        "SELECT kind, session_id,
                CASE kind WHEN 'page_view' THEN name END AS page,
                CASE kind WHEN 'action' THEN name END AS action,
                details, NULL AS ip, NULL AS ua, at, 1 AS rank, id AS seq
           FROM events WHERE {column} = ?1
         UNION ALL
         SELECT 'session_start', public_id, NULL, NULL, NULL, ip, user_agent, started_at, 0, 0
           FROM session_log WHERE {log_column} = ?1
         UNION ALL
         SELECT 'session_end', public_id, NULL, NULL, NULL, ip, user_agent, ended_at, 2, 0
           FROM session_log WHERE {log_column} = ?1 AND ended_at IS NOT NULL"
    );
    let kind = kind.map(|k| k.as_str());
    let rows = sqlx::query(&format!(
        "SELECT kind, session_id, page, action, details, ip, ua, at FROM ({feed})
         WHERE ?2 IS NULL OR kind = ?2 ORDER BY at DESC, rank DESC, seq DESC LIMIT ?3 OFFSET ?4"
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
