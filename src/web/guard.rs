//! Request guards and response headers that apply to every route.

use super::bearer::Bearer;
use super::AppState;
use crate::config::WebOrigin;
use crate::error::{ApiError, ErrorCode};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The CSRF rule: a state-changing request whose `Origin` is not the server's own origin
/// (scheme, host and port), or that a browser marks `Sec-Fetch-Site: cross-site`, gets
/// `403 csrf`. The server's origin is `PUBLIC_URL` when set; otherwise the request's own
/// scheme and `Host`, which cannot tell a DNS-rebound name from ours: set `PUBLIC_URL`
/// in production. Requests with neither header (scripts, curl) pass. Covers the API and
/// server functions alike.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let changes_state = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    // A bearer is never sent by a browser on its own, and with one the cookies are not read.
    if changes_state && !Bearer::of(req.headers()).present() {
        let scheme = req.uri().scheme_str().unwrap_or("http");
        if is_cross_site(req.headers(), state.config.public_origin.as_ref(), scheme) {
            return ApiError::csrf().into_response();
        }
    }
    next.run(req).await
}

fn is_cross_site(
    headers: &axum::http::HeaderMap,
    public: Option<&WebOrigin>,
    scheme: &str,
) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    // `Origin: null` (sandboxed frames, some redirects), no Host, or anything unparsable:
    // not provably ours.
    let Some(origin) = origin.to_str().ok().and_then(WebOrigin::from_header) else {
        return true;
    };
    let ours = match public {
        Some(public) => Some(public.clone()),
        None => headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .and_then(|host| WebOrigin::of_request(scheme, host)),
    };
    ours.as_ref() != Some(&origin)
}

/// The last line: a handler that panics (a bug: no input may make one) answers `500` in
/// the API's error shape, and the panic is logged, instead of the connection dropping.
pub fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    ApiError::new(ErrorCode::Internal, "internal error").into_response()
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

    fn cross(pairs: &[(&str, &str)], public: Option<&str>) -> bool {
        let public = public.map(|p| WebOrigin::from_public_url(p).unwrap());
        is_cross_site(&headers(pairs), public.as_ref(), "http")
    }

    #[test]
    fn same_origin_and_headerless_requests_pass() {
        assert!(!cross(&[], None));
        assert!(!cross(
            &[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000")
            ],
            None
        ));
        assert!(!cross(
            &[
                ("host", "127.0.0.1:3000"),
                ("sec-fetch-site", "same-origin")
            ],
            None
        ));
        let public = Some("https://squid.example.com");
        assert!(!cross(
            &[
                ("host", "10.0.0.5:3000"),
                ("origin", "https://squid.example.com")
            ],
            public
        ));
    }

    #[test]
    fn foreign_origins_and_cross_site_fetches_are_refused() {
        for origin in [
            "http://evil.example",
            "http://127.0.0.1:3001",
            "null",
            // Same host and port, another scheme.
            "https://127.0.0.1:3000",
            "not a url",
        ] {
            assert!(
                cross(&[("host", "127.0.0.1:3000"), ("origin", origin)], None),
                "{origin}"
            );
        }
        assert!(cross(&[("sec-fetch-site", "cross-site")], None));
    }

    #[test]
    fn with_public_url_only_its_whole_origin_is_ours() {
        let public = Some("https://squid.example.com");
        // Plain http to the https site.
        assert!(cross(
            &[
                ("host", "squid.example.com"),
                ("origin", "http://squid.example.com")
            ],
            public
        ));
        // DNS rebinding: the request's Host matches the foreign origin.
        assert!(cross(
            &[("host", "evil.example"), ("origin", "http://evil.example")],
            public
        ));
        assert!(cross(
            &[
                ("host", "squid.example.com"),
                ("origin", "https://squid.example.com:8443")
            ],
            public
        ));
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
