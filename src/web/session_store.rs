//! Squid's own `tower_sessions::SessionStore`, over the same SQLite pool as everything else.
//!
//! Why not `tower-sessions-sqlx-store`? Three of its behaviours break the contract:
//! - it stores the session id (the cookie token) as the key, raw; we store only its SHA-256;
//! - its `save` is an upsert, so a request that was in flight when the session ended writes
//!   the row back and resurrects it; ours is an UPDATE that touches nothing once the session
//!   is gone (only `create`, with a fresh random id, ever INSERTs);
//! - it knows nothing of absolute expiry or of the durable session history.
//!
//! The record's data holds one entry, [`RECORD_KEY`]: the [`SessionRecord`], read from our
//! columns on load. All the rules live in [`crate::domain::sessions`]; this only adapts.

use crate::domain::now_millis;
use crate::domain::sessions::{EndReason, SessionRecord, Sessions, Token};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};
use tower_sessions::SessionStore;

/// The key of the session record inside a tower-sessions `Record`.
pub const RECORD_KEY: &str = "squid";

/// The cookie token behind a tower-sessions id.
pub fn token_of(id: Id) -> Token {
    Token(id.0.to_le_bytes())
}

fn record_of(record: &Record) -> Result<SessionRecord> {
    let value = record
        .data
        .get(RECORD_KEY)
        .cloned()
        .ok_or_else(|| Error::Backend("session without a record".into()))?;
    serde_json::from_value(value).map_err(|e| Error::Decode(e.to_string()))
}

#[derive(Clone, Debug)]
pub struct SqlSessionStore {
    pub sessions: Sessions,
}

#[async_trait::async_trait]
impl SessionStore for SqlSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let session = record_of(record)?;
        loop {
            // Always a fresh token: after `Session::flush` the record still carries the old
            // id, and reusing it would defeat rotation.
            record.id = Id::default();
            match self.sessions.start(&token_of(record.id), &session).await {
                Ok(Ok(())) => return Ok(()),
                // Astronomically unlikely, but a taken token must never be shared.
                Ok(Err(_taken)) => continue,
                Err(e) => return Err(Error::Backend(e.to_string())),
            }
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let session = record_of(record)?;
        self.sessions
            .save_identity(&token_of(record.id), &session)
            .await
            .map_err(|e| Error::Backend(e.to_string()))
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(session) = self
            .sessions
            .load(&token_of(*id), now_millis())
            .await
            .map_err(|e| Error::Backend(e.to_string()))?
        else {
            return Ok(None);
        };
        let expiry = session.expires_at(&self.sessions.policy);
        let mut data = std::collections::HashMap::with_capacity(1);
        data.insert(
            RECORD_KEY.to_string(),
            serde_json::to_value(&session).map_err(|e| Error::Encode(e.to_string()))?,
        );
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: time::OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(expiry) * 1_000_000,
            )
            .map_err(|e| Error::Decode(e.to_string()))?,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.sessions
            .end(&token_of(*id), EndReason::Ended, now_millis())
            .await
            .map(|_| ())
            .map_err(|e| Error::Backend(e.to_string()))
    }
}
