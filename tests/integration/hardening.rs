//! What an afternoon of attacks found, each kept fixed: the CSRF origin check, hostile
//! redirect targets, panics, server functions answering client errors, the User-Agent
//! binding, refused bodies and keep-alive. (Timeouts and shutdown, which need a real
//! socket, are in `connections`.)

use crate::harness::{TestApp, PW};
use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use serde_json::json;

/// A same-site form post as a browser sends it, with `Origin` and `Host`.
fn post_from(
    c: &crate::harness::Client,
    path: &str,
    origin: &str,
    host: &str,
) -> axum::http::Request<Body> {
    c.request(Method::POST, path)
        .header(header::HOST, host)
        .header(header::ORIGIN, origin)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("null"))
        .unwrap()
}

#[tokio::test]
async fn csrf_compares_the_whole_origin() {
    let app = TestApp::new().await;
    let mut c = app.client();
    // Without PUBLIC_URL: the request's own scheme (plain http) and Host.
    let res = c
        .send(post_from(
            &c,
            "/api/session",
            "https://127.0.0.1:3000",
            "127.0.0.1:3000",
        ))
        .await;
    assert_eq!(
        (res.status, res.error().0.as_str()),
        (StatusCode::FORBIDDEN, "csrf")
    );
    let res = c
        .send(post_from(
            &c,
            "/api/session",
            "http://127.0.0.1:3000",
            "127.0.0.1:3000",
        ))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());

    // With PUBLIC_URL: only its origin, whatever Host says.
    let app = TestApp::with_env(&[("PUBLIC_URL", "https://squid.example.com")]).await;
    let mut c = app.client();
    for (origin, host) in [
        ("http://squid.example.com", "squid.example.com"),
        ("https://squid.example.com:8443", "squid.example.com"),
        // DNS rebinding: a foreign name resolving to us; its Host matches its Origin.
        ("http://evil.example", "evil.example"),
    ] {
        let res = c.send(post_from(&c, "/api/session", origin, host)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{origin}");
        assert_eq!(res.error().0, "csrf");
    }
    let res = c
        .send(post_from(
            &c,
            "/api/session",
            "https://squid.example.com",
            "10.0.0.7:3000",
        ))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
}

#[tokio::test]
async fn a_hostile_return_to_neither_panics_nor_leaves_the_site() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("ann@example.com", PW).await;
    for return_to in [
        "%0A",
        "%0D",
        "%00",
        "%7F",
        "%1B",
        "%0B",
        "/a%0Ab",
        "/%09/evil.example/",
        "//evil.example/",
        "/%5Cevil.example",
        "https://evil.example/",
    ] {
        let res = c
            .form(
                "/api/fn/confirm_consent",
                &format!("return_to={return_to}"),
                true,
            )
            .await;
        assert_eq!(res.status, StatusCode::FOUND, "{return_to}: {}", res.text());
        assert_eq!(res.headers[header::LOCATION], "/", "{return_to}");
    }
    let res = c
        .form("/api/fn/confirm_consent", "return_to=%2Fprivacy", true)
        .await;
    assert_eq!(res.headers[header::LOCATION], "/privacy");
}

