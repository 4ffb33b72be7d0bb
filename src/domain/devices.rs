//! A user's devices: their live sessions, listed and ended. Ending another device's
//! session needs a recent sign-in (`REAUTH_WINDOW_SECS`).

use super::auth::Auth;
use super::sessions::Sessions;
use super::visitor::Visitor;
use super::{rfc3339, EndReason, Error, Happened, Millis, Result, TokenHash};
use crate::model::DeviceSession;
use crate::store::Store;
use std::sync::Arc;

/// The devices service.
#[derive(Clone, Debug)]
pub struct Devices {
    store: Arc<dyn Store>,
    sessions: Sessions,
    auth: Auth,
    /// `REAUTH_WINDOW_SECS`, in milliseconds.
    reauth_window: Millis,
}

impl Devices {
    pub fn new(
        store: Arc<dyn Store>,
        sessions: Sessions,
        auth: Auth,
        reauth_window: Millis,
    ) -> Self {
        Devices {
            store,
            sessions,
            auth,
            reauth_window,
        }
    }

    /// Whether the visitor signed in or re-authenticated recently enough.
    pub fn recently_authenticated(&self, visitor: &Visitor, now: Millis) -> bool {
        visitor.recently_authenticated(self.reauth_window, now)
    }

    fn require_recent_auth(&self, visitor: &Visitor, now: Millis) -> Result<()> {
        match self.recently_authenticated(visitor, now) {
            true => Ok(()),
            false => Err(Error::ReauthenticationRequired),
        }
    }

    /// The signed-in user's live sessions on every device, most recent first, the current
    /// one marked.
    pub async fn list(&self, visitor: &Visitor, now: Millis) -> Result<Vec<DeviceSession>> {
        let account = visitor.account()?;
        let current = visitor
            .session
            .as_ref()
            .map(|s| s.record.public_id.as_str());
        let mut conn = self.store.conn();
        let policy = &self.sessions.policy;
        Ok(self
            .sessions
            .of_user(&mut *conn, &account.id, now)
            .await?
            .into_iter()
            .map(|s| {
                let r = s.record;
                DeviceSession {
                    current: Some(r.public_id.as_str()) == current,
                    start_time: rfc3339(r.started_at),
                    last_activity: rfc3339(r.last_activity),
                    expires_at: rfc3339(r.expires_at(policy)),
                    id: r.public_id,
                    ip: r.ip,
                    user_agent: r.user_agent,
                    app: r.app,
                }
            })
            .collect())
    }

    /// Ends the user's sessions that `select` picks, as revoked from this device.
    async fn revoke(
        &self,
        visitor: &Visitor,
        select: impl Fn(&str) -> bool,
        now: Millis,
    ) -> Result<Happened> {
        let account = visitor.account()?;
        let mut tx = self.store.begin().await?;
        let chosen: Vec<TokenHash> = self
            .sessions
            .of_user(&mut *tx, &account.id, now)
            .await?
            .into_iter()
            .filter(|s| select(&s.record.public_id))
            .map(|s| s.hash)
            .collect();
        let origin = visitor.origin();
        let ended = self
            .sessions
            .end(&mut *tx, &chosen, EndReason::Revoked, Some(&origin), now)
            .await?;
        tx.commit().await?;
        let mut happened = Happened::default();
        happened.ended(ended);
        Ok(happened)
    }

    /// Ends one of the user's sessions by public id (`404` if it is not theirs). Ending the
    /// current one is a sign-out.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn end_one(&self, visitor: &mut Visitor, id: &str, now: Millis) -> Result<Happened> {
        visitor.account()?;
        self.require_recent_auth(visitor, now)?;
        if visitor
            .session
            .as_ref()
            .is_some_and(|s| s.record.public_id == id)
        {
            return self.auth.logout(visitor, now).await;
        }
        let happened = self.revoke(visitor, |s| s == id, now).await?;
        if happened.ended.is_empty() {
            return Err(Error::NotFound("session"));
        }
        Ok(happened)
    }

    /// Ends every session of the user but the current one.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn end_others(&self, visitor: &Visitor, now: Millis) -> Result<Happened> {
        visitor.account()?;
        self.require_recent_auth(visitor, now)?;
        let current = visitor.live()?.record.public_id.clone();
        self.revoke(visitor, |s| s != current, now).await
    }
}
