//! The typed request context, and the one place a use case's report becomes cookies.
//!
//! [`Ctx`] is what every adapter works with: the state, the resolved [`Visitor`], the
//! cookie's session handle and the request's time. `/api` handlers take it as an extractor
//! ([`Ctx`], or [`Live`] / [`SignedIn`] to refuse early with `401`); server functions build
//! it from the Leptos context ([`Ctx::from_leptos`]). After a use case, [`Ctx::apply`]
//! carries out what it reports: the session cookie gets the new token or is expired, and
//! the preferences cookie is rewritten or removed ([`Effects`]).

use super::bearer::Bearer;
use super::session_store::carry;
use super::{cookies, AppState};
use crate::config::WebOrigin;
use crate::domain::visitor::Visitor;
use crate::domain::wallet::check::Site;
use crate::domain::{Happened, Millis, PrefsCookie};
use crate::error::{ApiError, ErrorCode};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponseParts, ResponseParts};
use tower_sessions::Session;

/// Who is asking, and with what.
#[derive(Clone)]
pub struct Ctx {
    pub state: AppState,
    pub visitor: Visitor,
    /// The handle on the session cookie (tower-sessions).
    pub session: Session,
    /// The request's time, read once.
    pub now: Millis,
    /// Whether the request came with `Authorization: Bearer` (an app's): then the session
    /// cookie is never written.
    pub bearer: bool,
}

impl Ctx {
    fn from_parts(parts: &Parts, state: AppState) -> Result<Ctx, ApiError> {
        // Both are put there by the middleware every route sits behind.
        let visitor = parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .ok_or_else(ApiError::unavailable)?;
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(ApiError::unavailable)?;
        let now = state.clock.now();
        let bearer = parts
            .extensions
            .get::<Bearer>()
            .is_some_and(|b| b.present());
        Ok(Ctx {
            state,
            visitor,
            session,
            now,
            bearer,
        })
    }

    /// [`site`] of the request a server function is answering.
    pub fn site_of_leptos() -> Result<Site, ApiError> {
        let state = leptos::prelude::use_context::<AppState>().ok_or_else(ApiError::unavailable)?;
        let parts = leptos::prelude::use_context::<Parts>().ok_or_else(ApiError::unavailable)?;
        site(&state, &parts)
    }

    /// The context of the request a server function is answering.
    pub fn from_leptos() -> Result<Ctx, ApiError> {
        let state = leptos::prelude::use_context::<AppState>().ok_or_else(ApiError::unavailable)?;
        let parts = leptos::prelude::use_context::<Parts>().ok_or_else(ApiError::unavailable)?;
        Ctx::from_parts(&parts, state)
    }

    /// Carries out what a use case reports: the session cookie now carries its new token,
    /// or is expired; the preferences cookie is returned as an effect to send.
    pub async fn apply(&mut self, happened: &Happened) -> Result<Effects, ApiError> {
        effects(&self.state, &self.session, happened, self.bearer).await
    }
}

/// Where users reach this server, as Sign-In with Ethereum messages must name it:
/// `PUBLIC_URL`, else this plain-HTTP request's `Host` (the URI's authority under HTTP/2);
/// `400` without a usable one. Read only by the routes that need it, not on every request.
pub fn site(state: &AppState, parts: &Parts) -> Result<Site, ApiError> {
    if let Some(public) = &state.config.public_origin {
        return Ok(Site::new(public.as_str()));
    }
    let host = match parts.headers.get(header::HOST) {
        Some(host) => host.to_str().ok(),
        None => parts.uri.authority().map(|a| a.as_str()),
    };
    host.and_then(|host| WebOrigin::of_request("http", host))
        .map(|origin| Site::new(origin.as_str()))
        .ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "the request has no usable Host"))
}

/// [`site`] as an extractor, for the `/api` routes of Sign-In with Ethereum.
pub struct Reached(pub Site);

impl<S: Send + Sync> FromRequestParts<S> for Reached
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        site(&axum::extract::FromRef::from_ref(state), parts).map(Reached)
    }
}

/// [`Ctx::apply`] for the middleware, which has no `Ctx` yet.
pub async fn effects(
    state: &AppState,
    session: &Session,
    happened: &Happened,
    bearer: bool,
) -> Result<Effects, ApiError> {
    if bearer {
        // An app keeps no cookies: what its requests did reaches it in their bodies.
        return Ok(Effects::default());
    }
    carry(session, &happened.session).await?;
    let name = state.config.prefs_cookie_name();
    let secure = state.config.production;
    let prefs = match &happened.prefs_cookie {
        PrefsCookie::Kept => None,
        PrefsCookie::Write(prefs) => Some(cookies::prefs_set_cookie(
            prefs,
            &state.cookie_key,
            name,
            secure,
        )),
        PrefsCookie::Remove => Some(cookies::prefs_removal_cookie(name, secure)),
    };
    Ok(Effects {
        prefs_cookie: prefs.and_then(|c| HeaderValue::from_str(&c).ok()),
    })
}

/// What a response must carry besides its body: the `Set-Cookie` of the preferences
/// cookie. (The session cookie is written by tower-sessions on the way out.)
#[derive(Debug, Default)]
pub struct Effects {
    pub prefs_cookie: Option<HeaderValue>,
}

impl IntoResponseParts for Effects {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        if let Some(cookie) = self.prefs_cookie {
            res.headers_mut().append(header::SET_COOKIE, cookie);
        }
        Ok(res)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Ctx::from_parts(parts, axum::extract::FromRef::from_ref(state))
    }
}

/// A [`Ctx`] whose visitor has a live session, else `401 no_session`.
pub struct Live(pub Ctx);

impl<S: Send + Sync> FromRequestParts<S> for Live
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        ctx.visitor.live()?;
        Ok(Live(ctx))
    }
}

/// A [`Ctx`] whose visitor is signed in, else `401 unauthenticated`.
pub struct SignedIn(pub Ctx);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        ctx.visitor.account()?;
        Ok(SignedIn(ctx))
    }
}
