//! The `session_log` and `events` tables, and the activity feed read from them and from the
//! audit trail. Events are only appended (and, by retention, deleted), never rewritten; the
//! per-session counters in `session_log` are kept by triggers.

use super::{Handle, Lock, PgConn};
use crate::domain::{EndReason, Millis, Order, Pagination, Scope, SessionRecord};
use crate::store::{
    ActionRow, ActivityRow, EventKind, HistoryRepo, NewEvent, PageRow, StoreError, StoreResult,
    MAX_EVENT_BATCH,
};
use sqlx::postgres::PgConnection;
use std::collections::HashMap;
use std::time::Duration;

/// The column of `session_log` that counts events of a kind.
fn counter(kind: EventKind) -> &'static str {
    match kind {
        EventKind::PageView => "page_views",
        EventKind::Action => "actions",
    }
}

/// How often the event writer tries to take its counters without waiting, and how long it
/// pauses between tries, before it waits for them like any transaction.
const NOWAIT_TRIES: u32 = 200;
const NOWAIT_PAUSE: Duration = Duration::from_millis(5);

/// Whether `e` is PostgreSQL's `lock_not_available` (a `NOWAIT` lock that was taken).
fn lock_not_available(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("55P03"))
}

#[async_trait::async_trait]
impl HistoryRepo for PgConn {
    async fn open_log(&mut self, rec: &SessionRecord) -> StoreResult<()> {
        let mut c = self.on().await?;
        sqlx::query(
            "INSERT INTO session_log (public_id, user_id, user_agent, ip, started_at)
             VALUES ($1, $2, $3, $4, $5)",
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
        let mut c = self.on().await?;
        // A close that waited for a concurrent one re-reads the row and finds it closed.
        sqlx::query(
            "UPDATE session_log SET ended_at = $1, end_reason = $2
              WHERE public_id = $3 AND ended_at IS NULL",
        )
        .bind(at)
        .bind(reason.as_str())
        .bind(public_id)
        .execute(&mut *c)
        .await?;
        Ok(())
    }

    async fn adopt_history(&mut self, public_id: &str, user_id: &str) -> StoreResult<()> {
        let in_tx = self.in_tx();
        let mut c = self.atomic().await?;
        if in_tx {
            // A sign-in adopts before it starts the user's session (and takes the user's
            // lock then); the lock must come before the account row the trigger below
            // holds, as an erasure takes them, or the two would wait for each other.
            Lock::User.take(&mut c, user_id.as_bytes()).await?;
        }
        for sql in [
            "UPDATE session_log SET user_id = $1 WHERE public_id = $2 AND user_id IS NULL",
            "UPDATE events SET user_id = $1 WHERE session_id = $2 AND user_id IS NULL",
        ] {
            sqlx::query(sql)
                .bind(user_id)
                .bind(public_id)
                .execute(&mut *c)
                .await?;
        }
        c.done().await?;
        Ok(())
    }

    async fn insert_events(&mut self, events: &[NewEvent]) -> StoreResult<Vec<u64>> {
        debug_assert!(!events.is_empty() && events.len() <= MAX_EVENT_BATCH);
        let batch = Batch::of(events);
        let mut totals = match &mut self.0 {
            Handle::Tx(tx) => batch.write(tx, Wait::Block).await?,
            // The event writer's own transaction: see `Wait::Never`.
            Handle::Auto(pool) => {
                let mut tries = 0;
                loop {
                    tries += 1;
                    let wait = match tries > NOWAIT_TRIES {
                        true => Wait::Block,
                        false => Wait::Never,
                    };
                    let mut tx = pool.begin().await?;
                    match batch.write(&mut tx, wait).await {
                        Ok(totals) => {
                            tx.commit().await?;
                            break totals;
                        }
                        Err(e) if lock_not_available(&e) => {
                            drop(tx);
                            tokio::time::sleep(NOWAIT_PAUSE).await;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        };
        // Walk back from the last event: each page view's total is the session's count so far.
        let mut counts = vec![0u64; events.len()];
        for (i, e) in events.iter().enumerate().rev() {
            if e.kind == EventKind::PageView {
                if let Some(total) = totals.get_mut(e.session_id.as_str()) {
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
            "json_build_array(name, at)",
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
            "json_build_array(name, details, at)",
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
               FROM events WHERE {column} = $1
             UNION ALL
             SELECT 'session_start', public_id, NULL, NULL, NULL, ip, user_agent, started_at, 0, 0
               FROM session_log WHERE {log_column} = $1
             UNION ALL
             SELECT 'session_end', public_id, NULL, NULL, NULL, ip, user_agent, ended_at, 2, 0
               FROM session_log WHERE {log_column} = $1 AND ended_at IS NOT NULL
             UNION ALL
             SELECT type, session_id, NULL, NULL, NULL, ip, user_agent, at, 1, id
               FROM audit WHERE {column} = $1 AND type IN ('login', 'logout') AND session_id IS NOT NULL"
        );
        let mut c = self.on().await?;
        let rows: Vec<ActivityRow> = sqlx::query_as(&format!(
            "SELECT kind, session_id, page, action, details, ip, user_agent, at FROM ({feed}) f
             WHERE $2::text IS NULL OR kind = $2 ORDER BY at DESC, rank DESC, seq DESC LIMIT $3 OFFSET $4"
        ))
        .bind(key)
        .bind(kind)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&mut *c)
        .await?;
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM ({feed}) f WHERE $2::text IS NULL OR kind = $2"
        ))
        .bind(key)
        .bind(kind)
        .fetch_one(&mut *c)
        .await?;
        Ok((rows, total as u64))
    }
}

/// How a batch of events takes the counters it updates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// The counters are taken as the insert's trigger updates them.
    Block,
    /// All the batch's counters are taken up front, in order, or none: if one is held by
    /// another transaction, the whole batch rolls back and is tried again. A batch touches
    /// many sessions at once, and a sign-in or a sweep closes several logs one by one in an
    /// order of its own; so the writer never waits for a counter while holding one, and
    /// cannot be half of a deadlock with them.
    Never,
}

/// A batch of events as the columns of one `INSERT … SELECT FROM UNNEST`: one prepared
/// statement whatever the batch's size.
struct Batch<'a> {
    session_ids: Vec<&'a str>,
    user_ids: Vec<Option<&'a str>>,
    kinds: Vec<&'static str>,
    names: Vec<&'a str>,
    details: Vec<Option<&'a str>>,
    ats: Vec<Millis>,
    /// The batch's sessions, sorted (the order counters are locked in).
    sessions: Vec<&'a str>,
    /// The batch's sessions with page views, whose totals are read back.
    viewed: Vec<&'a str>,
    /// The accounts the batch names, sorted.
    users: Vec<&'a str>,
}

impl<'a> Batch<'a> {
    fn of(events: &'a [NewEvent]) -> Batch<'a> {
        let sorted = |mut v: Vec<&'a str>| {
            v.sort_unstable();
            v.dedup();
            v
        };
        Batch {
            session_ids: events.iter().map(|e| e.session_id.as_str()).collect(),
            user_ids: events.iter().map(|e| e.user_id.as_deref()).collect(),
            kinds: events.iter().map(|e| e.kind.as_str()).collect(),
            names: events.iter().map(|e| e.name.as_str()).collect(),
            details: events.iter().map(|e| e.details.as_deref()).collect(),
            ats: events.iter().map(|e| e.at).collect(),
            sessions: sorted(events.iter().map(|e| e.session_id.as_str()).collect()),
            viewed: sorted(
                events
                    .iter()
                    .filter(|e| e.kind == EventKind::PageView)
                    .map(|e| e.session_id.as_str())
                    .collect(),
            ),
            users: sorted(events.iter().filter_map(|e| e.user_id.as_deref()).collect()),
        }
    }

    /// Appends the batch in the transaction `c` is in; returns the page-view totals of its
    /// sessions, this batch included.
    async fn write(
        &self,
        c: &mut PgConnection,
        wait: Wait,
    ) -> Result<HashMap<String, i64>, sqlx::Error> {
        if wait == Wait::Never {
            // The accounts first (as the insert's trigger would, holding them against an
            // erasure): waiting for an erasure here holds no counter.
            if !self.users.is_empty() {
                sqlx::query("SELECT 1 FROM users WHERE id = ANY($1) ORDER BY id FOR KEY SHARE")
                    .bind(&self.users)
                    .execute(&mut *c)
                    .await?;
            }
            sqlx::query(
                "SELECT 1 FROM session_log WHERE public_id = ANY($1)
                  ORDER BY public_id FOR UPDATE NOWAIT",
            )
            .bind(&self.sessions)
            .execute(&mut *c)
            .await?;
        }
        // In the batch's order, so ids (and ties in time) keep the order of arrival.
        sqlx::query(
            "INSERT INTO events (session_id, user_id, kind, name, details, at)
             SELECT session_id, user_id, kind, name, details, at
               FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[])
                    WITH ORDINALITY AS e (session_id, user_id, kind, name, details, at, n)
              ORDER BY n",
        )
        .bind(&self.session_ids)
        .bind(&self.user_ids)
        .bind(&self.kinds)
        .bind(&self.names)
        .bind(&self.details)
        .bind(&self.ats)
        .execute(&mut *c)
        .await?;
        // The insert's trigger updated the counters and holds them to the commit: what is
        // read is exactly what was there before plus this batch, as on SQLite, where the
        // one writer connection kept everyone else out.
        let mut totals = HashMap::new();
        if !self.viewed.is_empty() {
            totals.extend(
                sqlx::query_as::<_, (String, i64)>(
                    "SELECT public_id, page_views FROM session_log WHERE public_id = ANY($1)",
                )
                .bind(&self.viewed)
                .fetch_all(&mut *c)
                .await?,
            );
        }
        Ok(totals)
    }
}

impl PgConn {
    /// One page of the events of `kind` of a session, each `item` decoded as a `T`, and the
    /// session's total of that kind (its counter column in `session_log`): one statement,
    /// so the page and the total agree.
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
            "SELECT (SELECT {counter} FROM session_log WHERE public_id = $1),
                    (SELECT COALESCE(json_agg({item} ORDER BY at{dir}, id{dir}), '[]')::text FROM
                       (SELECT * FROM events WHERE session_id = $1 AND kind = '{kind}'
                         ORDER BY at{dir}, id{dir} LIMIT $2 OFFSET $3) e)"
        );
        let mut c = self.on().await?;
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
