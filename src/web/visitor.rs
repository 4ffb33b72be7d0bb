//! The middleware that resolves who is asking into a [`Visitor`] (the domain decides; this
//! only gathers what the request presents and applies the answer), and the one that
//! records page views of the app's pages.

use super::bearer::{challenge, Bearer};
use super::ctx::effects;
use super::session_store::token_of;
use super::{cookies, AppState};
use crate::domain::tracking::Label;
use crate::domain::visitor::{Presented, Visitor};
use crate::error::ApiError;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use tower_sessions::Session;

/// Resolves the request's visitor (see `domain::visitor::Visitors::resolve`) and puts it
/// in the request's extensions, for handlers, server functions and page rendering alike.
/// A signed-in user's preferences cookie is rewritten to mirror the account's, unless the
/// handler wrote it itself.
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
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let bearer = Bearer::of(headers);
    let presented = Presented {
        // The bearer wins: an app's request uses no cookie.
        token: match bearer {
            Bearer::Absent => session.id().map(token_of),
            other => other.token(),
        },
        bearer: bearer.present(),
        user_agent: headers
            .get(header::USER_AGENT)
            .map(|v| v.as_bytes().to_vec()),
        ip: req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| {
            super::forwarded::client_ip(c.0.ip(), headers, &state.config.trusted_proxies)
                .to_string()
        }),
        cookie_prefs: (!bearer.present())
            .then(|| {
                cookies::read_prefs(headers, &state.cookie_key, state.config.prefs_cookie_name())
            })
            .flatten(),
        accept_language: text(header::ACCEPT_LANGUAGE).map(str::to_string),
    };
    let resolved = state
        .domain
        .visitors
        .resolve(presented, state.clock.now())
        .await;
    let (visitor, happened) = match resolved {
        Ok(resolved) => resolved,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mirror = match effects(&state, &session, &happened, bearer.present()).await {
        Ok(effects) => effects.prefs_cookie,
        Err(e) => return e.into_response(),
    };
    let unresolved = visitor.session.is_none();
    req.extensions_mut().insert(visitor);
    req.extensions_mut().insert(bearer);
    let mut res = next.run(req).await;
    if bearer.present() && res.status() == StatusCode::UNAUTHORIZED {
        res.headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge(unresolved));
    }
    if let Some(cookie) = mirror {
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
    let bearer = req
        .extensions()
        .get::<Bearer>()
        .is_some_and(|b| b.present());
    let visitor = req.extensions_mut().get_mut::<Visitor>();
    // An app without a live session gets none started: it could not hold its token.
    let visitor = visitor.filter(|v| !bearer || v.session.is_some());
    if let (Some(page), Some(visitor)) = (page, visitor) {
        if let Err(e) = visit(&state, &session, visitor, page, bearer).await {
            // The page still renders; the failure is in the log and the health check.
            tracing::error!(error = %e, page, "could not record a page view");
        }
    }
    next.run(req).await
}

async fn visit(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
    page: &str,
    bearer: bool,
) -> Result<(), ApiError> {
    let page = Label::parse("page", Some(page.to_string()))?;
    let happened = state
        .domain
        .tracking
        .page_visit(visitor, &page, state.clock.now())
        .await?;
    effects(state, session, &happened, bearer).await.map(|_| ())
}
