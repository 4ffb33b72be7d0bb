//! Retention at the storage level: deleting what is older than a cut-off. Each runs in
//! small batches, each its own short commit when run outside a transaction, so a purge of a
//! year of data never holds the writer for long.

use super::StoreResult;
use crate::domain::Millis;

#[async_trait::async_trait]
pub trait RetentionRepo {
    /// Deletes page views and actions recorded before `before`; returns how many of each.
    async fn delete_events_before(&mut self, before: Millis) -> StoreResult<(u64, u64)>;

    /// Deletes audit entries recorded before `before`; returns how many.
    async fn delete_audit_before(&mut self, before: Millis) -> StoreResult<u64>;

    /// Deletes the logs of sessions that ended before `before` (never a live one's).
    async fn delete_logs_ended_before(&mut self, before: Millis) -> StoreResult<u64>;
}
