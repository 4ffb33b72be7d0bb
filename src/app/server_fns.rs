//! Server functions: the pages' adapters over the same operations as the `/api` routes
//! ([`crate::web::ops`]). Each has a stable endpoint under `/api/fn/`, clear of the REST
//! routes.
//!
//! Every form works without JavaScript: the browser posts the form here, and the function
//! answers with a redirect back to the page, whose query string carries the outcome
//! (`?saved=1`, `?ended=1`). With JavaScript the result comes back as data instead.

use crate::error::ApiError;
use crate::model::{ActionEntry, Paged, Preferences, SessionView};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the session page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionPageData {
    pub session: SessionView,
    pub actions: Paged<ActionEntry>,
}

/// Visits per page of the session page's list.
pub const VISITS_PER_PAGE: u32 = 10;

#[cfg(feature = "ssr")]
mod context {
    use crate::error::ApiError;
    use crate::web::{AppState, Visitor};
    use leptos::prelude::*;

    /// The state, the visitor and the tower-sessions handle of the current request.
    pub fn request() -> Result<(AppState, Visitor, tower_sessions::Session), ApiError> {
        let state = use_context::<AppState>().ok_or_else(ApiError::unavailable)?;
        let parts = use_context::<http::request::Parts>().ok_or_else(ApiError::unavailable)?;
        let visitor = parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .ok_or_else(ApiError::unavailable)?;
        let session = parts
            .extensions
            .get::<tower_sessions::Session>()
            .cloned()
            .ok_or_else(ApiError::unavailable)?;
        Ok((state, visitor, session))
    }

    /// A plain HTML form post (no JavaScript): it wants a page back, not data.
    pub fn is_form_post() -> bool {
        use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|a| a.contains("text/html"))
            })
            .unwrap_or(false)
    }

    pub fn set_cookie(value: &str) {
        if let (Some(res), Ok(v)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(value),
        ) {
            res.append_header(http::header::SET_COOKIE, v);
        }
    }
}

/// The preferences in effect.
#[server(prefix = "/api/fn", endpoint = "preferences")]
pub async fn get_preferences() -> Result<Preferences, ApiError> {
    let (_, visitor, _) = context::request()?;
    Ok(crate::web::ops::preferences(&visitor))
}

/// Saves the preferences form.
#[server(prefix = "/api/fn", endpoint = "save_preferences")]
pub async fn save_preferences(
    theme: Option<String>,
    notifications: Option<String>,
    language: Option<String>,
) -> Result<Preferences, ApiError> {
    use crate::domain::preferences::PreferencesPatch;
    let (state, mut visitor, _) = context::request()?;
    let patch = PreferencesPatch::from_form(
        theme.as_deref(),
        notifications.as_deref(),
        language.as_deref(),
    );
    let patch = match patch {
        Ok(patch) => patch,
        Err(e) => {
            if context::is_form_post() {
                leptos_axum::redirect("/preferences?error=1");
            }
            return Err(e.into());
        }
    };
    let (prefs, cookie) = crate::web::ops::update_preferences(&state, &mut visitor, patch);
    context::set_cookie(&cookie);
    if context::is_form_post() {
        leptos_axum::redirect("/preferences?saved=1");
    }
    Ok(prefs)
}

/// The current session with one page of its visits (oldest first) and its latest actions;
/// `None` when there is no live session.
#[server(prefix = "/api/fn", endpoint = "session_overview")]
pub async fn session_overview(page: u32) -> Result<Option<SessionPageData>, ApiError> {
    use crate::domain::{Order, Pagination};
    use crate::web::ops;
    let (state, visitor, _) = context::request()?;
    if visitor.session.is_none() {
        return Ok(None);
    }
    let visits = Pagination {
        page: page.max(1),
        per_page: VISITS_PER_PAGE,
    };
    let session = ops::session_view(&state, &visitor, visits, Order::Asc).await?;
    let actions = ops::actions(
        &state,
        &visitor,
        Pagination {
            page: 1,
            per_page: 20,
        },
        Order::Desc,
    )
    .await?;
    Ok(Some(SessionPageData { session, actions }))
}

/// Ends the current session.
#[server(prefix = "/api/fn", endpoint = "end_session")]
pub async fn end_session() -> Result<(), ApiError> {
    let (_, mut visitor, session) = context::request()?;
    crate::web::ops::end_session(&session, &mut visitor).await?;
    if context::is_form_post() {
        leptos_axum::redirect("/session?ended=1");
    }
    Ok(())
}