#[tokio::test]
async fn a_panic_answers_500_in_the_error_shape() {
    use tower::ServiceExt;
    let app = TestApp::new().await;
    // No route of Squid's panics (that is the point); this one stands behind the same edge.
    let inner = axum::Router::new().route(
        "/boom",
        axum::routing::get(|| async {
            panic!("boom");
            #[allow(unreachable_code)]
            ""
        }),
    );
    let edge = squid::web::edge(inner, app.state.clone());
    let get = |path: &str| axum::http::Request::get(path).body(Body::empty()).unwrap();
    let res = edge.clone().oneshot(get("/boom")).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "internal");
    // The service goes on answering.
    let res = edge.oneshot(get("/elsewhere")).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn malformed_input_to_a_server_function_is_a_client_error() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("ann@example.com", PW).await;
    let before = c.get("/api/preferences").await.json();
    let big = format!("theme={}", "a".repeat(70 * 1024));
    for (path, body, status) in [
        ("/api/fn/login", "", StatusCode::BAD_REQUEST),
        ("/api/fn/login", "%ZZ=1", StatusCode::BAD_REQUEST),
        (
            "/api/fn/save_preferences",
            "theme=dark&theme=light",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/fn/save_preferences",
            "theme[x]=dark",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/fn/session_overview",
            "page=abc",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/fn/session_overview",
            "page=-1",
            StatusCode::BAD_REQUEST,
        ),
        ("/api/fn/end_device", "", StatusCode::BAD_REQUEST),
        (
            "/api/fn/save_preferences",
            big.as_str(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        ("/api/fn/login", big.as_str(), StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        for html in [false, true] {
            let res = c.form(path, body, html).await;
            if html && res.status == StatusCode::FOUND {
                // Without JavaScript, server_fn sends an undecodable post back a page.
                let to = res.headers[header::LOCATION].to_str().unwrap();
                assert!(to.starts_with('/'), "{path} {body:.40}: {to}");
                continue;
            }
            assert_eq!(
                res.status,
                status,
                "{path} {body:.40} html={html}: {}",
                res.text()
            );
            res.error();
        }
    }
    // Nothing of it changed the account.
    assert_eq!(c.get("/api/preferences").await.json(), before);
}

#[tokio::test]
async fn the_user_agent_binding_compares_exact_bytes() {
    let app = TestApp::new().await;
    // The client's request with exactly these User-Agent bytes, or none.
    let from = |c: &crate::harness::Client, method: Method, ua: Option<&[u8]>| {
        let body = if method == Method::POST { "null" } else { "" };
        let mut req = c
            .request(method, "/api/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        req.headers_mut().remove(header::USER_AGENT);
        if let Some(ua) = ua {
            let ua = axum::http::HeaderValue::from_bytes(ua).unwrap();
            req.headers_mut().insert(header::USER_AGENT, ua);
        }
        req
    };
    let start = |c: &crate::harness::Client, ua| from(c, Method::POST, ua);
    let read = |c: &crate::harness::Client, ua| from(c, Method::GET, ua);
    let one: &[u8] = b"squid-ua \xff one";
    let two: &[u8] = b"squid-ua \xfe two";
    for (started, presented) in [
        (Some(one), Some(two)),
        (None, Some(one)),
        (Some(one), None),
        (Some(b"plain".as_slice()), Some(b"Plain".as_slice())),
    ] {
        let mut c = app.client();
        let res = c.send(start(&c, started)).await;
        assert_eq!(res.status, StatusCode::CREATED);
        let res = c.send(read(&c, started)).await;
        assert_eq!(res.status, StatusCode::OK, "the same agent keeps it");
        let res = c.send(read(&c, presented)).await;
        assert_eq!(
            res.status,
            StatusCode::UNAUTHORIZED,
            "{started:?} then {presented:?}"
        );
        assert_eq!(res.error().0, "no_session");
        // Ended for good, not just refused this once.
        let res = c.send(read(&c, started)).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_body_refused_unread_closes_the_connection_and_one_read_keeps_it() {
    let app = TestApp::new().await;
    let mut c = app.client();
    // 415: refused on its content type, before reading.
    let req = c
        .request(Method::POST, "/api/auth/login")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("hello"))
        .unwrap();
    let res = c.send(req).await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(res.headers[header::CONNECTION], "close");
    // 403 csrf, before reading.
    let req = c
        .request(Method::POST, "/api/session")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let res = c.send(req).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.headers[header::CONNECTION], "close");
    // A body read to its end (even a refused one), or none at all: kept alive.
    let res = c.post("/api/auth/login", json!({"unknown": 1})).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(!res.headers.contains_key(header::CONNECTION));
    let res = c.get("/api/health").await;
    assert!(!res.headers.contains_key(header::CONNECTION));
}
