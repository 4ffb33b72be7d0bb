//! SQL for tracking: page views and actions (both rows of `events`) and the activity
//! feed. Rows are only appended (and, by retention, deleted), never rewritten.

use super::Db;
use crate::domain::tracking::{ActivityKind, ActivityRow, Scope};
use crate::domain::{Millis, Order, Pagination};
use sqlx::Row;

/// An event to append: a page view or an action.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub session_id: String,
    pub user_id: Option<String>,
    pub kind: EventKind,
    pub name: String,
    /// JSON text of an object (actions only).
    pub details: Option<String>,
    pub at: Millis,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    PageView,
    Action,
}

impl EventKind {
    fn as_str(self) -> &'static str {
        match self {
            EventKind::PageView => "page_view",
            EventKind::Action => "action",
        }
    }

    /// The column of `session_log` that counts this kind (kept by triggers).
    fn counter(self) -> &'static str {
        match self {
            EventKind::PageView => "page_views",
            EventKind::Action => "actions",
        }
    }
}

/// Most events in one INSERT (6 bound values each, well under SQLite's variable limit).
pub const MAX_BATCH: usize = 500;

/// Appends `events` in one statement (one commit). For each event, in order, returns how
/// many page views its session has counting it and every earlier one (for actions: 0).
pub async fn insert_events(db: &Db, events: &[NewEvent]) -> Result<Vec<u64>, sqlx::Error> {
    debug_assert!(!events.is_empty() && events.len() <= MAX_BATCH);
    let mut sql =
        String::from("INSERT INTO events (session_id, user_id, kind, name, details, at) VALUES ");
    for i in 0..events.len() {
        sql.push_str(if i == 0 {
            "(?, ?, ?, ?, ?, ?)"
        } else {
            ", (?, ?, ?, ?, ?, ?)"
        });
    }
    let mut insert = sqlx::query(&sql);
    for e in events {
        insert = insert
            .bind(&e.session_id)
            .bind(&e.user_id)
            .bind(e.kind.as_str())
            .bind(&e.name)
            .bind(&e.details)
            .bind(e.at);
    }
    // The primary pool has one connection: holding it for both statements keeps every
    // other writer of this process out, so the counters read are exactly this batch's.
    let mut conn = db.primary.acquire().await?;
    insert.execute(&mut *conn).await?;

    let mut sessions: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == EventKind::PageView)
        .map(|e| e.session_id.as_str())
        .collect();
    sessions.sort_unstable();
    sessions.dedup();
    let mut totals = std::collections::HashMap::new();
    if !sessions.is_empty() {
        let marks = vec!["?"; sessions.len()].join(", ");
        let sql =
            format!("SELECT public_id, page_views FROM session_log WHERE public_id IN ({marks})");
        let mut select = sqlx::query_as::<_, (String, i64)>(&sql);
        for s in &sessions {
            select = select.bind(*s);
        }
        totals.extend(select.fetch_all(&mut *conn).await?);
    }
    // Walk back from the last event: each page view's total is the session's count so far.
    let mut counts = vec![0u64; events.len()];
    for (i, e) in events.iter().enumerate().rev() {
        if e.kind == EventKind::PageView {
            if let Some(total) = totals.get_mut(&e.session_id) {
                counts[i] = (*total).max(0) as u64;
                *total -= 1;
            }
        }
    }
    Ok(counts)
}

/// One page of a session's visits, with the total.
pub async fn page_views(
    db: &Db,
    session_id: &str,
    page: Pagination,
    order: Order,
) -> Result<(Vec<(String, Millis)>, u64), sqlx::Error> {
    list(
        db,
        EventKind::PageView,
        "json_array(name, at)",
        session_id,
        page,
        order,
    )
    .await
}

/// One page of the events of `kind` of a session, each `item` decoded as a `T`, and the
/// session's total of that kind (its counter column in `session_log`).
///
/// The page comes back as *one* value built by SQLite (`json_group_array`): sqlx hands
/// each result row over from its worker thread separately, so twenty rows cost twenty
/// thread handoffs; one row costs one.
async fn list<T: serde::de::DeserializeOwned>(
    db: &Db,
    kind: EventKind,
    item: &str,
    session_id: &str,
    page: Pagination,
    order: Order,
) -> Result<(Vec<T>, u64), sqlx::Error> {
    // Only fixed column names and expressions are interpolated; values are bound.
    let (counter, kind) = (kind.counter(), kind.as_str());
    let dir = match order {
        Order::Asc => "",
        Order::Desc => " DESC",
    };
    let sql = format!(
        "SELECT (SELECT {counter} FROM session_log WHERE public_id = ?1),
                (SELECT json_group_array({item} ORDER BY at{dir}, id{dir}) FROM
                   (SELECT * FROM events WHERE session_id = ?1 AND kind = '{kind}'
                     ORDER BY at{dir}, id{dir} LIMIT ?2 OFFSET ?3))"
    );
    let (total, items): (Option<i64>, String) = sqlx::query_as(&sql)
        .bind(session_id)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_one(&db.primary)
        .await?;
    let items = serde_json::from_str(&items).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok((items, total.unwrap_or(0).max(0) as u64))
}

/// One page of a session's actions (`details` as JSON text), with the total.
pub async fn actions(
    db: &Db,
    session_id: &str,
    page: Pagination,
    order: Order,
) -> Result<(Vec<(String, Option<String>, Millis)>, u64), sqlx::Error> {
    list(
        db,
        EventKind::Action,
        "json_array(name, details, at)",
        session_id,
        page,
        order,
    )
    .await
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
    // Sign-ins and sign-outs come from the audit trail, where `session_id` and `user_id`
    // mean what they mean in `events`.
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
           FROM session_log WHERE {log_column} = ?1 AND ended_at IS NOT NULL
         UNION ALL
         SELECT type, session_id, NULL, NULL, NULL, ip, user_agent, at, 1, id
           FROM audit WHERE {column} = ?1 AND type IN ('login', 'logout') AND session_id IS NOT NULL"
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
    .fetch_all(&db.reports)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM ({feed}) WHERE ?2 IS NULL OR kind = ?2"
    ))
    .bind(key)
    .bind(kind)
    .fetch_one(&db.reports)
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
