//! Request guards and response headers that apply to every route.

use super::AppState;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The CSRF rule: a state-changing request whose `Origin` names another origin, or that a
/// browser marks `Sec-Fetch-Site: cross-site`, gets `403 csrf`. Requests with neither
/// header (scripts, curl) pass. Covers the API and server functions alike.
pub async fn csrf(req: Request, next: Next) -> Response {
    let changes_state = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if changes_state && is_cross_site(req.headers()) {
        return ApiError::csrf().into_response();
    }
    next.run(req).await
}

fn is_cross_site(headers: &axum::http::HeaderMap) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_authority = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, authority)| authority);
    match (origin_authority, host) {
        (Some(authority), Some(host)) => !authority.eq_ignore_ascii_case(host),
        // `Origin: null` (sandboxed frames, some redirects) or no Host: not provably ours.
        _ => true,
    }
}

/// Adds `Cache-Control: no-store` to everything but static assets (pages carry the
/// visitor's language, theme and data; API answers are personal), and in production marks
/// every `__Host-` cookie `Secure`: tower-sessions' removal cookie lacks it, and browsers
/// ignore a `__Host-` cookie without it, so sign-outs would not clear the cookie.
///
/// Also the security headers of every response: `X-Content-Type-Options: nosniff`, a
/// `Referrer-Policy`, `X-Frame-Options: DENY`, and a Content-Security-Policy. Pages get
/// theirs from the shell ([`page_csp`], with the render's nonce for Leptos's hydration
/// scripts); anything else that has none gets [`LOCKED_CSP`] (or, for an HTML page rendered
/// without a nonce, [`page_csp`] with none: the page works, its inline scripts do not run).
pub async fn response_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_static = is_static_path(req.uri().path());
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let is_html = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let csp = if is_html {
            HeaderValue::from_str(&page_csp(None)).expect("a valid header")
        } else {
            HeaderValue::from_static(LOCKED_CSP)
        };
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    if state.config.production {
        let fixed: Vec<HeaderValue> = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| match v.to_str() {
                Ok(s)
                    if s.starts_with("__Host-") && !s.to_ascii_lowercase().contains("; secure") =>
                {
                    HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or_else(|_| v.clone())
                }
                _ => v.clone(),
            })
            .collect();
        if !fixed.is_empty() {
            res.headers_mut().remove(header::SET_COOKIE);
            for v in fixed {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    res
}

/// `Clear-Site-Data` as the contract wants it on sign-out: not `"cookies"`, which would
/// also wipe the device's preferences cookie.
pub const CLEAR_SITE_DATA_SIGNED_OUT: &str = "\"cache\", \"storage\"";

/// `Clear-Site-Data` after an erasure: nothing of the account stays in the browser, the
/// preferences cookie included.
pub const CLEAR_SITE_DATA_ERASED: &str = "\"cache\", \"cookies\", \"storage\"";

/// The policy of everything but pages: nothing may load, nothing may frame it.
pub const LOCKED_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of a page. Scripts: our own files, inline ones only with this render's
/// nonce (Leptos marks its hydration scripts with it), and WebAssembly compilation.
/// Nothing inline else, no plugins, no framing, forms only to ourselves.
pub fn page_csp(nonce: Option<&str>) -> String {
    let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `/pkg/*` (the compiled app) and files copied from `public/` (they have an extension;
/// pages and API routes never do).
pub fn is_static_path(path: &str) -> bool {
    path.starts_with("/pkg/")
        || (!path.starts_with("/api/")
            && path
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains('.')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn same_origin_and_headerless_requests_pass() {
        assert!(!is_cross_site(&headers(&[])));
        assert!(!is_cross_site(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(!is_cross_site(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("sec-fetch-site", "same-origin")
        ])));
    }

    #[test]
    fn foreign_origins_and_cross_site_fetches_are_refused() {
        assert!(is_cross_site(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://evil.example")
        ])));
        assert!(is_cross_site(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3001")
        ])));
        assert!(is_cross_site(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "null")
        ])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
    }

    #[test]
    fn only_assets_are_static() {
        assert!(is_static_path("/pkg/squid.wasm"));
        assert!(is_static_path("/favicon.ico"));
        assert!(!is_static_path("/"));
        assert!(!is_static_path("/session"));
        assert!(!is_static_path("/api/health"));
        assert!(!is_static_path("/api/x.json"));
    }
}
