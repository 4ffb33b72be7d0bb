//! The one wrapper every server function runs its body in (server only).
//!
//! [`serve`] gives the body the request's [`Ctx`] and answers a failure with its own status
//! (`401`, `429`…) rather than server_fn's default `500`. [`form`] does the same for a
//! form, and when the browser posted it without JavaScript sends it on: to the page with
//! the [`Outcome`] on success, back to the form with `?error=<code>` on failure.

use crate::error::ApiError;
use crate::model::Outcome;
use crate::web::ctx::Effects;
use crate::web::Ctx;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::future::Future;

/// Where a form post without JavaScript is sent next.
pub struct Back {
    /// After a success.
    success: String,
    /// The form's page, for a failure: `?error=<code>` is added.
    failure: String,
    /// The email typed, given back to a sign-in form after a failure.
    email: Option<String>,
}

impl Back {
    /// To `page` with `outcome` on success, back to `form` on failure.
    pub fn to(page: &str, outcome: Outcome, form: &str) -> Back {
        Back::url(outcome.url(page), form)
    }

    /// To `success`, back to `form` on failure.
    pub fn url(success: String, form: &str) -> Back {
        Back {
            success,
            failure: form.to_string(),
            email: None,
        }
    }

    /// Home after a sign-in; back to the form with the email typed on failure.
    pub fn signed_in(form: &str, email: Option<&str>) -> Back {
        Back {
            email: email.map(str::to_string),
            ..Back::url("/".to_string(), form)
        }
    }

    fn after_failure(&self, error: &ApiError) -> String {
        let join = if self.failure.contains('?') { '&' } else { '?' };
        let mut to = format!("{}{join}error={}", self.failure, error.code);
        if let Some(email) = &self.email {
            to.push_str("&email=");
            to.extend(percent_encoding::utf8_percent_encode(email, QUERY_VALUE));
        }
        to
    }
}

/// What a query value keeps as is: the unreserved characters (RFC 3986) and `@`.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// Runs a server function's body with the request's context.
pub async fn serve<T, F, Fut>(body: F) -> Result<T, ApiError>
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let result = match Ctx::from_leptos() {
        Ok(ctx) => body(ctx).await,
        Err(e) => Err(e),
    };
    if let Err(e) = &result {
        if !is_form_post() {
            answer_with_status(e);
        }
    }
    result
}

/// Runs a form's server function: [`serve`], then, for a post without JavaScript, the
/// redirect that `back` says.
pub async fn form<T, F, Fut>(back: Back, body: F) -> Result<T, ApiError>
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let result = serve(body).await;
    if is_form_post() {
        match &result {
            Ok(_) => redirect(&back.success),
            Err(e) => redirect(&back.after_failure(e)),
        }
    }
    result
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

fn answer_with_status(e: &ApiError) {
    if let (Some(res), Ok(status)) = (
        use_context::<ResponseOptions>(),
        http::StatusCode::from_u16(e.status()),
    ) {
        res.set_status(status);
        if let Some(seconds) = e.retry_after {
            res.insert_header(http::header::RETRY_AFTER, seconds.into());
        }
    }
}

/// Puts a use case's effects (the preferences cookie) on the response.
pub fn send(effects: Effects) {
    if let (Some(res), Some(cookie)) = (use_context::<ResponseOptions>(), effects.prefs_cookie) {
        res.append_header(http::header::SET_COOKIE, cookie);
    }
}

/// Sets a header of the response.
pub fn set_header(name: &'static str, value: &'static str) {
    if let Some(res) = use_context::<ResponseOptions>() {
        res.insert_header(
            http::HeaderName::from_static(name),
            http::HeaderValue::from_static(value),
        );
    }
}

/// `path` if it is a plain path of this site, else `/`: a redirect target taken from a
/// form must not send the visitor elsewhere. Plain: one leading `/`, no `//` and no `\`,
/// no control or whitespace character, before and after percent-decoding (browsers drop a
/// tab, so `/%09/evil.example` would be `//evil.example`, another site).
pub fn local_path(path: Option<&str>) -> String {
    let plain = |p: &str| {
        p.starts_with('/')
            && !p.contains("//")
            && !p.contains('\\')
            && !p.chars().any(|c| c.is_control() || c.is_whitespace())
    };
    match path {
        Some(p)
            if plain(p)
                && percent_encoding::percent_decode_str(p)
                    .decode_utf8()
                    .is_ok_and(|decoded| plain(&decoded)) =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

/// `leptos_axum::redirect`, which panics on a target that is not a valid header value:
/// such a target becomes `/` (every target is built here, but no input may panic).
fn redirect(to: &str) {
    let to = if http::HeaderValue::from_str(to).is_ok() {
        to
    } else {
        tracing::error!(to = ?to, "refused an invalid redirect target");
        "/"
    };
    leptos_axum::redirect(to);
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for hostile in [
            "/%09/evil.example/",
            "/\t/evil.example/",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/a\nb",
            "/a\rb",
            "/a\u{0}b",
            "/a\u{7f}b",
            "/a\u{1b}b",
            "/a\u{b}b",
            "/a%0Db",
            "/a%00b",
            "/a b",
            "/%E2%80%A8x",
            "/%ff",
            "",
        ] {
            assert_eq!(local_path(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(local_path(Some("/caf%C3%A9?tab=2")), "/caf%C3%A9?tab=2");
    }

    #[test]
    fn a_failure_goes_back_to_the_form_with_its_code_and_the_email() {
        let error = ApiError::new(crate::error::ErrorCode::InvalidCredentials, "x");
        let back = Back::signed_in("/login", Some("Ann+1@example.com"));
        assert_eq!(
            back.after_failure(&error),
            "/login?error=invalid_credentials&email=Ann%2B1@example.com"
        );
        let back = Back::url("/".into(), "/preferences?x=1");
        assert_eq!(
            back.after_failure(&error),
            "/preferences?x=1&error=invalid_credentials"
        );
    }
}
