//! tower-sessions as the carrier of the session cookie, and nothing more.
//!
//! The domain owns every session: it draws the token, stores only its hash, applies both
//! timeouts and ends sessions (see `domain::sessions`). tower-sessions reads the cookie on
//! the way in (the token is its `Id`) and writes it on the way out; [`carry`] tells it
//! what a use case did. So our [`CookieCarrier`] store does no writes of its own:
//! - `create` adopts the token the domain just stored (handed over in the record, in
//!   memory only), rather than drawing one;
//! - `save` and `delete` do nothing, so a request still in flight when its session ended
//!   cannot bring it back (`tower-sessions-sqlx-store` upserts on save, which would);
//! - `load` answers from the domain, timeouts included.

use crate::domain::sessions::{Sessions, Token};
use crate::domain::{Clock, SessionChange};
use crate::error::ApiError;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::Error;
use tower_sessions::{Session, SessionStore};

/// Where [`carry`] hands a new token to [`CookieCarrier::create`].
const TOKEN_KEY: &str = "token";

/// The token behind a tower-sessions id.
pub fn token_of(id: Id) -> Token {
    Token(id.0.to_le_bytes())
}

/// A tower-sessions failure: answered as `503`, logged.
fn carrier_error(e: tower_sessions::session::Error) -> ApiError {
    tracing::error!(error = %e, "session cookie handling failed");
    ApiError::unavailable()
}

/// Makes the cookie carry what a use case did to the session: a new session's token
/// (the cookie is set on the way out), or nothing (the cookie is expired).
pub async fn carry(session: &Session, change: &SessionChange) -> Result<(), ApiError> {
    match change {
        SessionChange::Kept => Ok(()),
        SessionChange::Ended => forget(session).await,
        SessionChange::Started(token) => {
            forget(session).await?;
            session
                .insert(TOKEN_KEY, token.0)
                .await
                .map_err(carrier_error)
        }
    }
}

/// Drops the cookie's session from the handle: the response expires the cookie, unless a
/// new token is given after.
async fn forget(session: &Session) -> Result<(), ApiError> {
    if session.id().is_some() {
        session.flush().await.map_err(carrier_error)
    } else {
        session.clear().await;
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub struct CookieCarrier {
    pub sessions: Sessions,
    pub clock: Clock,
}

#[async_trait::async_trait]
impl SessionStore for CookieCarrier {
    async fn create(&self, record: &mut Record) -> Result<(), Error> {
        let token = record
            .data
            .remove(TOKEN_KEY)
            .and_then(|v| serde_json::from_value::<[u8; 16]>(v).ok())
            .ok_or_else(|| Error::Backend("sessions are started by the domain".into()))?;
        record.id = Id(i128::from_le_bytes(token));
        Ok(())
    }

    async fn save(&self, _record: &Record) -> Result<(), Error> {
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>, Error> {
        let live = self
            .sessions
            .load(&token_of(*id), self.clock.now())
            .await
            .map_err(|e| Error::Backend(e.to_string()))?;
        Ok(live.map(|record| Record {
            id: *id,
            data: Default::default(),
            expiry_date: time::OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(record.expires_at(&self.sessions.policy)) * 1_000_000,
            )
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        }))
    }

    async fn delete(&self, _id: &Id) -> Result<(), Error> {
        Ok(())
    }
}
