//! Server functions: the pages' adapters over the same operations as the `/api` routes
//! ([`crate::web::ops`]). Each has a stable endpoint under `/api/fn/`, clear of the REST
//! routes.
//!
//! Every form works without JavaScript: the browser posts the form here, and the function
//! answers with a redirect back to the page, whose query string carries the outcome
//! (`?saved=1`, `?ended=1`). With JavaScript the result comes back as data instead.

use crate::error::ApiError;
use crate::model::{
    ActionEntry, ConsentRecord, ConsentState, DeviceSession, Paged, Preferences, SessionView, User,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the session page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionPageData {
    pub session: SessionView,
    pub actions: Paged<ActionEntry>,
}

/// What the devices page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DevicesData {
    pub items: Vec<DeviceSession>,
    /// Whether the user signed in recently enough to sign other devices out.
    pub recent_auth: bool,
}

/// What the privacy page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrivacyData {
    pub consent: ConsentState,
    /// Every choice made, newest first.
    pub history: Vec<ConsentRecord>,
    /// `DATA_RETENTION_DAYS`.
    pub retention_days: u32,
    /// Whether the user has yet to choose under the policy in force.
    pub due: bool,
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

    /// Sends a no-JavaScript form post back to `page` with the error's code and, when
    /// given, the email typed, so the page can say what went wrong and keep the input.
    pub fn redirect_with_error(page: &str, error: &ApiError, email: Option<&str>) {
        if is_form_post() {
            let mut to = format!("{page}?error={}", error.code);
            if let Some(email) = email {
                to.push_str("&email=");
                to.push_str(&percent_encode(email));
            }
            leptos_axum::redirect(&to);
        }
    }

    /// Percent-encodes everything but unreserved characters (and `@`), for a query value.
    fn percent_encode(value: &str) -> String {
        value
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    /// Finishes a devices-page form: without JavaScript, back to `/devices` with
    /// `?<flag>=1` on success or `?error=<code>`.
    pub fn back_to_devices(result: Result<(), ApiError>, flag: &str) -> Result<(), ApiError> {
        match &result {
            Ok(()) if is_form_post() => leptos_axum::redirect(&format!("/devices?{flag}=1")),
            Ok(()) => {}
            Err(e) => redirect_with_error("/devices", e, None),
        }
        result
    }

    /// The last step of every server function: a failure answers with its own status
    /// (`401`, `429`…) rather than server_fn's default `500`, except for a no-JavaScript
    /// form post, whose answer is the redirect back to the page.
    pub fn reply<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
        if let Err(e) = &result {
            if !is_form_post() {
                if let (Some(res), Ok(status)) = (
                    use_context::<leptos_axum::ResponseOptions>(),
                    http::StatusCode::from_u16(e.status),
                ) {
                    res.set_status(status);
                    if let Some(seconds) = e.retry_after {
                        res.insert_header(http::header::RETRY_AFTER, seconds.into());
                    }
                }
            }
        }
        result
    }

    pub fn set_header(name: http::HeaderName, value: &str) {
        if let (Some(res), Ok(v)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(value),
        ) {
            res.insert_header(name, v);
        }
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
    context::reply(
        async move {
            let (_, visitor, _) = context::request()?;
            Ok(crate::web::ops::preferences(&visitor))
        }
        .await,
    )
}

/// Saves the preferences form.
#[server(prefix = "/api/fn", endpoint = "save_preferences")]
pub async fn save_preferences(
    theme: Option<String>,
    notifications: Option<String>,
    language: Option<String>,
) -> Result<Preferences, ApiError> {
    context::reply(
        async move {
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
            let (prefs, cookie) =
                crate::web::ops::update_preferences(&state, &mut visitor, patch).await?;
            context::set_cookie(&cookie);
            if context::is_form_post() {
                leptos_axum::redirect("/preferences?saved=1");
            }
            Ok(prefs)
        }
        .await,
    )
}

