//! Consent records: every choice a user made, never updated.

use super::StoreResult;
use crate::domain::Millis;

/// A consent choice as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ConsentRow {
    /// `analytics` or `marketing`.
    #[sqlx(rename = "type")]
    pub kind: String,
    pub granted: bool,
    pub version: String,
    pub at: Millis,
    /// How it was made: `api`, `privacy_page` or `prompt`.
    pub method: String,
}

#[async_trait::async_trait]
pub trait ConsentRepo {
    /// Appends choices (refused when the account no longer exists).
    async fn insert_consents(&mut self, user_id: &str, rows: &[ConsentRow]) -> StoreResult<()>;

    /// The newest choice of each kind the user made.
    async fn newest_consents(&mut self, user_id: &str) -> StoreResult<Vec<ConsentRow>>;

    /// Every choice the user made, newest first.
    async fn consent_history(&mut self, user_id: &str) -> StoreResult<Vec<ConsentRow>>;
}
