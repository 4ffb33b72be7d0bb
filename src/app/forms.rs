//! What the pages share about forms and their results: the words for an error code, the
//! result a no-JavaScript post came back with (`?saved=1`, `?error=<code>`), who may open
//! a page, and how times and devices read.

use super::{use_me, use_prefs};
use crate::error::{ApiError, ErrorCode};
use crate::i18n::{t, Key};
use crate::model::Outcome;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The message for an error code (`None`: a code this page does not know), in words a
/// person understands.
pub fn error_key(code: Option<ErrorCode>) -> Key {
    match code {
        Some(ErrorCode::InvalidCredentials) => Key::ErrInvalidCredentials,
        Some(ErrorCode::EmailTaken) => Key::ErrEmailTaken,
        Some(ErrorCode::WalletTaken) => Key::ErrWalletTaken,
        Some(ErrorCode::ValidationFailed | ErrorCode::BadRequest) => Key::ErrInvalidInput,
        Some(ErrorCode::RateLimited) => Key::ErrRateLimited,
        Some(ErrorCode::ReauthenticationRequired) => Key::ErrReauth,
        _ => Key::Failed,
    }
}

/// The message for an error of a form where the user typed their password: there,
/// `reauthentication_required` means the password typed is wrong.
pub fn typed_password_error_key(code: Option<ErrorCode>) -> Key {
    match code {
        Some(ErrorCode::ReauthenticationRequired) => Key::ErrWrongPassword,
        code => error_key(code),
    }
}

/// What a form post without JavaScript came back with, from the page's query string:
/// its outcome, or the error's code (`None` inside for a code this build does not know).
pub fn redirected() -> impl Fn() -> Option<Result<Outcome, Option<ErrorCode>>> + Copy {
    let query = use_query_map();
    move || {
        let q = query.read();
        if let Some(code) = q.get("error") {
            return Some(Err(ErrorCode::parse(&code)));
        }
        Outcome::from_query(|key| q.get(key).is_some()).map(Ok)
    }
}

/// The error code of an action's result, if it failed.
pub fn failed<T>(result: Option<Result<T, ApiError>>) -> Option<ErrorCode> {
    result.and_then(Result::err).map(|e| e.code)
}

/// The error to show: of the action just run (JavaScript), else of the redirect (`?error=`).
/// `outcome` is `None` before the action ran, else the error code it failed with, if any.
pub fn error_message(
    outcome: impl Fn() -> Option<Option<ErrorCode>> + Copy + 'static,
) -> impl Fn() -> Option<&'static str> + Copy {
    let prefs = use_prefs();
    let redirected = redirected();
    move || {
        let code = match outcome() {
            Some(code) => code.map(Some),
            None => redirected().and_then(Result::err),
        };
        code.map(|c| t(prefs.lang(), error_key(c)))
    }
}

/// On the server: sends a visitor who may not open this page elsewhere (guests to
/// `/login`, the signed-in away from the sign-in pages to `/`).
pub fn redirect_unless(signed_in: bool) {
    let me = use_me();
    if me.0.get_untracked().is_some() != signed_in {
        // A real 302 whatever the request accepts (`leptos_axum::redirect` gives one only
        // to requests that accept HTML).
        #[cfg(feature = "ssr")]
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            let to = if signed_in { "/login" } else { "/" };
            res.set_status(http::StatusCode::FOUND);
            res.insert_header(http::header::LOCATION, http::HeaderValue::from_static(to));
        }
    }
}

/// `2026-11-22T10:15:30.123Z` as `2026-11-22 10:15:30 UTC`.
pub fn readable_time(rfc3339: &str) -> String {
    let trimmed = rfc3339.get(..19).unwrap_or(rfc3339);
    format!("{} UTC", trimmed.replace('T', " "))
}

/// Seconds as `H:MM:SS`.
pub fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// A user agent as a person would name it: "Chrome on Linux".
pub fn describe_user_agent(ua: &str) -> Option<String> {
    let browser = crate::model::browser_name(ua);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(b), Some(s)) => Some(format!("{b} · {s}")),
        (Some(b), None) => Some(b.to_string()),
        (None, Some(s)) => Some(s.to_string()),
        (None, None) => (!ua.trim().is_empty()).then(|| ua.chars().take(60).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_get_a_human_name() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(
            describe_user_agent(chrome).as_deref(),
            Some("Chrome · Linux")
        );
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(safari).as_deref(), Some("Safari · iOS"));
        assert_eq!(describe_user_agent("curl/8.5.0").as_deref(), Some("curl"));
        assert_eq!(describe_user_agent(""), None);
        assert_eq!(
            describe_user_agent("squid-tests/1.0").as_deref(),
            Some("squid-tests/1.0")
        );
    }

    #[test]
    fn every_error_code_has_words() {
        assert_eq!(
            error_key(ErrorCode::parse("invalid_credentials")),
            Key::ErrInvalidCredentials
        );
        assert_eq!(
            error_key(ErrorCode::parse("rate_limited")),
            Key::ErrRateLimited
        );
        assert_eq!(error_key(ErrorCode::parse("something_new")), Key::Failed);
    }
}