/// The current session with one page of its visits (oldest first) and its latest actions;
/// `None` when there is no live session.
#[server(prefix = "/api/fn", endpoint = "session_overview")]
pub async fn session_overview(page: u32) -> Result<Option<SessionPageData>, ApiError> {
    context::reply(
        async move {
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
        .await,
    )
}

/// Ends the current session.
#[server(prefix = "/api/fn", endpoint = "end_session")]
pub async fn end_session() -> Result<(), ApiError> {
    context::reply(
        async move {
            let (state, mut visitor, session) = context::request()?;
            crate::web::ops::end_session(&state, &session, &mut visitor).await?;
            if context::is_form_post() {
                leptos_axum::redirect("/session?ended=1");
            }
            Ok(())
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn finish_sign_in(
    result: Result<crate::web::ops::SignedIn, ApiError>,
    page: &str,
    email: &str,
) -> Result<User, ApiError> {
    match result {
        Ok(signed) => {
            if let Some(cookie) = &signed.prefs_cookie {
                context::set_cookie(cookie);
            }
            if context::is_form_post() {
                leptos_axum::redirect("/");
            }
            Ok(signed.user)
        }
        Err(e) => {
            context::redirect_with_error(page, &e, Some(email));
            Err(e)
        }
    }
}

/// Creates an account and signs in (the register form).
#[server(prefix = "/api/fn", endpoint = "register")]
pub async fn register(
    email: String,
    password: String,
    display_name: Option<String>,
) -> Result<User, ApiError> {
    context::reply(
        async move {
            let (state, mut visitor, session) = context::request()?;
            let result = crate::web::ops::register(
                &state,
                &session,
                &mut visitor,
                &email,
                &password,
                display_name.as_deref(),
            )
            .await;
            finish_sign_in(result, "/register", &email)
        }
        .await,
    )
}

/// Signs in (the login form).
#[server(prefix = "/api/fn", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<User, ApiError> {
    context::reply(
        async move {
            let (state, mut visitor, session) = context::request()?;
            let result =
                crate::web::ops::login(&state, &session, &mut visitor, &email, &password).await;
            finish_sign_in(result, "/login", &email)
        }
        .await,
    )
}

/// Signs out (the navigation's button).
#[server(prefix = "/api/fn", endpoint = "logout")]
pub async fn logout() -> Result<(), ApiError> {
    context::reply(
        async move {
            let (state, mut visitor, session) = context::request()?;
            crate::web::ops::logout(&state, &session, &mut visitor).await?;
            context::set_header(
                http::HeaderName::from_static("clear-site-data"),
                crate::web::api::CLEAR_SITE_DATA,
            );
            if context::is_form_post() {
                leptos_axum::redirect("/?signed_out=1");
            }
            Ok(())
        }
        .await,
    )
}

/// The signed-in user's devices; `None` for a guest.
#[server(prefix = "/api/fn", endpoint = "devices")]
pub async fn devices_overview() -> Result<Option<DevicesData>, ApiError> {
    context::reply(
        async move {
            use crate::web::ops;
            let (state, visitor, _) = context::request()?;
            if visitor.account.is_none() {
                return Ok(None);
            }
            let items = ops::devices(&state, &visitor).await?;
            let recent_auth =
                ops::recently_authenticated(&state, &visitor, crate::domain::now_millis());
            Ok(Some(DevicesData { items, recent_auth }))
        }
        .await,
    )
}

/// Signs one device out (a row's "Sign out").
#[server(prefix = "/api/fn", endpoint = "end_device")]
pub async fn end_device(id: String) -> Result<(), ApiError> {
    context::reply(
        async move {
            let (state, mut visitor, session) = context::request()?;
            let result = crate::web::ops::end_device(&state, &session, &mut visitor, &id).await;
            context::back_to_devices(result, "ended")
        }
        .await,
    )
}

/// Signs every other device out.
#[server(prefix = "/api/fn", endpoint = "end_other_devices")]
pub async fn end_other_devices() -> Result<(), ApiError> {
    context::reply(
        async move {
            let (state, visitor, _) = context::request()?;
            let result = crate::web::ops::end_other_devices(&state, &visitor).await;
            context::back_to_devices(result.map(|_| ()), "others")
        }
        .await,
    )
}

/// Changes the password from the devices page; every other device is signed out.
#[server(prefix = "/api/fn", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), ApiError> {
    context::reply(
        async move {
            let (state, mut visitor, _) = context::request()?;
            let result = crate::web::ops::change_password(
                &state,
                &mut visitor,
                &current_password,
                &new_password,
            )
            .await;
            context::back_to_devices(result, "password")
        }
        .await,
    )
}

/// Confirms the password (re-authentication) from the devices page.
#[server(prefix = "/api/fn", endpoint = "reauth")]
pub async fn reauth(password: String) -> Result<(), ApiError> {
    context::reply(
        async move {
            let (state, mut visitor, session) = context::request()?;
            let result = crate::web::ops::reauth(&state, &session, &mut visitor, &password).await;
            context::back_to_devices(result, "confirmed")
        }
        .await,
    )
}

/// The signed-in user's consent, its history and the retention period; `None` for a guest.
#[server(prefix = "/api/fn", endpoint = "privacy")]
pub async fn privacy_overview() -> Result<Option<PrivacyData>, ApiError> {
    context::reply(
        async move {
            use crate::web::ops;
            let (state, visitor, _) = context::request()?;
            if visitor.account.is_none() {
                return Ok(None);
            }
            Ok(Some(PrivacyData {
                consent: ops::consent(&state, &visitor).await?,
                history: ops::consent_history(&state, &visitor).await?,
                retention_days: state.config.data_retention_days,
                due: visitor.consent_due,
            }))
        }
        .await,
    )
}

/// Saves the consent form of the privacy page: a ticked box is consent given, an empty
/// one consent refused; both choices are recorded under the policy in force.
#[server(prefix = "/api/fn", endpoint = "save_consent")]
pub async fn save_consent(
    analytics: Option<String>,
    marketing: Option<String>,
) -> Result<ConsentState, ApiError> {
    context::reply(
        async move {
            use crate::domain::consent::ConsentMethod;
            use crate::model::ConsentType;
            let (state, mut visitor, _) = context::request()?;
            let choices = [
                (ConsentType::Analytics, analytics.is_some()),
                (ConsentType::Marketing, marketing.is_some()),
            ];
            let result = crate::web::ops::set_consent(
                &state,
                &mut visitor,
                &choices,
                ConsentMethod::PrivacyPage,
            )
            .await;
            match &result {
                Ok(_) if context::is_form_post() => leptos_axum::redirect("/privacy?saved=1"),
                Ok(_) => {}
                Err(e) => context::redirect_with_error("/privacy", e, None),
            }
            result
        }
        .await,
    )
}

/// The consent prompt's answer: the current choices, confirmed under the policy in force.
/// Without JavaScript, back to the page it was given on (`return_to`, a path of this site).
#[server(prefix = "/api/fn", endpoint = "confirm_consent")]
pub async fn confirm_consent(return_to: Option<String>) -> Result<(), ApiError> {
    context::reply(
        async move {
            let (state, mut visitor, _) = context::request()?;
            crate::web::ops::confirm_consent(&state, &mut visitor).await?;
            if context::is_form_post() {
                leptos_axum::redirect(&local_path(return_to.as_deref()));
            }
            Ok(())
        }
        .await,
    )
}

/// `path` if it is a path of this site (`/…`, not `//host…`), else `/`: a redirect
/// target taken from a form must not send the visitor elsewhere.
pub fn local_path(path: Option<&str>) -> String {
    match path {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/".to_string(),
    }
}

/// Erases the account (the privacy page's "Delete my account", with the password).
#[server(prefix = "/api/fn", endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), ApiError> {
    context::reply(
        async move {
            let (state, mut visitor, session) = context::request()?;
            match crate::web::ops::erase(&state, &session, &mut visitor, &password).await {
                Ok(removal) => {
                    context::set_cookie(&removal);
                    context::set_header(
                        http::HeaderName::from_static("clear-site-data"),
                        crate::web::api::CLEAR_SITE_DATA_ERASED,
                    );
                    if context::is_form_post() {
                        leptos_axum::redirect("/?deleted=1");
                    }
                    Ok(())
                }
                Err(e) => {
                    context::redirect_with_error("/privacy", &e, None);
                    Err(e)
                }
            }
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(
            local_path(Some("/preferences?saved=1")),
            "/preferences?saved=1"
        );
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
