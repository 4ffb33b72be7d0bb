//! Analytics over everyone (see `store::insights`), on the reports pool.

use super::{Pool, SqliteConn};
use crate::domain::Millis;
use crate::store::insights::*;
use crate::store::StoreResult;

/// The longest period read through `events_by_time` rather than `events_by_name`.
/// Without statistics SQLite takes the index whose first column equals a constant, and
/// scans every page view's entry for a few minutes' worth: realtime's top pages and
/// per-minute views took 2.0 s at ten million page views (0.15 s at one million). A day
/// is about 1% of the demo's 90: its rows one by one cost less than a scan of them all.
const BY_TIME_UP_TO: Millis = 24 * 60 * 60 * 1000;

/// `statement` with its page views found by time when `w` is short.
fn for_window(statement: String, w: Window) -> String {
    match w.to - w.from <= BY_TIME_UP_TO {
        true => sql::page_views_by_time(statement),
        false => statement,
    }
}

#[async_trait::async_trait]
impl InsightsRepo for SqliteConn {
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
        let mut c = self.on(Pool::Reports).await?;
        let statement = for_window(sql::popular_pages_less_objectors(), w);
        Ok(sqlx::query_as(&statement)
            .bind(w.from)
            .bind(w.to)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn feature_usage(&mut self, w: Window, limit: i64) -> StoreResult<Vec<NameCount>> {
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&sql::feature_usage())
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
        let statement = for_window(sql::series(of), w);
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
