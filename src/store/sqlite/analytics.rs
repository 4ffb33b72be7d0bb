//! Analytics queries (see `store::analytics`).

use super::{Pool, SqliteConn};
use crate::domain::{Millis, Scope};
use crate::store::analytics::{sql, AnalyticsRepo, OwnTotals, PageCount, Step};
use crate::store::StoreResult;

#[async_trait::async_trait]
impl AnalyticsRepo for SqliteConn {
    async fn own_totals(&mut self, scope: &Scope, now: Millis) -> StoreResult<OwnTotals> {
        let (log_column, _, key) = sql::columns(scope);
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&sql::totals(log_column))
            .bind(key)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    }

    async fn top_pages(&mut self, scope: &Scope, limit: i64) -> StoreResult<Vec<PageCount>> {
        let (_, event_column, key) = sql::columns(scope);
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&sql::top_pages(event_column))
            .bind(key)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn session_owner(&mut self, public_id: &str) -> StoreResult<Option<Option<String>>> {
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_scalar(sql::OWNER)
            .bind(public_id)
            .fetch_optional(&mut *c)
            .await?)
    }

    async fn journey(&mut self, public_id: &str, limit: i64) -> StoreResult<Vec<Step>> {
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(sql::JOURNEY)
            .bind(public_id)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    }
}
