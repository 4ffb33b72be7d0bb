//! Reading everything held about a user (the export) and erasing it.

use super::{consent, Handle, Pool, SqliteConn};
use crate::store::{Erased, Held, PrivacyRepo, StoreResult, UserRow};
use sqlx::sqlite::SqliteConnection;

#[async_trait::async_trait]
impl PrivacyRepo for SqliteConn {
    async fn held(&mut self, user_id: &str) -> StoreResult<Option<Held>> {
        match &mut self.0 {
            // Outside a transaction, a read transaction of its own on a reader, so the parts
            // agree with each other (in WAL mode the snapshot never blocks writers).
            Handle::Auto(db) => {
                let mut tx = db.reports.begin().await?;
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
        let mut c = self.on(Pool::Primary).await?;
        let mut by_user = async |sql: &str| -> StoreResult<u64> {
            Ok(sqlx::query(sql)
                .bind(user_id)
                .execute(&mut *c)
                .await?
                .rows_affected())
        };
        // What names the user: their rows, and rows of their sessions that carry no user id
        // (an audit entry of a guest session they later signed in from).
        let audit_anonymised = by_user(
            "UPDATE audit SET user_id = NULL, ip = NULL, user_agent = NULL, session_id = NULL,
                              session_hash = NULL, details = NULL
              WHERE user_id = ?1
                 OR session_id IN (SELECT public_id FROM session_log WHERE user_id = ?1)",
        )
        .await?;
        let events = by_user(
            "DELETE FROM events
              WHERE user_id = ?1
                 OR session_id IN (SELECT public_id FROM session_log WHERE user_id = ?1)",
        )
        .await?;
        let sessions = by_user("DELETE FROM session_log WHERE user_id = ?").await?;
        let consents = by_user("DELETE FROM consents WHERE user_id = ?").await?;
        by_user("DELETE FROM user_preferences WHERE user_id = ?").await?;
        let account = by_user("DELETE FROM users WHERE id = ?").await?;
        for key in attempt_keys {
            sqlx::query("DELETE FROM login_attempts WHERE email_hash = ?")
                .bind(&key[..])
                .execute(&mut *c)
                .await?;
        }
        // Run in the caller's transaction, a missing account rolls all of it back.
        Ok((account == 1).then_some(Erased {
            sessions,
            events,
            consents,
            audit_anonymised,
        }))
    }
}

/// Everything held about `user_id`, read on one connection.
async fn read_held(c: &mut SqliteConnection, user_id: &str) -> StoreResult<Option<Held>> {
    let Some(user) = sqlx::query_as::<_, UserRow>(
        "SELECT u.id, u.email, u.wallet, u.display_name, u.role, u.created_at,
                p.theme, p.notifications, p.language, p.updated_at AS preferences_at
           FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id WHERE u.id = ?",
    )
    .bind(user_id)
    .fetch_optional(&mut *c)
    .await?
    else {
        return Ok(None);
    };
    let sessions = sqlx::query_as(
        "SELECT public_id, user_agent, ip, started_at, ended_at, end_reason, page_views, actions
           FROM session_log WHERE user_id = ? ORDER BY started_at, public_id",
    )
    .bind(user_id)
    .fetch_all(&mut *c)
    .await?;
    let events = sqlx::query_as(
        "SELECT kind, session_id,
                CASE kind WHEN 'page_view' THEN name END AS page,
                CASE kind WHEN 'action' THEN name END AS action,
                details, NULL AS ip, NULL AS user_agent, at
           FROM events WHERE user_id = ? ORDER BY at, id",
    )
    .bind(user_id)
    .fetch_all(&mut *c)
    .await?;
    let consents = sqlx::query_as(&format!(
        "SELECT {} FROM consents WHERE user_id = ? ORDER BY id DESC",
        consent::COLUMNS
    ))
    .bind(user_id)
    .fetch_all(&mut *c)
    .await?;
    let audit = sqlx::query_as(
        "SELECT type, at, ip, user_agent, session_id, details FROM audit
          WHERE user_id = ? ORDER BY at, id",
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
