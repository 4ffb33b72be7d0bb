//! The durable log as an administrator reads it.

use super::PgConn;
use crate::domain::Millis;
use crate::store::oversight::{log_counts_sql, EndCount, LogCounts, OversightRepo, ENDED};
use crate::store::StoreResult;

#[async_trait::async_trait]
impl OversightRepo for PgConn {
    async fn log_counts(&mut self, public_ids: &[String]) -> StoreResult<Vec<LogCounts>> {
        if public_ids.is_empty() {
            return Ok(vec![]);
        }
        let mut c = self.on().await?;
        let sql = log_counts_sql(public_ids.len());
        let mut query = sqlx::query_as(&sql);
        for id in public_ids {
            query = query.bind(id);
        }
        Ok(query.fetch_all(&mut *c).await?)
    }

    async fn ended_counts(&mut self, from: Millis, to: Millis) -> StoreResult<Vec<EndCount>> {
        let mut c = self.on().await?;
        Ok(sqlx::query_as(ENDED)
            .bind(from)
            .bind(to)
            .fetch_all(&mut *c)
            .await?)
    }
}
