//! What an administrator reads of the durable log (always in SQL): the counts of the
//! sessions listed, and how sessions ended. The live sessions themselves are the
//! [`super::SessionRepo`]'s.

use super::StoreResult;
use crate::domain::Millis;

/// The event counts of one session.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LogCounts {
    pub public_id: String,
    pub page_views: i64,
    pub actions: i64,
}

/// How many sessions ended for one reason.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EndCount {
    pub end_reason: String,
    pub sessions: i64,
}

#[async_trait::async_trait]
pub trait OversightRepo {
    /// The counts of these sessions (those with a log).
    async fn log_counts(&mut self, public_ids: &[String]) -> StoreResult<Vec<LogCounts>>;

    /// The sessions that ended in `[from, to)`, counted by reason.
    async fn ended_counts(&mut self, from: Millis, to: Millis) -> StoreResult<Vec<EndCount>>;
}

/// `SELECT` of the counts of `n` sessions (`$1`…`$n`), for both SQL engines.
pub(crate) fn log_counts_sql(n: usize) -> String {
    let params: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    format!(
        "SELECT public_id, page_views, actions FROM session_log WHERE public_id IN ({})",
        params.join(", ")
    )
}

pub(crate) const ENDED: &str = "SELECT end_reason, COUNT(*) AS sessions FROM session_log
                                 WHERE ended_at >= $1 AND ended_at < $2 AND end_reason IS NOT NULL
                                 GROUP BY end_reason";
