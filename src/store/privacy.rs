//! SQL for the rights of `API.md`'s privacy section: reading everything held about a user
//! (the export) and erasing it.

use super::consent::ConsentRow;
use super::Db;
use crate::domain::audit::{AuditEvent, AuditKind, Origin};
use crate::domain::sessions::TokenHash;
use crate::domain::Millis;
use sqlx::Row;

/// The account row with its preferences row, as the export shows them.
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub role: String,
    pub created_at: Millis,
    /// theme, notifications, language, updated_at
    pub preferences: Option<(String, String, String, Millis)>,
}

/// A session of the user, ended or live (`last_activity` is the live row's).
pub struct SessionRow {
    pub public_id: String,
    pub user_agent: String,
    pub ip: Option<String>,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub end_reason: Option<String>,
    pub last_activity: Option<Millis>,
    pub page_views: i64,
    pub actions: i64,
}

/// A page view or action.
pub struct EventRow {
    pub session_id: String,
    pub kind: String,
    pub name: String,
    pub details: Option<String>,
    pub at: Millis,
}

/// A security event with everything stored about it (the session's public id and hash
/// prefix included).
pub struct AuditRow {
    pub kind: String,
    pub at: Millis,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub session_id: Option<String>,
    pub details: Option<String>,
}

/// Everything held about one user, read in one snapshot.
pub struct Held {
    pub user: UserRow,
    pub sessions: Vec<SessionRow>,
    pub events: Vec<EventRow>,
    pub consents: Vec<ConsentRow>,
    pub audit: Vec<AuditRow>,
}

/// Reads everything held about `user_id` in one read transaction, so the parts agree with
/// each other (in WAL mode the snapshot never blocks writers). `None`: no such account.
pub async fn held(db: &Db, user_id: &str) -> Result<Option<Held>, sqlx::Error> {
    let mut tx = db.reports.begin().await?;
    let Some(u) = sqlx::query(
        "SELECT u.id, u.email, u.display_name, u.role, u.created_at,
                p.theme, p.notifications, p.language, p.updated_at
           FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id WHERE u.id = ?",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let preferences = match (u.get(5), u.get(6), u.get(7), u.get(8)) {
        (Some(t), Some(n), Some(l), Some(at)) => Some((t, n, l, at)),
        _ => None,
    };
    let user = UserRow {
        id: u.get(0),
        email: u.get(1),
        display_name: u.get(2),
        role: u.get(3),
        created_at: u.get(4),
        preferences,
    };
    let sessions = sqlx::query(
        "SELECT l.public_id, l.user_agent, l.ip, l.started_at, l.ended_at, l.end_reason,
                s.last_activity, l.page_views, l.actions
           FROM session_log l LEFT JOIN sessions s ON s.public_id = l.public_id
          WHERE l.user_id = ? ORDER BY l.started_at, l.public_id",
    )
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| SessionRow {
        public_id: r.get(0),
        user_agent: r.get(1),
        ip: r.get(2),
        started_at: r.get(3),
        ended_at: r.get(4),
        end_reason: r.get(5),
        last_activity: r.get(6),
        page_views: r.get(7),
        actions: r.get(8),
    })
    .collect();
    let events = sqlx::query(
        "SELECT session_id, kind, name, details, at FROM events WHERE user_id = ? ORDER BY at, id",
    )
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| EventRow {
        session_id: r.get(0),
        kind: r.get(1),
        name: r.get(2),
        details: r.get(3),
        at: r.get(4),
    })
    .collect();
    let consents = super::consent::history_on(&mut *tx, user_id).await?;
    let audit = sqlx::query(
        "SELECT type, at, ip, user_agent, session_id, details FROM audit
          WHERE user_id = ? ORDER BY at, id",
    )
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| AuditRow {
        kind: r.get(0),
        at: r.get(1),
        ip: r.get(2),
        user_agent: r.get(3),
        session_id: r.get(4),
        details: r.get(5),
    })
    .collect();
    tx.commit().await?;
    Ok(Some(Held {
        user,
        sessions,
        events,
        consents,
        audit,
    }))
}

/// What an erasure removed, for the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    /// The live sessions' keys, for the caller to evict from its cache.
    pub live_sessions: Vec<TokenHash>,
    pub sessions: u64,
    pub events: u64,
    pub consents: u64,
    pub audit_anonymised: u64,
}

/// Erases an account in one transaction: its audit entries are anonymised (type and time
/// stay), and its events, sessions (live and past), consents, preferences, sign-in
/// attempts and the account itself are deleted; one anonymous `account_deleted` entry
/// records that an erasure happened. `None`: no such account (nothing changed).
pub async fn erase(
    db: &Db,
    user_id: &str,
    email_hash: &[u8; 32],
    at: Millis,
) -> Result<Option<Erased>, sqlx::Error> {
    let mut tx = db.primary.begin().await?;
    // What names the user: their rows, and rows of their sessions that carry no user id
    // (an audit entry of a guest session they later signed in from).
    let audit_anonymised = by_user(
        &mut tx,
        "UPDATE audit SET user_id = NULL, ip = NULL, user_agent = NULL, session_id = NULL,
                          session_hash = NULL, details = NULL
          WHERE user_id = ?1
             OR session_id IN (SELECT public_id FROM session_log WHERE user_id = ?1)",
        user_id,
    )
    .await?;
    let events = by_user(
        &mut tx,
        "DELETE FROM events
          WHERE user_id = ?1
             OR session_id IN (SELECT public_id FROM session_log WHERE user_id = ?1)",
        user_id,
    )
    .await?;
    let live_sessions = sqlx::query("DELETE FROM sessions WHERE user_id = ? RETURNING token_hash")
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .filter_map(|r| <[u8; 32]>::try_from(r.get::<Vec<u8>, _>(0).as_slice()).ok())
        .map(TokenHash)
        .collect();
    let sessions = by_user(
        &mut tx,
        "DELETE FROM session_log WHERE user_id = ?",
        user_id,
    )
    .await?;
    let consents = by_user(&mut tx, "DELETE FROM consents WHERE user_id = ?", user_id).await?;
    by_user(
        &mut tx,
        "DELETE FROM user_preferences WHERE user_id = ?",
        user_id,
    )
    .await?;
    sqlx::query("DELETE FROM login_attempts WHERE email_hash = ?")
        .bind(&email_hash[..])
        .execute(&mut *tx)
        .await?;
    if by_user(&mut tx, "DELETE FROM users WHERE id = ?", user_id).await? == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    let record = AuditEvent::new(AuditKind::AccountDeleted, None, at, Origin::default());
    super::audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    Ok(Some(Erased {
        live_sessions,
        sessions,
        events,
        consents,
        audit_anonymised,
    }))
}

/// Runs one statement that takes the user's id (as `?` or `?1`); returns the rows changed.
async fn by_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    sql: &str,
    user_id: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(sql)
        .bind(user_id)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}
