//! Who is asking: the [`Visitor`] every use case works for, resolved once per request from
//! what the request presents (a token, its user agent and address, a preferences cookie).

use super::accounts::{Account, Accounts};
use super::consent::Consents;
use super::sessions::{LiveSession, Sessions, Token};
use super::{preferences, EndReason, Happened, Millis, Origin, PrefsCookie, Result};
use super::{AgentHash, AuditEvent, AuditKind, SessionChange};
use crate::model::Preferences;
use crate::store::Store;
use std::sync::Arc;

/// The resolved facts about the requester.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub session: Option<LiveSession>,
    /// The signed-in account (its session is `session`), or `None` for a guest.
    pub account: Option<Account>,
    pub prefs: Preferences,
    /// The `User-Agent` as text (undecodable bytes replaced; empty when absent).
    pub user_agent: String,
    /// The exact `User-Agent`, which a session is bound to.
    pub agent_hash: AgentHash,
    pub ip: Option<String>,
    /// A signed-in user who has not made their consent choices under the policy in force:
    /// the pages ask them.
    pub consent_due: bool,
}

impl Visitor {
    /// A visitor with no session, from a request's `User-Agent` (its bytes) and address.
    pub fn guest(user_agent: Option<&[u8]>, ip: Option<String>, prefs: Preferences) -> Visitor {
        Visitor {
            session: None,
            account: None,
            prefs,
            user_agent: user_agent
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
            agent_hash: AgentHash::of(user_agent),
            ip,
            consent_due: false,
        }
    }

    /// Where the request comes from, for the audit trail.
    pub fn origin(&self) -> Origin {
        Origin {
            ip: self.ip.clone(),
            user_agent: Some(self.user_agent.clone()),
        }
    }

    /// The live session, or [`super::Error::NoSession`].
    pub fn live(&self) -> Result<&LiveSession> {
        self.session.as_ref().ok_or(super::Error::NoSession)
    }

    /// The signed-in account, or [`super::Error::Unauthenticated`].
    pub fn account(&self) -> Result<&Account> {
        self.account.as_ref().ok_or(super::Error::Unauthenticated)
    }

    /// The account if it is an administrator's: [`super::Error::Unauthenticated`] for a
    /// guest, [`super::Error::Forbidden`] for anyone else.
    pub fn admin(&self) -> Result<&Account> {
        let account = self.account()?;
        match account.role.as_str() {
            "admin" => Ok(account),
            _ => Err(super::Error::Forbidden),
        }
    }

    /// A security event of the visitor's account at `now`, tied to their current session
    /// and the request's origin.
    pub fn audit_event(&self, kind: AuditKind, now: Millis) -> AuditEvent {
        let event = AuditEvent::new(
            kind,
            self.account.as_ref().map(|a| a.id.clone()),
            now,
            self.origin(),
        );
        match &self.session {
            Some(live) => event.session(&live.record.public_id, &live.token.hash()),
            None => event,
        }
    }

    /// Whether the visitor signed in or re-authenticated within `window`.
    pub fn recently_authenticated(&self, window: Millis, now: Millis) -> bool {
        self.session
            .as_ref()
            .and_then(|s| s.record.auth_at)
            .is_some_and(|at| now - at < window)
    }
}

/// What a request presents about its visitor.
#[derive(Clone, Debug, Default)]
pub struct Presented {
    /// The session token of its cookie (or bearer), if it had a well-formed one.
    pub token: Option<Token>,
    /// The `User-Agent` header's bytes, if it had one.
    pub user_agent: Option<Vec<u8>>,
    pub ip: Option<String>,
    /// The preferences of a genuine preferences cookie.
    pub cookie_prefs: Option<Preferences>,
    pub accept_language: Option<String>,
    /// Whether the token came as `Authorization: Bearer` (an app's) rather than in the
    /// cookie (a browser's).
    pub bearer: bool,
}

