//! Accounts (`users`), their preferences (`user_preferences`) and the sign-in throttle
//! (`login_attempts`).

use super::{Pool, SqliteConn};
use crate::domain::Millis;
use crate::model::Preferences;
use crate::store::{
    AccountRepo, AccountRow, AttemptOutcome, AttemptSlot, AttemptWindow, NewAccount, StoreResult,
};

/// The newest consent choice's version rides along as one index seek (`consents_by_user`).
pub(super) const ACCOUNT_ROW: &str =
    "SELECT u.id, u.email, u.password_hash, u.display_name, u.role, u.created_at, u.wallet,
            p.theme, p.notifications, p.language,
            (SELECT c.version FROM consents c WHERE c.user_id = u.id ORDER BY c.id DESC LIMIT 1)
              AS consent_version
       FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id";

#[async_trait::async_trait]
impl AccountRepo for SqliteConn {
    async fn insert_account(&mut self, a: &NewAccount<'_>) -> StoreResult<bool> {
        let mut c = self.on(Pool::Primary).await?;
        let done = sqlx::query(
            "INSERT INTO users (id, email, password_hash, display_name, role, created_at, wallet)
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(a.id)
        .bind(a.email)
        .bind(a.password_hash)
        .bind(a.display_name)
        .bind(a.role)
        .bind(a.created_at)
        .bind(a.wallet)
        .execute(&mut *c)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn account_by_email(&mut self, email: &str) -> StoreResult<Option<AccountRow>> {
        let mut c = self.on(Pool::Primary).await?;
        Ok(sqlx::query_as(&format!("{ACCOUNT_ROW} WHERE u.email = ?"))
            .bind(email)
            .fetch_optional(&mut *c)
            .await?)
    }

    async fn account_by_id(&mut self, id: &str) -> StoreResult<Option<AccountRow>> {
        let mut c = self.on(Pool::Primary).await?;
        Ok(sqlx::query_as(&format!("{ACCOUNT_ROW} WHERE u.id = ?"))
            .bind(id)
            .fetch_optional(&mut *c)
            .await?)
    }

    async fn set_password(&mut self, id: &str, hash: &str) -> StoreResult<()> {
        let mut c = self.on(Pool::Primary).await?;
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    }

    async fn set_role(&mut self, email: &str, role: &str) -> StoreResult<bool> {
        let mut c = self.on(Pool::Primary).await?;
        let done = sqlx::query("UPDATE users SET role = ? WHERE email = ?")
            .bind(role)
            .bind(email)
            .execute(&mut *c)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn save_preferences(
        &mut self,
        user_id: &str,
        p: &Preferences,
        at: Millis,
    ) -> StoreResult<()> {
        let mut c = self.on(Pool::Primary).await?;
        sqlx::query(
            "INSERT INTO user_preferences (user_id, theme, notifications, language, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (user_id) DO UPDATE SET theme = ?2, notifications = ?3, language = ?4, updated_at = ?5",
        )
        .bind(user_id)
        .bind(p.theme.as_str())
        .bind(p.notifications.as_str())
        .bind(p.language.code())
        .bind(at)
        .execute(&mut *c)
        .await?;
        Ok(())
    }

    async fn reserve_attempt(
        &mut self,
        key: &[u8; 32],
        now: Millis,
        window: AttemptWindow,
    ) -> StoreResult<AttemptSlot> {
        let mut c = self.on(Pool::Primary).await?;
        sqlx::query("DELETE FROM login_attempts WHERE email_hash = ? AND at <= ?")
            .bind(&key[..])
            .bind(window.start)
            .execute(&mut *c)
            .await?;
        // One statement that refuses the attempt past the limit, so concurrent ones cannot
        // all pass the check.
        let reserved: Option<i64> = sqlx::query_scalar(
            "INSERT INTO login_attempts (email_hash, at, pending)
             SELECT ?1, ?2, 1 WHERE (SELECT COUNT(*) FROM login_attempts WHERE email_hash = ?1) < ?3
             RETURNING rowid",
        )
        .bind(&key[..])
        .bind(now)
        .bind(window.max)
        .fetch_optional(&mut *c)
        .await?;
        if let Some(id) = reserved {
            return Ok(AttemptSlot::Reserved(id));
        }
        let (pending, oldest): (i64, Option<Millis>) = sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE pending = 1 AND at > ?2), MIN(at)
             FROM login_attempts WHERE email_hash = ?1",
        )
        .bind(&key[..])
        .bind(window.stale_before)
        .fetch_one(&mut *c)
        .await?;
        Ok(match oldest {
            Some(oldest) if pending == 0 => AttemptSlot::Full(oldest),
            _ => AttemptSlot::Busy,
        })
    }

    async fn settle_attempt(
        &mut self,
        key: &[u8; 32],
        id: i64,
        outcome: AttemptOutcome,
    ) -> StoreResult<()> {
        let mut c = self.on(Pool::Primary).await?;
        let sql = match outcome {
            AttemptOutcome::Failed => {
                "UPDATE login_attempts SET pending = 0 WHERE email_hash = ?1 AND rowid = ?2"
            }
            AttemptOutcome::Succeeded => {
                "DELETE FROM login_attempts WHERE email_hash = ?1 AND (rowid = ?2 OR pending = 0)"
            }
            AttemptOutcome::Abandoned => {
                "DELETE FROM login_attempts WHERE email_hash = ?1 AND rowid = ?2"
            }
        };
        sqlx::query(sql)
            .bind(&key[..])
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    }

    async fn prune_attempts(&mut self, window_start: Millis) -> StoreResult<u64> {
        let mut c = self.on(Pool::Primary).await?;
        Ok(sqlx::query("DELETE FROM login_attempts WHERE at <= ?")
            .bind(window_start)
            .execute(&mut *c)
            .await?
            .rows_affected())
    }
}
