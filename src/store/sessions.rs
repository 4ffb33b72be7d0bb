//! SQL for sessions: the live `sessions` table (the session store) and the durable
//! `session_log`. Keys are token hashes; a token never reaches this module.

use super::Db;
use crate::domain::audit::Origin;
use crate::domain::sessions::{EndReason, EndedSession, SessionRecord, TokenHash};
use crate::domain::Millis;
use sqlx::Row;

/// What `insert` reports when the token hash is taken (a 1-in-2^128 event, but handled).
#[derive(Debug)]
pub enum InsertError {
    Collision,
    Db(sqlx::Error),
}

/// Inserts a new live session and its history row, in one transaction.
pub async fn insert(db: &Db, hash: &TokenHash, rec: &SessionRecord) -> Result<(), InsertError> {
    let mut tx = db.primary.begin().await.map_err(InsertError::Db)?;
    let inserted = sqlx::query(
        "INSERT INTO sessions (token_hash, public_id, user_id, user_agent, ip, started_at, last_activity, auth_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (token_hash) DO NOTHING",
    )
    .bind(&hash.0[..])
    .bind(&rec.public_id)
    .bind(&rec.user_id)
    .bind(&rec.user_agent)
    .bind(&rec.ip)
    .bind(rec.started_at)
    .bind(rec.last_activity)
    .bind(rec.auth_at)
    .execute(&mut *tx)
    .await
    .map_err(InsertError::Db)?;
    if inserted.rows_affected() == 0 {
        return Err(InsertError::Collision);
    }
    sqlx::query(
        "INSERT INTO session_log (public_id, user_id, user_agent, ip, started_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&rec.public_id)
    .bind(&rec.user_id)
    .bind(&rec.user_agent)
    .bind(&rec.ip)
    .bind(rec.started_at)
    .execute(&mut *tx)
    .await
    .map_err(InsertError::Db)?;
    tx.commit().await.map_err(InsertError::Db)
}

/// The live row for a token hash, if any (expiry is the caller's to judge).
pub async fn find(db: &Db, hash: &TokenHash) -> Result<Option<SessionRecord>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT public_id, user_id, user_agent, ip, started_at, last_activity, auth_at
         FROM sessions WHERE token_hash = ?",
    )
    .bind(&hash.0[..])
    .fetch_optional(&db.primary)
    .await?;
    Ok(row.map(|r| SessionRecord {
        public_id: r.get(0),
        user_id: r.get(1),
        user_agent: r.get(2),
        ip: r.get(3),
        started_at: r.get(4),
        last_activity: r.get(5),
        auth_at: r.get(6),
    }))
}

/// Moves `last_activity` forward (never back). An UPDATE, never an upsert: touching an
/// ended session changes nothing.
pub async fn touch(db: &Db, hash: &TokenHash, at: Millis) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sessions SET last_activity = ?1 WHERE token_hash = ?2 AND last_activity < ?1",
    )
    .bind(at)
    .bind(&hash.0[..])
    .execute(&db.primary)
    .await
    .map(|_| ())
}

