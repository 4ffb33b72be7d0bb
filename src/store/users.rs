//! SQL for accounts, their preferences and the sign-in throttle.

use super::Db;
use crate::domain::accounts::Account;
use crate::domain::{preferences, Millis};
use crate::model::{PreferenceSource, Preferences};
use sqlx::Row;

/// An account row joined with its preferences row (if any) and the policy version of its
/// newest consent choice: the one shape every lookup returns, so a sign-in gets the
/// preferences it must apply, and every page knows whether to ask for consent again,
/// without a second query.
const ACCOUNT_WITH_PREFERENCES: &str =
    "SELECT u.id, u.email, u.password_hash, u.display_name, u.role, u.created_at,
            p.theme, p.notifications, p.language,
            (SELECT c.version FROM consents c WHERE c.user_id = u.id ORDER BY c.id DESC LIMIT 1)
       FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id";

fn account_with_preferences(r: &sqlx::sqlite::SqliteRow) -> (Account, Option<Preferences>) {
    let account = Account {
        id: r.get(0),
        email: r.get(1),
        password_hash: r.get(2),
        display_name: r.get(3),
        role: r.get(4),
        created_at: r.get(5),
        consent_version: r.get(9),
    };
    let codes: (Option<String>, Option<String>, Option<String>) = (r.get(6), r.get(7), r.get(8));
    let prefs = match codes {
        (Some(t), Some(n), Some(l)) => {
            preferences::from_codes(&t, &n, &l, PreferenceSource::Account)
        }
        _ => None,
    };
    (account, prefs)
}

/// Inserts a new account; false when the email is taken.
pub async fn insert(db: &Db, a: &Account) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO users (id, email, password_hash, display_name, role, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING",
    )
    .bind(&a.id)
    .bind(&a.email)
    .bind(&a.password_hash)
    .bind(&a.display_name)
    .bind(&a.role)
    .bind(a.created_at)
    .execute(&db.primary)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The account with this (normalised) email, with its stored preferences.
pub async fn find_by_email(
    db: &Db,
    email: &str,
) -> Result<Option<(Account, Option<Preferences>)>, sqlx::Error> {
    let row = sqlx::query(&format!("{ACCOUNT_WITH_PREFERENCES} WHERE u.email = ?"))
        .bind(email)
        .fetch_optional(&db.primary)
        .await?;
    Ok(row.as_ref().map(account_with_preferences))
}

/// The account behind an id, with its stored preferences (this runs on every request of
/// a signed-in user).
pub async fn find_with_preferences(
    db: &Db,
    id: &str,
) -> Result<Option<(Account, Option<Preferences>)>, sqlx::Error> {
    let row = sqlx::query(&format!("{ACCOUNT_WITH_PREFERENCES} WHERE u.id = ?"))
        .bind(id)
        .fetch_optional(&db.primary)
        .await?;
    Ok(row.as_ref().map(account_with_preferences))
}

pub async fn set_password(db: &Db, id: &str, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
        .bind(hash)
        .bind(id)
        .execute(&db.primary)
        .await
        .map(|_| ())
}

/// Sets the role of the account with this email; false when there is none.
pub async fn set_role(db: &Db, email: &str, role: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET role = ? WHERE email = ?")
        .bind(role)
        .bind(email)
        .execute(&db.primary)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn save_preferences(
    db: &Db,
    user_id: &str,
    p: &Preferences,
    now: Millis,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO user_preferences (user_id, theme, notifications, language, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (user_id) DO UPDATE SET theme = ?2, notifications = ?3, language = ?4, updated_at = ?5",
    )
    .bind(user_id)
    .bind(p.theme.as_str())
    .bind(p.notifications.as_str())
    .bind(p.language.code())
    .bind(now)
    .execute(&db.primary)
    .await
    .map(|_| ())
}

/// Reserves a sign-in attempt for `email_hash` unless `max` are already recorded after
/// `window_start`; in one statement, so concurrent attempts cannot all pass the check.
/// Returns `None` when reserved, else the time of the oldest attempt in the window.
pub async fn reserve_attempt(
    db: &Db,
    email_hash: &[u8; 32],
    now: Millis,
    window_start: Millis,
    max: i64,
) -> Result<Option<Millis>, sqlx::Error> {
    let mut tx = db.primary.begin().await?;
    sqlx::query("DELETE FROM login_attempts WHERE email_hash = ? AND at <= ?")
        .bind(&email_hash[..])
        .bind(window_start)
        .execute(&mut *tx)
        .await?;
    let reserved = sqlx::query(
        "INSERT INTO login_attempts (email_hash, at)
         SELECT ?1, ?2 WHERE (SELECT COUNT(*) FROM login_attempts WHERE email_hash = ?1) < ?3",
    )
    .bind(&email_hash[..])
    .bind(now)
    .bind(max)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    let oldest = if reserved {
        None
    } else {
        sqlx::query_scalar("SELECT MIN(at) FROM login_attempts WHERE email_hash = ?")
            .bind(&email_hash[..])
            .fetch_one(&mut *tx)
            .await?
    };
    tx.commit().await?;
    Ok(oldest)
}

/// Forgets an email's attempts (after a success).
pub async fn clear_attempts(db: &Db, email_hash: &[u8; 32]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_attempts WHERE email_hash = ?")
        .bind(&email_hash[..])
        .execute(&db.primary)
        .await
        .map(|_| ())
}

/// Deletes attempts that have left the window, for emails nobody tried again.
pub async fn prune_attempts(db: &Db, window_start: Millis) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM login_attempts WHERE at <= ?")
        .bind(window_start)
        .execute(&db.primary)
        .await?
        .rows_affected())
}
