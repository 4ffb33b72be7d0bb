//! The audit trail: security events, only ever appended (and anonymised or aged out).

use super::StoreResult;
use crate::domain::{AuditEvent, Millis, Pagination};

/// An entry as stored (what the user's list and the export show).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    #[sqlx(rename = "type")]
    pub kind: String,
    pub at: Millis,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The public id of the session concerned.
    pub session_id: Option<String>,
    /// JSON text of an object.
    pub details: Option<String>,
}

#[async_trait::async_trait]
pub trait AuditRepo {
    async fn insert_audit(&mut self, event: &AuditEvent) -> StoreResult<()>;

    /// One page of a user's events, newest first, and how many there are.
    async fn audit_of_user(
        &mut self,
        user_id: &str,
        page: Pagination,
    ) -> StoreResult<(Vec<AuditRow>, u64)>;
}