/// Rewrites who the session belongs to and when they last proved it. UPDATE only, so an
/// in-flight request cannot bring an ended session back.
pub async fn update_identity(
    db: &Db,
    hash: &TokenHash,
    rec: &SessionRecord,
) -> Result<(), sqlx::Error> {
    let mut tx = db.primary.begin().await?;
    let updated = sqlx::query("UPDATE sessions SET user_id = ?, auth_at = ? WHERE token_hash = ?")
        .bind(&rec.user_id)
        .bind(rec.auth_at)
        .bind(&hash.0[..])
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() > 0 {
        sqlx::query("UPDATE session_log SET user_id = ? WHERE public_id = ?")
            .bind(&rec.user_id)
            .bind(&rec.public_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// Ends live sessions: deletes their rows, closes their history and writes the audit entry
/// each end calls for, in one transaction. Returns what was ended (sessions already gone
/// are skipped).
pub async fn end(
    db: &Db,
    hashes: &[TokenHash],
    reason: EndReason,
    at: Millis,
    origin: Option<&Origin>,
) -> Result<Vec<EndedSession>, sqlx::Error> {
    let mut tx = db.primary.begin().await?;
    let mut ended = Vec::with_capacity(hashes.len());
    for hash in hashes {
        let row = sqlx::query(
            "DELETE FROM sessions WHERE token_hash = ? RETURNING public_id, user_id, ip, user_agent",
        )
        .bind(&hash.0[..])
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { continue };
        let session = EndedSession {
            public_id: row.get(0),
            user_id: row.get(1),
            ip: row.get(2),
            user_agent: row.get(3),
        };
        close_log(&mut tx, &session.public_id, reason, at).await?;
        if let Some(event) = reason.audit(&session, hash, at, origin) {
            super::audit::insert(&mut *tx, &event).await?;
        }
        ended.push(session);
    }
    tx.commit().await?;
    Ok(ended)
}

/// Every session row of a user (live or past its time: the caller judges), with its key.
pub async fn for_user(
    db: &Db,
    user_id: &str,
) -> Result<Vec<(TokenHash, SessionRecord)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT token_hash, public_id, user_id, user_agent, ip, started_at, last_activity, auth_at
         FROM sessions WHERE user_id = ?",
    )
    .bind(user_id)
    .fetch_all(&db.primary)
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let hash = <[u8; 32]>::try_from(r.get::<Vec<u8>, _>(0).as_slice()).ok()?;
            Some((
                TokenHash(hash),
                SessionRecord {
                    public_id: r.get(1),
                    user_id: r.get(2),
                    user_agent: r.get(3),
                    ip: r.get(4),
                    started_at: r.get(5),
                    last_activity: r.get(6),
                    auth_at: r.get(7),
                },
            ))
        })
        .collect())
}

/// Makes a guest session's history the user's: the session's log and its events.
pub async fn adopt_history(db: &Db, public_id: &str, user_id: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.primary.begin().await?;
    sqlx::query("UPDATE session_log SET user_id = ?1 WHERE public_id = ?2 AND user_id IS NULL")
        .bind(user_id)
        .bind(public_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE events SET user_id = ?1 WHERE session_id = ?2 AND user_id IS NULL")
        .bind(user_id)
        .bind(public_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Deletes every session idle since `idle_before` or started before `started_before`,
/// closing each one's history at the moment it expired. Returns the hashes that ended.
pub async fn delete_expired(
    db: &Db,
    idle_before: Millis,
    started_before: Millis,
    idle_ms: Millis,
    absolute_ms: Millis,
) -> Result<Vec<TokenHash>, sqlx::Error> {
    let mut tx = db.primary.begin().await?;
    let rows = sqlx::query(
        "DELETE FROM sessions WHERE last_activity <= ? OR started_at <= ?
         RETURNING public_id, last_activity, started_at, token_hash, user_id, ip, user_agent",
    )
    .bind(idle_before)
    .bind(started_before)
    .fetch_all(&mut *tx)
    .await?;
    let mut hashes = Vec::with_capacity(rows.len());
    for row in &rows {
        let (id, last, start): (String, Millis, Millis) = (row.get(0), row.get(1), row.get(2));
        let at = (last + idle_ms).min(start + absolute_ms);
        close_log(&mut tx, &id, EndReason::Expired, at).await?;
        let Ok(hash) = <[u8; 32]>::try_from(row.get::<Vec<u8>, _>(3).as_slice()) else {
            continue;
        };
        let hash = TokenHash(hash);
        let session = EndedSession {
            public_id: id,
            user_id: row.get(4),
            ip: row.get(5),
            user_agent: row.get(6),
        };
        if let Some(event) = EndReason::Expired.audit(&session, &hash, at, None) {
            super::audit::insert(&mut *tx, &event).await?;
        }
        hashes.push(hash);
    }
    tx.commit().await?;
    Ok(hashes)
}

async fn close_log(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    public_id: &str,
    reason: EndReason,
    at: Millis,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE session_log SET ended_at = ?, end_reason = ? WHERE public_id = ? AND ended_at IS NULL")
        .bind(at)
        .bind(reason.as_str())
        .bind(public_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}
