//! Analytics over everyone (see `store::insights`), on the pool.

use super::PgConn;
use crate::domain::Millis;
use crate::store::insights::*;
use crate::store::StoreResult;

#[async_trait::async_trait]
impl InsightsRepo for PgConn {
    async fn index_events(&mut self) -> StoreResult<u64> {
        Ok(0) // a view of `events` (migrations/postgres/0010_event_index.sql)
    }

    async fn session_totals(&mut self, w: Window, now: Millis) -> StoreResult<SessionTotals> {
        let mut c = self.on().await?;
        Ok(sqlx::query_as(&sql::session_totals())
            .bind(w.from)
            .bind(w.to)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    }

    async fn active_users(&mut self, to: Millis, spans: [Millis; 3]) -> StoreResult<ActiveCounts> {
        let [day, week, month] = spans;
        let mut c = self.on().await?;
        Ok(sqlx::query_as(&sql::active_users())
            .bind(to - month)
            .bind(to)
            .bind(to - week)
            .bind(to - day)
            .fetch_one(&mut *c)
            .await?)
    }

    async fn active_sessions(&mut self, w: Window) -> StoreResult<i64> {
        let mut c = self.on().await?;
        Ok(sqlx::query_scalar(&sql::active_sessions())
            .bind(w.from)
            .bind(w.to)
            .fetch_one(&mut *c)
            .await?)
    }

    async fn popular_pages(&mut self, w: Window, limit: i64) -> StoreResult<Vec<NameCount>> {
        let mut c = self.on().await?;
        Ok(sqlx::query_as(&sql::popular_pages(Read::ByName))
            .bind(w.from)
            .bind(w.to)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn feature_usage(&mut self, w: Window, limit: i64) -> StoreResult<Vec<NameCount>> {
        let mut c = self.on().await?;
        Ok(sqlx::query_as(&sql::feature_usage(Read::ByName))
            .bind(w.from)
            .bind(w.to)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn paths(&mut self, w: Window, length: usize, limit: i64) -> StoreResult<Vec<PathRow>> {
        let mut c = self.on().await?;
        Ok(sqlx::query_as(&sql::paths())
            .bind(w.from)
            .bind(w.to)
            .bind(length as i64)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn funnel(&mut self, w: Window, steps: &[String]) -> StoreResult<Vec<StepCount>> {
        let mut c = self.on().await?;
        let sql = sql::funnel(steps.len());
        let mut query = sqlx::query_as(&sql).bind(w.from).bind(w.to);
        for step in steps {
            query = query.bind(step);
        }
        Ok(query.fetch_all(&mut *c).await?)
    }

    async fn cohorts(&mut self, w: Window) -> StoreResult<Vec<CohortCount>> {
        let mut c = self.on().await?;
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
        let statement = match of {
            SeriesOf::ActiveUsers => sql::active_users_series_by_pairs(),
            _ => sql::series(of, Read::ByName),
        };
        let mut c = self.on().await?;
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
        let mut c = self.on().await?;
        Ok(sqlx::query_as(&sql::durations(bounds))
            .bind(w.from)
            .bind(w.to)
            .bind(now)
            .fetch_all(&mut *c)
            .await?)
    }
}
