//! Analytics at the storage level: figures computed by SQL over the durable log and the
//! events (indexed by session and by user), never by loading events into memory.

use super::StoreResult;
use crate::domain::{Millis, Scope};

/// The totals of a visitor's sessions.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct OwnTotals {
    pub sessions: i64,
    pub page_views: i64,
    pub actions: i64,
    /// The mean of each session's duration (to its end, or to now while live), in ms.
    pub avg_duration: i64,
}

/// A page and how often it was viewed.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PageCount {
    pub name: String,
    pub views: i64,
}

/// One step of a journey.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Step {
    pub name: String,
    pub at: Millis,
}

#[async_trait::async_trait]
pub trait AnalyticsRepo {
    /// The totals of the sessions in `scope`, live ones counted up to `now`.
    async fn own_totals(&mut self, scope: &Scope, now: Millis) -> StoreResult<OwnTotals>;

    /// The most viewed pages in `scope`, most views first (then by name).
    async fn top_pages(&mut self, scope: &Scope, limit: i64) -> StoreResult<Vec<PageCount>>;

    /// The user a session's log names, `Some(None)` for a guest's, `None` for no such session.
    async fn session_owner(&mut self, public_id: &str) -> StoreResult<Option<Option<String>>>;

    /// The first `limit` page views of a session, in the order they happened.
    async fn journey(&mut self, public_id: &str, limit: i64) -> StoreResult<Vec<Step>>;
}

/// The statements both SQL engines run (`$n` numbered in order of first appearance).
pub(crate) mod sql {
    use crate::domain::Scope;

    /// The column of `session_log` and of `events` a scope selects by (a fixed pair,
    /// never input).
    pub fn columns(scope: &Scope) -> (&'static str, &'static str, &str) {
        match scope {
            Scope::Session(id) => ("public_id", "session_id", id),
            Scope::User(id) => ("user_id", "user_id", id),
        }
    }

    /// The mean duration is a whole division on both engines (`AVG` is a float on SQLite
    /// and a rounded numeric on PostgreSQL: they would disagree by a millisecond).
    pub fn totals(log_column: &str) -> String {
        format!(
            "SELECT COUNT(*) AS sessions,
                    CAST(COALESCE(SUM(page_views), 0) AS BIGINT) AS page_views,
                    CAST(COALESCE(SUM(actions), 0) AS BIGINT) AS actions,
                    COALESCE(CAST(SUM(COALESCE(ended_at, $2) - started_at) AS BIGINT)
                             / NULLIF(COUNT(*), 0), 0) AS avg_duration
               FROM session_log WHERE {log_column} = $1"
        )
    }

    pub fn top_pages(event_column: &str) -> String {
        format!(
            "SELECT name, COUNT(*) AS views FROM events
              WHERE {event_column} = $1 AND kind = 'page_view'
              GROUP BY name ORDER BY views DESC, name LIMIT $2"
        )
    }

    pub const OWNER: &str = "SELECT user_id FROM session_log WHERE public_id = $1";

    pub const JOURNEY: &str = "SELECT name, at FROM events
                                WHERE session_id = $1 AND kind = 'page_view'
                                ORDER BY at, id LIMIT $2";
}
