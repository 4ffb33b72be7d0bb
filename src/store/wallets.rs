//! Sign-In with Ethereum at the storage level: the wallet linked to an account, and the
//! nonce each session was given to sign.

use super::{AccountRow, StoreResult};
use crate::domain::Millis;

/// A session's outstanding nonce, as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct NonceRow {
    /// SHA-256 of the nonce.
    pub nonce_hash: Vec<u8>,
    pub expires_at: Millis,
}

#[async_trait::async_trait]
pub trait WalletRepo {
    /// The account the wallet (EIP-55 form) is linked to.
    async fn account_by_wallet(&mut self, wallet: &str) -> StoreResult<Option<AccountRow>>;

    /// Links `wallet` to the account, or unlinks it (`None`); `false` when another account
    /// has that wallet (nothing changes then).
    async fn set_wallet(&mut self, user_id: &str, wallet: Option<&str>) -> StoreResult<bool>;

    /// Gives a session its nonce, replacing any it had.
    async fn put_nonce(
        &mut self,
        session_id: &str,
        nonce_hash: &[u8; 32],
        expires_at: Millis,
    ) -> StoreResult<()>;

    /// Deletes the session's nonce and returns it, expired or not, so that no nonce is
    /// ever used twice.
    async fn take_nonce(&mut self, session_id: &str) -> StoreResult<Option<NonceRow>>;

    /// Deletes nonces that expired at or before `now`; returns how many.
    async fn prune_nonces(&mut self, now: Millis) -> StoreResult<u64>;
}
