//! The operations behind both the `/api` routes and the server functions of the pages.
//! Each takes the request's [`Visitor`] and returns plain values (plus, where a cookie must
//! change, the `Set-Cookie` value); the adapters only parse input and shape output, so a
//! route and a server function doing the same thing can never drift apart.

use super::session_store::{token_of, RECORD_KEY};
use super::{cookies, AppState, LiveSession, Visitor};
use crate::domain::preferences::PreferencesPatch;
use crate::domain::sessions::NewSession;
use crate::domain::tracking::{ActivityKind, Scope};
use crate::domain::{now_millis, rfc3339, Order, Pagination};
use crate::error::ApiError;
use crate::model::{
    ActionEntry, ActivityItem, LoggedPage, Paged, PreferenceSource, Preferences, SessionView,
};
use serde_json::Value;
use tower_sessions::Session;

/// A tower-sessions failure is a storage failure: logged, answered as `503`.
pub fn session_error(e: tower_sessions::session::Error) -> ApiError {
    tracing::error!(error = %e, "session store failure");
    ApiError::unavailable()
}

/// The visitor's live session, or `401 no_session`.
pub fn live(visitor: &Visitor) -> Result<&LiveSession, ApiError> {
    visitor.session.as_ref().ok_or_else(ApiError::no_session)
}

/// Starts a fresh session with a new token. A live session on the request is ended first;
/// a signed-in user stays signed in (the new session keeps the user and sign-in time).
pub async fn start_session(
    session: &Session,
    visitor: &mut Visitor,
) -> Result<LiveSession, ApiError> {
    let carried = visitor
        .session
        .as_ref()
        .map(|s| (s.record.user_id.clone(), s.record.auth_at));
    if visitor.session.take().is_some() {
        session.flush().await.map_err(session_error)?;
    }
    let (user_id, auth_at) = carried.unwrap_or_default();
    let record = NewSession {
        user_id,
        user_agent: visitor.user_agent.clone(),
        ip: visitor.ip.clone(),
        auth_at,
    }
    .into_record(now_millis());
    session
        .insert(RECORD_KEY, &record)
        .await
        .map_err(session_error)?;
    // Save now, not when the response leaves: the caller records against it at once.
    session.save().await.map_err(session_error)?;
    let id = session.id().ok_or_else(ApiError::unavailable)?;
    let live = LiveSession {
        token: token_of(id),
        record,
    };
    visitor.session = Some(live.clone());
    Ok(live)
}

/// Ends the visitor's session, if any; its cookie is expired on the way out.
pub async fn end_session(session: &Session, visitor: &mut Visitor) -> Result<(), ApiError> {
    if visitor.session.take().is_some() {
        session.flush().await.map_err(session_error)?;
    }
    Ok(())
}

/// The current session as the contract shows it, with one page of its visits.
pub async fn session_view(
    state: &AppState,
    visitor: &Visitor,
    page: Pagination,
    order: Order,
) -> Result<SessionView, ApiError> {
    let live = live(visitor)?;
    let r = &live.record;
    let pages = state.tracking.pages(&r.public_id, page, order).await?;
    let now = now_millis();
    Ok(SessionView {
        id: r.public_id.clone(),
        start_time: rfc3339(r.started_at),
        last_activity: rfc3339(r.last_activity),
        expires_at: rfc3339(r.expires_at(&state.sessions.policy)),
        duration: (now - r.started_at).max(0) / 1000,
        user: None,
        pages_visited: pages,
    })
}

/// Logs a page (already validated) for the visitor's live session.
pub async fn log_page(
    state: &AppState,
    visitor: &Visitor,
    page: &str,
) -> Result<LoggedPage, ApiError> {
    Ok(state
        .tracking
        .log_page(&live(visitor)?.record, page, now_millis())
        .await?)
}

/// A browser's page visit: starts a guest session when there is none, then logs the page.
pub async fn log_page_visit(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
    page: &str,
) -> Result<LoggedPage, ApiError> {
    if visitor.session.is_none() {
        start_session(session, visitor).await?;
    }
    log_page(state, visitor, page).await
}

/// Logs an action (name and details already validated).
pub async fn log_action(
    state: &AppState,
    visitor: &Visitor,
    action: &str,
    details: Option<Value>,
) -> Result<ActionEntry, ApiError> {
    Ok(state
        .tracking
        .log_action(&live(visitor)?.record, action, details, now_millis())
        .await?)
}

/// One page of the current session's actions.
pub async fn actions(
    state: &AppState,
    visitor: &Visitor,
    page: Pagination,
    order: Order,
) -> Result<Paged<ActionEntry>, ApiError> {
    Ok(state
        .tracking
        .actions(&live(visitor)?.record.public_id, page, order)
        .await?)
}

/// The visitor's activity: a signed-in user's whole history, a guest's current session.
pub async fn activity(
    state: &AppState,
    visitor: &Visitor,
    kind: Option<ActivityKind>,
    page: Pagination,
) -> Result<Paged<ActivityItem>, ApiError> {
    let record = &live(visitor)?.record;
    let scope = match &record.user_id {
        Some(user) => Scope::User(user.clone()),
        None => Scope::Session(record.public_id.clone()),
    };
    Ok(state.tracking.activity(&scope, kind, page).await?)
}

/// The preferences in effect for the visitor.
pub fn preferences(visitor: &Visitor) -> Preferences {
    visitor.prefs
}

/// Applies a validated change and returns the new preferences with the `Set-Cookie` value
/// that stores them (the cookie is always rewritten).
pub fn update_preferences(
    state: &AppState,
    visitor: &mut Visitor,
    patch: PreferencesPatch,
) -> (Preferences, String) {
    let mut prefs = patch.apply(visitor.prefs);
    prefs.source = PreferenceSource::Cookie;
    visitor.prefs = prefs;
    let cookie = cookies::prefs_set_cookie(
        &prefs,
        &state.cookie_key,
        state.config.prefs_cookie_name(),
        state.config.production,
    );
    (prefs, cookie)
}
