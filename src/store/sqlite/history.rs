//! The `session_log` and `events` tables, and the activity feed read from them and from the
//! audit trail. Events are only appended (and, by retention, deleted), never rewritten; the
//! per-session counters in `session_log` are kept by triggers.

use super::{Pool, SqliteConn};
use crate::domain::{EndReason, Millis, Order, Pagination, Scope, SessionRecord};
use crate::store::{
    ActionRow, ActivityRow, EventKind, HistoryRepo, NewEvent, PageRow, StoreError, StoreResult,
    MAX_EVENT_BATCH,
};

/// The column of `session_log` that counts events of a kind.
fn counter(kind: EventKind) -> &'static str {
    match kind {
        EventKind::PageView => "page_views",
        EventKind::Action => "actions",
    }
}

#[async_trait::async_trait]
impl HistoryRepo for SqliteConn {
    async fn open_log(&mut self, rec: &SessionRecord) -> StoreResult<()> {
        let mut c = self.on(Pool::Primary).await?;
        sqlx::query(
            "INSERT INTO session_log (public_id, user_id, user_agent, ip, started_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&rec.public_id)
        .bind(&rec.user_id)
        .bind(&rec.user_agent)
        .bind(&rec.ip)
        .bind(rec.started_at)
        .execute(&mut *c)
        .await?;
        Ok(())
    }

    async fn close_log(
        &mut self,
        public_id: &str,
        reason: EndReason,
        at: Millis,
    ) -> StoreResult<()> {
        let mut c = self.on(Pool::Primary).await?;
        sqlx::query(
            "UPDATE session_log SET ended_at = ?, end_reason = ? WHERE public_id = ? AND ended_at IS NULL",
        )
        .bind(at)
        .bind(reason.as_str())
        .bind(public_id)
        .execute(&mut *c)
        .await?;
        Ok(())
    }

    async fn adopt_history(&mut self, public_id: &str, user_id: &str) -> StoreResult<()> {
        let mut c = self.on(Pool::Primary).await?;
        for sql in [
            "UPDATE session_log SET user_id = ?1 WHERE public_id = ?2 AND user_id IS NULL",
            "UPDATE events SET user_id = ?1 WHERE session_id = ?2 AND user_id IS NULL",
        ] {
            sqlx::query(sql)
                .bind(user_id)
                .bind(public_id)
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    }

    async fn insert_events(&mut self, events: &[NewEvent]) -> StoreResult<Vec<u64>> {
        // 6 bound values an event: MAX_EVENT_BATCH keeps well under SQLite's variable limit.
        debug_assert!(!events.is_empty() && events.len() <= MAX_EVENT_BATCH);
        let mut sql = String::from(
            "INSERT INTO events (session_id, user_id, kind, name, details, at) VALUES ",
        );
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
        let mut c = self.on(Pool::Primary).await?;
        insert.execute(&mut *c).await?;

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
            let sql = format!(
                "SELECT public_id, page_views FROM session_log WHERE public_id IN ({marks})"
            );
            let mut select = sqlx::query_as::<_, (String, i64)>(&sql);
            for s in &sessions {
                select = select.bind(*s);
            }
            totals.extend(select.fetch_all(&mut *c).await?);
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

    async fn page_views(
        &mut self,
        session_id: &str,
        page: Pagination,
        order: Order,
    ) -> StoreResult<(Vec<PageRow>, u64)> {
        self.list(
            EventKind::PageView,
            "json_array(name, at)",
            session_id,
            page,
            order,
        )
        .await
    }

    async fn actions(
        &mut self,
        session_id: &str,
        page: Pagination,
        order: Order,
    ) -> StoreResult<(Vec<ActionRow>, u64)> {
        self.list(
            EventKind::Action,
            "json_array(name, details, at)",
            session_id,
            page,
            order,
        )
        .await
    }

    async fn activity(
        &mut self,
        scope: &Scope,
        kind: Option<&str>,
        page: Pagination,
    ) -> StoreResult<(Vec<ActivityRow>, u64)> {
        // The column is chosen from a fixed pair, never from input; the value is bound.
        let (column, log_column, key) = match scope {
            Scope::Session(id) => ("session_id", "public_id", id.as_str()),
            Scope::User(id) => ("user_id", "user_id", id.as_str()),
        };
        // Sign-ins and sign-outs come from the audit trail, where `session_id` and `user_id`
        // mean what they mean in `events`.
        // Ties in time keep the order things happened: a session's start first, its end
        // last, events in between in the order they were recorded (`seq`).
        let feed = format!(
            "SELECT kind, session_id,
                    CASE kind WHEN 'page_view' THEN name END AS page,
                    CASE kind WHEN 'action' THEN name END AS action,
                    details, NULL AS ip, NULL AS user_agent, at, 1 AS rank, id AS seq
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
        let mut c = self.on(Pool::Reports).await?;
        let rows: Vec<ActivityRow> = sqlx::query_as(&format!(
            "SELECT kind, session_id, page, action, details, ip, user_agent, at FROM ({feed})
             WHERE ?2 IS NULL OR kind = ?2 ORDER BY at DESC, rank DESC, seq DESC LIMIT ?3 OFFSET ?4"
        ))
        .bind(key)
        .bind(kind)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&mut *c)
        .await?;
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM ({feed}) WHERE ?2 IS NULL OR kind = ?2"
        ))
        .bind(key)
        .bind(kind)
        .fetch_one(&mut *c)
        .await?;
        Ok((rows, total as u64))
    }
}

impl SqliteConn {
    /// One page of the events of `kind` of a session, each `item` decoded as a `T`, and the
    /// session's total of that kind (its counter column in `session_log`).
    ///
    /// The page comes back as *one* value built by SQLite (`json_group_array`): sqlx hands
    /// each result row over from its worker thread separately, so twenty rows cost twenty
    /// thread handoffs; one row costs one.
    async fn list<T: serde::de::DeserializeOwned>(
        &mut self,
        kind: EventKind,
        item: &str,
        session_id: &str,
        page: Pagination,
        order: Order,
    ) -> StoreResult<(Vec<T>, u64)> {
        // Only fixed column names and expressions are interpolated; values are bound.
        let (counter, kind) = (counter(kind), kind.as_str());
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
        let mut c = self.on(Pool::Primary).await?;
        let (total, items): (Option<i64>, String) = sqlx::query_as(&sql)
            .bind(session_id)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_one(&mut *c)
            .await?;
        let items = serde_json::from_str(&items).map_err(|e| StoreError(Box::new(e)))?;
        Ok((items, total.unwrap_or(0).max(0) as u64))
    }
}
