//! Accounts (`users`), their preferences (`user_preferences`) and the sign-in throttle
//! (`login_attempts`).

use super::{Lock, PgConn};
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
impl AccountRepo for PgConn {
    async fn insert_account(&mut self, a: &NewAccount<'_>) -> StoreResult<bool> {
        let mut c = self.on().await?;
        // Two registrations of one email at once: the second waits for the first and then
        // does nothing (ON CONFLICT settles it against committed and in-flight rows alike).
        let done = sqlx::query(
            "INSERT INTO users (id, email, password_hash, display_name, role, created_at, wallet)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
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
        let mut c = self.on().await?;
        Ok(sqlx::query_as(&format!("{ACCOUNT_ROW} WHERE u.email = $1"))
            .bind(email)
            .fetch_optional(&mut *c)
            .await?)
    }

    async fn account_by_id(&mut self, id: &str) -> StoreResult<Option<AccountRow>> {
        let mut c = self.on().await?;
        Ok(sqlx::query_as(&format!("{ACCOUNT_ROW} WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(&mut *c)
            .await?)
    }

    async fn set_password(&mut self, id: &str, hash: &str) -> StoreResult<()> {
        let in_tx = self.in_tx();
        let mut c = self.on().await?;
        if in_tx {
            // The transaction changing a password goes on to end the user's other sessions
            // (taking the user's lock then). The lock comes before the account row, as an
            // erasure takes them: the other way round, the two would wait for each other.
            Lock::User.take(&mut c, id.as_bytes()).await?;
        }
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    }

    async fn set_role(&mut self, email: &str, role: &str) -> StoreResult<bool> {
        let mut c = self.on().await?;
        let done = sqlx::query("UPDATE users SET role = $1 WHERE email = $2")
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
        let mut c = self.on().await?;
        // The upsert is atomic against a concurrent one; the foreign key refuses an erased
        // account.
        sqlx::query(
            "INSERT INTO user_preferences (user_id, theme, notifications, language, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (user_id) DO UPDATE SET theme = $2, notifications = $3, language = $4, updated_at = $5",
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
        let mut c = self.atomic().await?;
        // On SQLite the count and the insert below are one statement, which no other
        // writer can interleave with. Here two such statements would each count before the
        // other's row is committed, and both insert: the email key's lock makes concurrent
        // reservations take turns, each one counting every row committed before it. An
        // advisory lock rather than row locks, as there may be no row to lock yet.
        Lock::Attempts.take(&mut c, key).await?;
        sqlx::query("DELETE FROM login_attempts WHERE email_hash = $1 AND at <= $2")
            .bind(&key[..])
            .bind(window.start)
            .execute(&mut *c)
            .await?;
        let reserved: Option<i64> = sqlx::query_scalar(
            "INSERT INTO login_attempts (email_hash, at, pending)
             SELECT $1, $2, TRUE WHERE (SELECT COUNT(*) FROM login_attempts WHERE email_hash = $1) < $3
             RETURNING id",
        )
        .bind(&key[..])
        .bind(now)
        .bind(window.max)
        .fetch_optional(&mut *c)
        .await?;
        let slot = match reserved {
            Some(id) => AttemptSlot::Reserved(id),
            None => {
                let (pending, oldest): (i64, Option<Millis>) = sqlx::query_as(
                    "SELECT COUNT(*) FILTER (WHERE pending AND at > $2), MIN(at)
                     FROM login_attempts WHERE email_hash = $1",
                )
                .bind(&key[..])
                .bind(window.stale_before)
                .fetch_one(&mut *c)
                .await?;
                match oldest {
                    Some(oldest) if pending == 0 => AttemptSlot::Full(oldest),
                    _ => AttemptSlot::Busy,
                }
            }
        };
        c.done().await?;
        Ok(slot)
    }

    async fn settle_attempt(
        &mut self,
        key: &[u8; 32],
        id: i64,
        outcome: AttemptOutcome,
    ) -> StoreResult<()> {
        let mut c = self.on().await?;
        // One statement each: a reservation counts the rows before or after it, either of
        // which is a moment the throttle could have been asked at.
        let sql = match outcome {
            AttemptOutcome::Failed => {
                "UPDATE login_attempts SET pending = FALSE WHERE email_hash = $1 AND id = $2"
            }
            AttemptOutcome::Succeeded => {
                "DELETE FROM login_attempts WHERE email_hash = $1 AND (id = $2 OR NOT pending)"
            }
            AttemptOutcome::Abandoned => {
                "DELETE FROM login_attempts WHERE email_hash = $1 AND id = $2"
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
        let mut c = self.on().await?;
        Ok(sqlx::query("DELETE FROM login_attempts WHERE at <= $1")
            .bind(window_start)
            .execute(&mut *c)
            .await?
            .rows_affected())
    }
}
