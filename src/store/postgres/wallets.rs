//! Linked wallets (`users.wallet`) and Sign-In with Ethereum nonces (`siwe_nonces`).

use super::accounts::ACCOUNT_ROW;
use super::PgConn;
use crate::domain::Millis;
use crate::store::is_unique_violation;
use crate::store::{AccountRow, NonceRow, StoreResult, WalletRepo};

#[async_trait::async_trait]
impl WalletRepo for PgConn {
    async fn account_by_wallet(&mut self, wallet: &str) -> StoreResult<Option<AccountRow>> {
        let mut c = self.on().await?;
        Ok(
            sqlx::query_as(&format!("{ACCOUNT_ROW} WHERE u.wallet = $1"))
                .bind(wallet)
                .fetch_optional(&mut *c)
                .await?,
        )
    }

    async fn set_wallet(&mut self, user_id: &str, wallet: Option<&str>) -> StoreResult<bool> {
        let mut c = self.on().await?;
        let done = sqlx::query("UPDATE users SET wallet = $1 WHERE id = $2")
            .bind(wallet)
            .bind(user_id)
            .execute(&mut *c)
            .await;
        match done {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn put_nonce(
        &mut self,
        session_id: &str,
        nonce_hash: &[u8; 32],
        expires_at: Millis,
    ) -> StoreResult<()> {
        let mut c = self.on().await?;
        sqlx::query(
            "INSERT INTO siwe_nonces (session_id, nonce_hash, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (session_id) DO UPDATE SET nonce_hash = $2, expires_at = $3",
        )
        .bind(session_id)
        .bind(&nonce_hash[..])
        .bind(expires_at)
        .execute(&mut *c)
        .await?;
        Ok(())
    }

    async fn take_nonce(&mut self, session_id: &str) -> StoreResult<Option<NonceRow>> {
        let mut c = self.on().await?;
        Ok(sqlx::query_as(
            "DELETE FROM siwe_nonces WHERE session_id = $1 RETURNING nonce_hash, expires_at",
        )
        .bind(session_id)
        .fetch_optional(&mut *c)
        .await?)
    }

    async fn prune_nonces(&mut self, now: Millis) -> StoreResult<u64> {
        let mut c = self.on().await?;
        Ok(
            sqlx::query("DELETE FROM siwe_nonces WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *c)
                .await?
                .rows_affected(),
        )
    }
}