/// Resolves visitors.
#[derive(Clone, Debug)]
pub struct Visitors {
    store: Arc<dyn Store>,
    sessions: Sessions,
    accounts: Accounts,
    consents: Consents,
}

impl Visitors {
    pub fn new(
        store: Arc<dyn Store>,
        sessions: Sessions,
        accounts: Accounts,
        consents: Consents,
    ) -> Self {
        Visitors {
            store,
            sessions,
            accounts,
            consents,
        }
    }

    /// Resolves a request's visitor:
    /// - the session behind the token, if live (both timeouts apply); one presented by
    ///   another User-Agent than it started with is ended on the spot (hijack defence);
    ///   the request counts as activity;
    /// - the signed-in account; a session whose account is gone ends with it;
    /// - the preferences: a signed-in user's account's (the cookie is rewritten to mirror
    ///   them when they differ), else the cookie's, else the defaults from `Accept-Language`.
    ///
    /// A token that leads to no live session (or to an app's session from a cookie, or a
    /// browser's from a bearer) is reported as [`SessionChange::Ended`], so the cookie
    /// holding it is expired.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn resolve(&self, presented: Presented, now: Millis) -> Result<(Visitor, Happened)> {
        let prefs = presented
            .cookie_prefs
            .unwrap_or_else(|| preferences::defaults(presented.accept_language.as_deref()));
        let mut visitor = Visitor::guest(presented.user_agent.as_deref(), presented.ip, prefs);
        let mut happened = Happened::default();
        let Some(token) = presented.token else {
            return Ok((visitor, happened));
        };
        let Some(record) = self.sessions.load(&token, now).await? else {
            happened.session = SessionChange::Ended;
            return Ok((visitor, happened));
        };
        // An app's token works only as a bearer and a browser's only in its cookie: neither
        // can be planted in the other's place.
        if record.app != presented.bearer {
            happened.session = SessionChange::Ended;
            return Ok((visitor, happened));
        }
        if !record.same_agent(&visitor.agent_hash, &visitor.user_agent) {
            // Hijack defence: a token presented by another browser is dead on the spot; the
            // audit names the request that presented it.
            tracing::warn!(session = %token.hash().short(), "user agent changed mid-session; ending it");
            self.end(
                &token,
                EndReason::UserAgentChanged,
                Some(&visitor.origin()),
                now,
                &mut happened,
            )
            .await?;
            return Ok((visitor, happened));
        }
        let record = self.sessions.touch(&token, record, now).await?;
        let user_id = record.user_id.clone();
        visitor.session = Some(LiveSession { token, record });
        let Some(user_id) = user_id else {
            return Ok((visitor, happened));
        };
        match self.accounts.find(&user_id).await? {
            Some((account, stored)) => {
                visitor.consent_due = self.consents.is_due(account.consent_version.as_deref());
                visitor.account = Some(account);
                if let Some(stored) = stored {
                    if !stored.same_choices(&visitor.prefs) {
                        happened.prefs_cookie = PrefsCookie::Write(stored);
                    }
                    visitor.prefs = stored;
                }
            }
            // The account is gone (erased elsewhere): the session goes with it.
            None => {
                visitor.session = None;
                if let Err(e) = self
                    .end(&token, EndReason::Revoked, None, now, &mut happened)
                    .await
                {
                    // The request goes on as a guest's; the sweeper ends the row later.
                    tracing::warn!(error = %e, "could not end the session of a gone account");
                    happened.session = SessionChange::Ended;
                }
            }
        }
        Ok((visitor, happened))
    }

    async fn end(
        &self,
        token: &Token,
        reason: EndReason,
        origin: Option<&Origin>,
        now: Millis,
        happened: &mut Happened,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let ended = self
            .sessions
            .end(&mut *tx, &[token.hash()], reason, origin, now)
            .await?;
        tx.commit().await?;
        happened.ended(ended);
        happened.session = SessionChange::Ended;
        Ok(())
    }
}
