//! Signing in and out, and the caller's own session: the use cases that change who the
//! cookie belongs to. Each owns one transaction and reports what it did ([`Happened`]);
//! the adapter only carries that out (the cookie gets the new token, or is expired; the
//! preferences cookie is rewritten).

use super::accounts::validate::{Credentials, Registration};
use super::accounts::{Account, Accounts};
mod confirm;
mod tokens;

pub use tokens::Issued;

use super::session_data::SessionData;
use super::sessions::{NewSession, Sessions};
use super::visitor::Visitor;
use super::{AuditKind, EndReason, Happened, Millis, PrefsCookie, Result};
use super::{SessionChange, TokenHash};
use crate::model::{PreferenceSource, Preferences, User};
use crate::store::{Conn, Store};
use std::sync::Arc;

/// How a sign-in proved who it is: `details.method` of its `login` audit entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Password,
    /// Sign-In with Ethereum.
    Siwe,
    /// A password sign-in by an app, for a bearer token (`POST /api/auth/token`).
    Token,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Password => "password",
            Method::Siwe => "siwe",
            Method::Token => "token",
        }
    }
}

/// The sign-in service.
#[derive(Clone, Debug)]
pub struct Auth {
    store: Arc<dyn Store>,
    sessions: Sessions,
    accounts: Accounts,
    data: SessionData,
    /// `MAX_SESSIONS_PER_USER`.
    max_sessions: usize,
}

impl Auth {
    pub fn new(
        store: Arc<dyn Store>,
        sessions: Sessions,
        accounts: Accounts,
        data: SessionData,
        max_sessions: usize,
    ) -> Self {
        Auth {
            store,
            sessions,
            accounts,
            data,
            max_sessions,
        }
    }

    /// Starts a browser's session for the visitor in `tx`, carrying `user_id` and `auth_at`.
    async fn start(
        &self,
        tx: &mut dyn Conn,
        visitor: &mut Visitor,
        user_id: Option<String>,
        auth_at: Option<Millis>,
        now: Millis,
        happened: &mut Happened,
    ) -> Result<()> {
        self.start_as(tx, visitor, user_id, auth_at, false, now, happened)
            .await
    }

    /// Starts a session (an app's when `app`) for the visitor in `tx`.
    #[allow(clippy::too_many_arguments)]
    async fn start_as(
        &self,
        tx: &mut dyn Conn,
        visitor: &mut Visitor,
        user_id: Option<String>,
        auth_at: Option<Millis>,
        app: bool,
        now: Millis,
        happened: &mut Happened,
    ) -> Result<()> {
        let new = NewSession {
            user_id,
            user_agent: visitor.user_agent.clone(),
            agent_hash: Some(visitor.agent_hash),
            ip: visitor.ip.clone(),
            auth_at,
            app,
        };
        let live = self.sessions.start(tx, new, now).await?;
        happened.session = SessionChange::Started(live.token);
        visitor.session = Some(live);
        Ok(())
    }

    /// Ends the visitor's own session, if any, for `reason`, in `tx`.
    async fn end_own(
        &self,
        tx: &mut dyn Conn,
        visitor: &mut Visitor,
        reason: EndReason,
        audited: bool,
        now: Millis,
        happened: &mut Happened,
    ) -> Result<()> {
        if let Some(own) = visitor.session.take() {
            let origin = audited.then(|| visitor.origin());
            let ended = self
                .sessions
                .end(tx, &[own.token.hash()], reason, origin.as_ref(), now)
                .await?;
            happened.ended(ended);
            happened.session = SessionChange::Ended;
        }
        Ok(())
    }

