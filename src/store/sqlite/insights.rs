//! Analytics over everyone (see `store::insights`), on the reports pool, and the upkeep
//! of `event_index` (`migrations/sqlite/0010_event_index.sql`) on the writer.

use super::{Pool, SqliteConn};
use crate::domain::Millis;
use crate::store::insights::*;
use crate::store::StoreResult;

/// The longest period read through `events_by_time` rather than `event_index`. A scan of
/// every page view's entry for a few minutes' worth made realtime's top pages and
/// per-minute views take 2.0 s at ten million page views (0.15 s at one million). A day
/// is about 1% of the demo's 90: its rows one by one cost less than a scan of them all.
/// Such reads need no copy brought up to date, so "right now" is never behind either.
const BY_TIME_UP_TO: Millis = 24 * 60 * 60 * 1000;

/// Events copied per transaction: the writer waits while a copy runs, so a bounded one
/// keeps a backlog from holding up requests for long. `make bench` writes about 33,000
/// events in the server's 5 s between copies: two copies (p99 14.0-15.2 ms, against
/// 14.5-15.4 copying 5,000 every second).
pub const INDEX_CHUNK: i64 = 25_000;

impl SqliteConn {
    /// Where a statement over `w` reads page views, with `event_index` brought up to date
    /// first when it is there.
    async fn read_for(&mut self, w: Window) -> StoreResult<Read> {
        if w.to - w.from <= BY_TIME_UP_TO {
            return Ok(Read::ByTime);
        }
        self.index_events().await?;
        Ok(Read::ByName)
    }

    /// Copies up to `limit` events past the mark into `event_index`, in the index's order
    /// (so neighbouring rows share pages), and moves the mark, in one transaction.
    pub(super) async fn copy_events(&mut self, limit: i64) -> StoreResult<u64> {
        let mut c = self.on(Pool::Primary).await?;
        let mut tx = sqlx::Connection::begin(&mut *c).await?;
        let mark: i64 = sqlx::query_scalar("SELECT id FROM event_index_mark")
            .fetch_one(&mut *tx)
            .await?;
        let upto: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(id) FROM (SELECT id FROM events WHERE id > ?1 ORDER BY id LIMIT ?2)",
        )
        .bind(mark)
        .bind(limit)
        .fetch_one(&mut *tx)
        .await?;
        let Some(upto) = upto else {
            return Ok(0);
        };
        let copied = sqlx::query(
            "INSERT INTO event_index (kind, name, session_id, at, id, user_id)
             SELECT kind, name, session_id, at, id, user_id FROM events
              WHERE id > ?1 AND id <= ?2 ORDER BY kind, name, session_id, at, id",
        )
        .bind(mark)
        .bind(upto)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("UPDATE event_index_mark SET id = ?1")
            .bind(upto)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(copied)
    }
}

#[async_trait::async_trait]
impl InsightsRepo for SqliteConn {
    async fn index_events(&mut self) -> StoreResult<u64> {
        let mut copied = 0;
        loop {
            match self.copy_events(INDEX_CHUNK).await? {
                0 => return Ok(copied),
                n => copied += n,
            }
        }
    }

    async fn session_totals(&mut self, w: Window, now: Millis) -> StoreResult<SessionTotals> {
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&sql::session_totals())
            .bind(w.from)
            .bind(w.to)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    }

    async fn active_users(&mut self, to: Millis, spans: [Millis; 3]) -> StoreResult<ActiveCounts> {
        let [day, week, month] = spans;
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&sql::active_users())
            .bind(to - month)
            .bind(to)
            .bind(to - week)
            .bind(to - day)
            .fetch_one(&mut *c)
            .await?)
    }

    async fn active_sessions(&mut self, w: Window) -> StoreResult<i64> {
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_scalar(&sql::active_sessions())
            .bind(w.from)
            .bind(w.to)
            .fetch_one(&mut *c)
            .await?)
    }

    async fn popular_pages(&mut self, w: Window, limit: i64) -> StoreResult<Vec<NameCount>> {
        let statement = sql::popular_pages_less_objectors(self.read_for(w).await?);
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&statement)
            .bind(w.from)
            .bind(w.to)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn feature_usage(&mut self, w: Window, limit: i64) -> StoreResult<Vec<NameCount>> {
        let statement = sql::feature_usage(self.read_for(w).await?);
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&statement)
            .bind(w.from)
            .bind(w.to)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn paths(&mut self, w: Window, length: usize, limit: i64) -> StoreResult<Vec<PathRow>> {
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&sql::paths())
            .bind(w.from)
            .bind(w.to)
            .bind(length as i64)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn funnel(&mut self, w: Window, steps: &[String]) -> StoreResult<Vec<StepCount>> {
        self.index_events().await?;
        let mut c = self.on(Pool::Reports).await?;
        let sql = sql::funnel(steps.len());
        let mut query = sqlx::query_as(&sql).bind(w.from).bind(w.to);
        for step in steps {
            query = query.bind(step);
        }
        Ok(query.fetch_all(&mut *c).await?)
    }

    async fn cohorts(&mut self, w: Window) -> StoreResult<Vec<CohortCount>> {
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&sql::cohorts())
            .bind(w.from)
            .bind(w.to)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn series(
        &mut self,
        w: Window,
        of: SeriesOf,
        size: Millis,
    ) -> StoreResult<Vec<BucketCount>> {
        let read = match of {
            SeriesOf::PageViews => self.read_for(w).await?,
            SeriesOf::Sessions | SeriesOf::ActiveUsers => Read::ByTime,
        };
        let statement = sql::series(of, read);
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&statement)
            .bind(w.from)
            .bind(w.to)
            .bind(size)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn durations(
        &mut self,
        w: Window,
        now: Millis,
        bounds: &[Millis],
    ) -> StoreResult<Vec<BucketCount>> {
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&sql::durations(bounds))
            .bind(w.from)
            .bind(w.to)
            .bind(now)
            .fetch_all(&mut *c)
            .await?)
    }
}
