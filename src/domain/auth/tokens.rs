//! Tokens for apps: the same sessions, held through `Authorization: Bearer` instead of a
//! cookie. A token is issued by a password sign-in with every rule of one (the throttle,
//! the cap, the audit), and refreshed by giving the same session a new token.

use super::{Auth, Method};
use crate::domain::accounts::validate::Credentials;
use crate::domain::sessions::Token;
use crate::domain::visitor::Visitor;
use crate::domain::{Error, Millis, Result, SessionChange};
use crate::model::{Preferences, User};

/// A token handed to an app, its session's deadline, and whose it is.
#[derive(Debug)]
pub struct Issued {
    pub token: Token,
    pub expires_at: Millis,
    pub user: User,
}

impl Auth {
    /// Checks the credentials and starts an app's session for the user (`POST
    /// /api/auth/token`). The requester's own session, if any, is left alone, and nothing
    /// of it (history, preferences, data) goes to the new one: an app starts afresh.
    pub async fn issue_token(
        &self,
        visitor: &Visitor,
        credentials: Credentials,
        now: Millis,
    ) -> Result<Issued> {
        let (account, _) = self
            .accounts
            .authenticate(&credentials, now, &visitor.origin())
            .await?;
        let mut app = Visitor {
            session: None,
            account: None,
            prefs: Preferences::default(),
            ..visitor.clone()
        };
        let (user, happened) = self
            .sign_in(&mut app, account, None, Method::Token, now)
            .await?;
        let SessionChange::Started(token) = happened.session else {
            return Err(Error::NoSession);
        };
        let expires_at = app.live()?.record.expires_at(&self.sessions.policy);
        Ok(Issued {
            token,
            expires_at,
            user,
        })
    }

    /// A new token for the app's session (`POST /api/auth/token/refresh`): the same
    /// session (public id, history, data), and the old token stops working at once.
    pub async fn refresh(&self, visitor: &mut Visitor, now: Millis) -> Result<Issued> {
        let live = visitor.live()?;
        if !live.record.app {
            return Err(Error::Validation {
                field: None,
                message: "only an app's token can be refreshed: send it as Authorization: Bearer"
                    .into(),
            });
        }
        let user = visitor.account()?.to_user();
        let mut tx = self.store.begin().await?;
        let renewed = self.sessions.rekey(&mut *tx, live, now).await?;
        tx.commit().await?;
        let renewed = renewed.ok_or(Error::NoSession)?;
        let (token, expires_at) = (
            renewed.token,
            renewed.record.expires_at(&self.sessions.policy),
        );
        visitor.session = Some(renewed);
        Ok(Issued {
            token,
            expires_at,
            user,
        })
    }
}