    /// A fresh session with a new token (`POST /api/session`). A live session on the
    /// request is ended first; a signed-in user stays signed in (the new session keeps the
    /// user and the sign-in time), so that end is a rotation, not a sign-out.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn restart(&self, visitor: &mut Visitor, now: Millis) -> Result<Happened> {
        let mut happened = Happened::default();
        let (user_id, auth_at) = visitor
            .session
            .as_ref()
            .map(|s| (s.record.user_id.clone(), s.record.auth_at))
            .unwrap_or_default();
        let reason = match user_id {
            Some(_) => EndReason::Rotated,
            None => EndReason::Ended,
        };
        let mut tx = self.store.begin().await?;
        self.end_own(&mut *tx, visitor, reason, false, now, &mut happened)
            .await?;
        self.start(&mut *tx, visitor, user_id, auth_at, now, &mut happened)
            .await?;
        tx.commit().await?;
        Ok(happened)
    }

    /// A guest session for a visitor who has none (a browser's first page visit).
    pub async fn ensure_session(&self, visitor: &mut Visitor, now: Millis) -> Result<Happened> {
        let mut happened = Happened::default();
        if visitor.session.is_none() {
            let mut tx = self.store.begin().await?;
            self.start(&mut *tx, visitor, None, None, now, &mut happened)
                .await?;
            tx.commit().await?;
        }
        Ok(happened)
    }

    /// Ends the visitor's session (`DELETE /api/session`, "End session"), and with it a
    /// sign-in. Without a session, nothing happens.
    pub async fn end_session(&self, visitor: &mut Visitor, now: Millis) -> Result<Happened> {
        self.end_visit(visitor, EndReason::Ended, now).await
    }

    /// Signs out: the session ends, audited as `logout`. Without a session, nothing happens.
    pub async fn logout(&self, visitor: &mut Visitor, now: Millis) -> Result<Happened> {
        self.end_visit(visitor, EndReason::SignedOut, now).await
    }

    #[tracing::instrument(skip_all, level = "debug")]
    async fn end_visit(
        &self,
        visitor: &mut Visitor,
        reason: EndReason,
        now: Millis,
    ) -> Result<Happened> {
        let mut happened = Happened::default();
        if visitor.session.is_some() {
            let mut tx = self.store.begin().await?;
            self.end_own(&mut *tx, visitor, reason, true, now, &mut happened)
                .await?;
            tx.commit().await?;
        }
        visitor.account = None;
        Ok(happened)
    }

    /// Creates an account and signs the visitor in to it.
    pub async fn register(
        &self,
        visitor: &mut Visitor,
        registration: Registration,
        now: Millis,
    ) -> Result<(User, Happened)> {
        let account = self.accounts.create(registration, now).await?;
        self.sign_in(visitor, account, None, Method::Password, now)
            .await
    }

    /// Checks the credentials and signs the visitor in.
    pub async fn login(
        &self,
        visitor: &mut Visitor,
        credentials: Credentials,
        now: Millis,
    ) -> Result<(User, Happened)> {
        let (account, stored) = self
            .accounts
            .authenticate(&credentials, now, &visitor.origin())
            .await?;
        self.sign_in(visitor, account, stored, Method::Password, now)
            .await
    }

    /// Signs the visitor in to a verified account, in one transaction:
    /// - the request's session (a guest's, or another user's) ends, and one with a new
    ///   token begins for the user (fixation defence); a guest's history becomes the user's,
    ///   and the session's data moves to the new one (not another user's: it ends with
    ///   their session);
    /// - beyond `MAX_SESSIONS_PER_USER`, the least recently active sessions end;
    /// - preferences: the account's win and rewrite the cookie; an account without any
    ///   adopts the device's cookie.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn sign_in(
        &self,
        visitor: &mut Visitor,
        account: Account,
        stored: Option<Preferences>,
        method: Method,
        now: Millis,
    ) -> Result<(User, Happened)> {
        let mut happened = Happened::default();
        let mut tx = self.store.begin().await?;
        let mut carried = Default::default();
        if let Some(old) = visitor.session.clone() {
            let reason = match &old.record.user_id {
                Some(other) if *other != account.id => EndReason::SignedOut,
                _ => EndReason::Rotated,
            };
            // A guest's data (or the same user's) goes on; another user's ends with them.
            if reason == EndReason::Rotated {
                carried = self.data.carry_out(&mut *tx, &old).await?;
            }
            self.end_own(&mut *tx, visitor, reason, true, now, &mut happened)
                .await?;
            if old.record.user_id.is_none() {
                tx.adopt_history(&old.record.public_id, &account.id).await?;
            }
        }
        self.start_as(
            &mut *tx,
            visitor,
            Some(account.id.clone()),
            Some(now),
            method == Method::Token,
            now,
            &mut happened,
        )
        .await?;
        self.data
            .carry_in(&mut *tx, visitor.live()?, carried)
            .await?;
        self.enforce_cap(&mut *tx, visitor, &account.id, now, &mut happened)
            .await?;
        visitor.account = Some(account);
        let login = visitor
            .audit_event(AuditKind::Login, now)
            .details(serde_json::json!({ "method": method.as_str() }));
        happened.audit(&mut *tx, login).await?;
        match stored {
            Some(prefs) => {
                visitor.prefs = prefs;
                happened.prefs_cookie = PrefsCookie::Write(prefs);
            }
            None if visitor.prefs.source == PreferenceSource::Cookie => {
                visitor.prefs.source = PreferenceSource::Account;
                let user_id = visitor.account()?.id.clone();
                tx.save_preferences(&user_id, &visitor.prefs, now).await?;
            }
            None => {}
        }
        tx.commit().await?;
        let user = visitor.account()?.to_user();
        Ok((user, happened))
    }

    /// Keeps at most `MAX_SESSIONS_PER_USER` live sessions for the user, ending the least
    /// recently active beyond that (never the visitor's, just signed in).
    async fn enforce_cap(
        &self,
        tx: &mut dyn Conn,
        visitor: &Visitor,
        user_id: &str,
        now: Millis,
        happened: &mut Happened,
    ) -> Result<()> {
        let keep = visitor.live()?.record.public_id.clone();
        let live = self.sessions.of_user(tx, user_id, now).await?;
        if live.len() <= self.max_sessions {
            return Ok(());
        }
        // Most recent first, the kept one counted first of all.
        let others = live.iter().filter(|s| s.record.public_id != keep);
        let evict: Vec<TokenHash> = others
            .skip(self.max_sessions.max(1) - 1)
            .map(|s| s.hash)
            .collect();
        let ended = self
            .sessions
            .end(tx, &evict, EndReason::Evicted, None, now)
            .await?;
        happened.ended(ended);
        Ok(())
    }
}
