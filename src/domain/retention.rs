//! Retention: data does not outlive its purpose. Page views, actions, audit entries and
//! the history of ended sessions older than `DATA_RETENTION_DAYS` are deleted, by the
//! server at least hourly and by `squid purge` on demand. Live sessions are never
//! touched, and neither are accounts, preferences or consent records: those are kept as
//! long as the account (a consent record is the proof of what the user agreed to).

use super::{rfc3339, Millis, Result};
use crate::store::Store;
use std::sync::Arc;

const DAY: Millis = 24 * 60 * 60 * 1000;

/// What a purge deleted, per table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Everything recorded before this time was due.
    pub cutoff: Millis,
    pub page_views: u64,
    pub actions: u64,
    pub audit: u64,
    pub ended_sessions: u64,
}

impl PurgeReport {
    pub fn total(&self) -> u64 {
        self.page_views + self.actions + self.audit + self.ended_sessions
    }

    /// The report as `squid purge` prints it: one line per table.
    pub fn lines(&self, days: u32) -> Vec<String> {
        vec![
            format!(
                "deleted what was older than {days} days (before {}):",
                rfc3339(self.cutoff)
            ),
            format!(
                "  events       {:>8}  (page views {}, actions {})",
                self.page_views + self.actions,
                self.page_views,
                self.actions
            ),
            format!("  audit        {:>8}", self.audit),
            format!(
                "  session_log  {:>8}  (ended sessions)",
                self.ended_sessions
            ),
        ]
    }
}

/// The retention service.
#[derive(Clone, Debug)]
pub struct Retention {
    store: Arc<dyn Store>,
    pub days: u32,
}

impl Retention {
    pub fn new(store: Arc<dyn Store>, days: u32) -> Self {
        Retention { store, days }
    }

    /// The first moment still kept at `now`: everything strictly older goes.
    pub fn cutoff(&self, now: Millis) -> Millis {
        now - Millis::from(self.days) * DAY
    }

    /// Deletes everything older than the retention period at `now`, in small batches that
    /// each commit on their own (requests slip in between).
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn purge(&self, now: Millis) -> Result<PurgeReport> {
        let cutoff = self.cutoff(now);
        let mut conn = self.store.conn();
        // Sessions first: their events' counters then have no row left to keep up to date.
        let ended_sessions = conn.delete_logs_ended_before(cutoff).await?;
        let (page_views, actions) = conn.delete_events_before(cutoff).await?;
        let audit = conn.delete_audit_before(cutoff).await?;
        Ok(PurgeReport {
            cutoff,
            page_views,
            actions,
            audit,
            ended_sessions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_every_table() {
        let report = PurgeReport {
            cutoff: 0,
            page_views: 3,
            actions: 2,
            audit: 1,
            ended_sessions: 4,
        };
        let text = report.lines(90).join("\n");
        assert!(text.contains("older than 90 days (before 1970-01-01T00:00:00.000Z)"));
        assert!(text.contains("events              5  (page views 3, actions 2)"));
        assert!(text.contains("audit               1"));
        assert!(text.contains("session_log         4  (ended sessions)"));
        assert_eq!(report.total(), 10);
    }
}
