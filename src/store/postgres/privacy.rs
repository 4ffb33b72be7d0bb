//! Reading everything held about a user (the export) and erasing it.

use super::{consent, Handle, Lock, PgConn};
use crate::store::{Erased, Held, PrivacyRepo, StoreResult, UserRow};
use sqlx::postgres::PgConnection;

#[async_trait::async_trait]
impl PrivacyRepo for PgConn {
    async fn held(&mut self, user_id: &str) -> StoreResult<Option<Held>> {
        match &mut self.0 {
            // Outside a transaction, a read-only one of its own at REPEATABLE READ: one
            // snapshot for every part, so they agree with each other (READ COMMITTED would
            // take one per statement). It blocks no writer and waits for none.
            Handle::Auto(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                let held = read_held(&mut tx, user_id).await?;
                tx.commit().await?;
                Ok(held)
            }
            Handle::Tx(tx) => read_held(tx, user_id).await,
        }
    }

    async fn erase_user(
        &mut self,
        user_id: &str,
        attempt_keys: &[[u8; 32]],
    ) -> StoreResult<Option<Erased>> {
        let mut c = self.atomic().await?;
        // The user's lock first (the caller took it already when it read the sessions to
        // end), then the account row itself, FOR UPDATE, before anything is deleted: this
        // waits for every transaction that has written a row naming the account (each
        // holds the row FOR KEY SHARE, by a foreign key or a trigger), so the statements
        // below, each seeing what was committed when it starts, find and delete those rows
        // too; and every writer that comes after waits for this transaction, then finds no
        // account and is refused, dropped or anonymised. On SQLite nothing could be in
        // flight between the reads and the deletes.
        Lock::User.take(&mut c, user_id.as_bytes()).await?;
        let found = sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(user_id)
            .fetch_optional(&mut *c)
            .await?;
        if found.is_none() {
            // Nothing changed (outside a transaction, the one opened is rolled back).
            return Ok(None);
        }
        let mut by_user = async |sql: &str| -> StoreResult<u64> {
            Ok(sqlx::query(sql)
                .bind(user_id)
                .execute(&mut *c)
                .await?
                .rows_affected())
        };
        // What names the user: their rows, and rows of their sessions that carry no user id
        // (an audit entry of a guest session they later signed in from). Rows are locked in
        // the order every statement locks them (see the module docs of `postgres`).
        let audit_anonymised = by_user(
            "UPDATE audit SET user_id = NULL, ip = NULL, user_agent = NULL, session_id = NULL,
                              session_hash = NULL, details = NULL
              WHERE id IN (SELECT id FROM audit
                            WHERE user_id = $1
                               OR session_id IN (SELECT public_id FROM session_log WHERE user_id = $1)
                            ORDER BY at, id FOR UPDATE)",
        )
        .await?;
        let events = by_user(
            "DELETE FROM events
              WHERE id IN (SELECT id FROM events
                            WHERE user_id = $1
                               OR session_id IN (SELECT public_id FROM session_log WHERE user_id = $1)
                            ORDER BY at, id FOR UPDATE)",
        )
        .await?;
        let sessions = by_user(
            "DELETE FROM session_log
              WHERE public_id IN (SELECT public_id FROM session_log WHERE user_id = $1
                                   ORDER BY public_id FOR UPDATE)",
        )
        .await?;
        let consents = by_user("DELETE FROM consents WHERE user_id = $1").await?;
        by_user("DELETE FROM user_preferences WHERE user_id = $1").await?;
        let account = by_user("DELETE FROM users WHERE id = $1").await?;
        for key in attempt_keys {
            sqlx::query("DELETE FROM login_attempts WHERE email_hash = $1")
                .bind(&key[..])
                .execute(&mut *c)
                .await?;
        }
        if account != 1 {
            return Ok(None);
        }
        c.done().await?;
        Ok(Some(Erased {
            sessions,
            events,
            consents,
            audit_anonymised,
        }))
    }
}

/// Everything held about `user_id`, read on one connection.
async fn read_held(c: &mut PgConnection, user_id: &str) -> StoreResult<Option<Held>> {
    let Some(user) = sqlx::query_as::<_, UserRow>(
        "SELECT u.id, u.email, u.wallet, u.display_name, u.role, u.created_at,
                p.theme, p.notifications, p.language, p.updated_at AS preferences_at
           FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut *c)
    .await?
    else {
        return Ok(None);
    };
    // Ties in start time by the id's bytes, as SQLite compares text (the database's
    // collation may order letters and case otherwise).
    let sessions = sqlx::query_as(
        "SELECT public_id, user_agent, ip, started_at, ended_at, end_reason, page_views, actions
           FROM session_log WHERE user_id = $1 ORDER BY started_at, public_id COLLATE \"C\"",
    )
    .bind(user_id)
    .fetch_all(&mut *c)
    .await?;
    let events = sqlx::query_as(
        "SELECT kind, session_id,
                CASE kind WHEN 'page_view' THEN name END AS page,
                CASE kind WHEN 'action' THEN name END AS action,
                details, NULL::text AS ip, NULL::text AS user_agent, at
           FROM events WHERE user_id = $1 ORDER BY at, id",
    )
    .bind(user_id)
    .fetch_all(&mut *c)
    .await?;
    let consents = sqlx::query_as(&format!(
        "SELECT {} FROM consents WHERE user_id = $1 ORDER BY id DESC",
        consent::COLUMNS
    ))
    .bind(user_id)
    .fetch_all(&mut *c)
    .await?;
    let audit = sqlx::query_as(
        "SELECT type, at, ip, user_agent, session_id, details FROM audit
          WHERE user_id = $1 ORDER BY at, id",
    )
    .bind(user_id)
    .fetch_all(&mut *c)
    .await?;
    Ok(Some(Held {
        user,
        sessions,
        events,
        consents,
        audit,
    }))
}
