//! Who is asking: the middleware that resolves each request's session and preferences
//! into a [`Visitor`], and the one that records page views of the app's pages.

use super::session_store::{token_of, RECORD_KEY};
use super::{cookies, ops, AppState};
use crate::domain::accounts::Account;
use crate::domain::audit::Origin;
use crate::domain::now_millis;
use crate::domain::preferences;
use crate::domain::sessions::{EndReason, SessionRecord, Token};
use crate::error::ApiError;
use crate::model::Preferences;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use tower_sessions::Session;

/// A live session and the token that opened it (the token stays in memory, never logged).
#[derive(Clone, Debug)]
pub struct LiveSession {
    pub token: Token,
    pub record: SessionRecord,
}

/// The resolved facts about the requester, put in the request's extensions for handlers,
/// server functions and page rendering alike.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub session: Option<LiveSession>,
    /// The signed-in account (its session is `session`), or `None` for a guest.
    pub account: Option<Account>,
    pub prefs: Preferences,
    pub user_agent: String,
    pub ip: Option<String>,
    /// A signed-in user who has not made their consent choices under the policy in force:
    /// the pages ask them.
    pub consent_due: bool,
}

impl Visitor {
    /// Where the request comes from, for the audit trail.
    pub fn origin(&self) -> Origin {
        Origin {
            ip: self.ip.clone(),
            user_agent: Some(self.user_agent.clone()),
        }
    }
}

/// Resolves the visitor: loads the session (tower-sessions asks our store, which applies
/// both timeouts), ends it on a User-Agent change, counts the request as activity, loads
/// the signed-in account, and settles the preferences: a signed-in user's account's (the
/// cookie is rewritten to mirror them when they differ), else the cookie's, else the
/// defaults from `Accept-Language`.
pub async fn visitor(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    if super::guard::is_static_path(req.uri().path()) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let prefs = cookies::read_prefs(headers, &state.cookie_key, state.config.prefs_cookie_name())
        .unwrap_or_else(|| {
            preferences::defaults(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        });

    let live = match resolve_session(&state, &session, &user_agent, &ip).await {
        Ok(live) => live,
        Err(e) => return e.into_response(),
    };
    let mut visitor = Visitor {
        session: live,
        account: None,
        prefs,
        user_agent,
        ip,
        consent_due: false,
    };
    let mut mirror = None;
    if let Some(user_id) = visitor
        .session
        .as_ref()
        .and_then(|s| s.record.user_id.clone())
    {
        match state.accounts.find(&user_id).await {
            Ok(Some((account, stored))) => {
                visitor.consent_due = state.consents.is_due(account.consent_version.as_deref());
                visitor.account = Some(account);
                if let Some(stored) = stored {
                    if !stored.same_choices(&visitor.prefs) {
                        mirror = Some(ops::prefs_cookie(&state, &stored));
                    }
                    visitor.prefs = stored;
                }
            }
            // The account is gone (erased elsewhere): the session goes with it.
            Ok(None) => {
                if let Some(live) = visitor.session.take() {
                    if let Err(e) =
                        ops::retire(&state, &session, &live, EndReason::Revoked, None).await
                    {
                        // The request goes on as a guest's; the sweeper ends the row later.
                        tracing::warn!(error = %e, "could not end the session of a gone account");
                    }
                }
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    req.extensions_mut().insert(visitor);
    let mut res = next.run(req).await;
    if let Some(cookie) = mirror.and_then(|c| header::HeaderValue::from_str(&c).ok()) {
        // Unless the handler wrote the preferences cookie itself.
        let name = format!("{}=", state.config.prefs_cookie_name());
        let written = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&name)));
        if !written {
            res.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    res
}

async fn resolve_session(
    state: &AppState,
    session: &Session,
    user_agent: &str,
    ip: &Option<String>,
) -> Result<Option<LiveSession>, ApiError> {
    let Some(record) = session
        .get::<SessionRecord>(RECORD_KEY)
        .await
        .map_err(ops::session_error)?
    else {
        return Ok(None);
    };
    let Some(id) = session.id() else {
        return Ok(None);
    };
    let token = token_of(id);
    let now = now_millis();
    if record.user_agent != user_agent {
        // Hijack defence: a token presented by another browser is dead on the spot.
        tracing::warn!(session = %token.hash().short(), "user agent changed mid-session; ending it");
        let hijacked = LiveSession { token, record };
        ops::retire(
            state,
            session,
            &hijacked,
            EndReason::UserAgentChanged,
            // The request that presented it: the audit names the other browser.
            Some(&Origin {
                ip: ip.clone(),
                user_agent: Some(user_agent.to_string()),
            }),
        )
        .await?;
        return Ok(None);
    }
    let record = state.sessions.touch(&token, record, now).await?;
    Ok(Some(LiveSession { token, record }))
}

/// Records a GET of one of the app's pages as a page view of the visitor's session,
/// starting a guest session first when there is none.
pub async fn record_page_view(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let page = (req.method() == Method::GET)
        .then(|| crate::app::page_name(req.uri().path()))
        .flatten();
    if let Some(page) = page {
        if let Some(visitor) = req.extensions_mut().get_mut::<Visitor>() {
            if let Err(e) = ops::log_page_visit(&state, &session, visitor, page).await {
                // The page still renders; the failure is in the log and the health check.
                tracing::error!(error = %e, page, "could not record a page view");
            }
        }
    }
    next.run(req).await
}
