//! Accounts, their stored preferences, and the sign-in attempts the throttle counts.

use super::StoreResult;
use crate::domain::Millis;
use crate::model::Preferences;

/// The bounds a sign-in attempt is reserved within.
#[derive(Clone, Copy, Debug)]
pub struct AttemptWindow {
    /// Attempts at or before this have left the window.
    pub start: Millis,
    /// Pending attempts at or before this count as failures.
    pub stale_before: Millis,
    /// Attempts allowed in the window.
    pub max: i64,
}

/// What reserving a sign-in attempt found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptSlot {
    /// Recorded as pending, with its id, to settle once the password is checked.
    Reserved(i64),
    /// The limit is reached, but some attempts in it are still being checked.
    Busy,
    /// The limit is reached by failures; the time of the oldest attempt in the window.
    Full(Millis),
}

/// How a pending sign-in attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    Failed,
    Succeeded,
    /// The check itself failed (an internal error): the attempt is not held against anyone.
    Abandoned,
}

/// An account with its preferences row (if any) and the policy version of its newest
/// consent choice: the one shape every lookup returns, so a sign-in gets the preferences
/// it must apply, and every page knows whether to ask for consent again, in one query.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountRow {
    pub id: String,
    /// `None` for an account made by Sign-In with Ethereum.
    pub email: Option<String>,
    /// An argon2id PHC string; exactly when there is an email.
    pub password_hash: Option<String>,
    /// The linked wallet, EIP-55 checksummed.
    pub wallet: Option<String>,
    pub display_name: Option<String>,
    pub role: String,
    pub created_at: Millis,
    pub theme: Option<String>,
    pub notifications: Option<String>,
    pub language: Option<String>,
    pub consent_version: Option<String>,
}

/// An account to create.
#[derive(Clone, Copy, Debug)]
pub struct NewAccount<'a> {
    pub id: &'a str,
    pub email: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub wallet: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub role: &'a str,
    pub created_at: Millis,
}

#[async_trait::async_trait]
pub trait AccountRepo {
    /// Creates an account; `false` when its email or wallet is taken.
    async fn insert_account(&mut self, account: &NewAccount<'_>) -> StoreResult<bool>;

    async fn account_by_email(&mut self, email: &str) -> StoreResult<Option<AccountRow>>;

    /// Runs on every request of a signed-in user.
    async fn account_by_id(&mut self, id: &str) -> StoreResult<Option<AccountRow>>;

    async fn set_password(&mut self, id: &str, hash: &str) -> StoreResult<()>;

    /// Sets the role of the account with this email; `false` when there is none.
    async fn set_role(&mut self, email: &str, role: &str) -> StoreResult<bool>;

    /// Stores (or replaces) a user's preferences.
    async fn save_preferences(
        &mut self,
        user_id: &str,
        prefs: &Preferences,
        at: Millis,
    ) -> StoreResult<()>;

    /// Forgets a key's attempts older than `window_start`, then records a pending one at
    /// `now` unless `max` are already recorded. Pending attempts from before
    /// `stale_before` count as failures (their check never ended). Atomic against
    /// concurrent attempts when run in a transaction.
    async fn reserve_attempt(
        &mut self,
        key: &[u8; 32],
        now: Millis,
        window: AttemptWindow,
    ) -> StoreResult<AttemptSlot>;

    /// Ends a pending attempt: a failure stays counted; a success removes it and the key's
    /// failures (not attempts still pending); an abandoned check removes only it.
    async fn settle_attempt(
        &mut self,
        key: &[u8; 32],
        id: i64,
        outcome: AttemptOutcome,
    ) -> StoreResult<()>;

    /// Deletes every attempt older than `window_start`; returns how many.
    async fn prune_attempts(&mut self, window_start: Millis) -> StoreResult<u64>;
}
