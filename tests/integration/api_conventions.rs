//! The Conventions section of API.md: health, error shape, 400/413/415, CSRF, caching.

use crate::harness::TestApp;
use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn health_reports_every_part() {
    let app = TestApp::new().await;
    let res = app.client().get("/api/health").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.json(),
        json!({"status": "ok", "database": "ok", "sessionStore": "ok", "version": "0.1.0"})
    );
}

#[tokio::test]
async fn health_is_503_and_degraded_when_the_database_is_gone() {
    let app = TestApp::new().await;
    app.store().close().await;
    let res = app.client().get("/api/health").await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.json()["status"], "degraded");
    assert_eq!(res.json()["database"], "error");
    // The sessions went with the database, unless they are in Redis.
    let sessions = if crate::backend::sessions_in_redis() {
        "ok"
    } else {
        "error"
    };
    assert_eq!(res.json()["sessionStore"], sessions);
}

#[tokio::test]
async fn unknown_api_routes_are_404_in_the_error_shape() {
    let app = TestApp::new().await;
    let res = app.client().get("/api/nothing/here").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.error().0, "not_found");
}

#[tokio::test]
async fn a_body_of_another_content_type_is_415() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let req = c
        .request(Method::POST, "/api/preferences")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(r#"{"theme":"dark"}"#))
        .unwrap();
    let res = c.send(req).await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(res.error().0, "unsupported_media_type");
}

#[tokio::test]
async fn malformed_json_is_400_and_leaks_nothing() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let req = c
        .request(Method::POST, "/api/preferences")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"theme": "dark""#))
        .unwrap();
    let res = c.send(req).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error().0, "bad_request");
    let text = res.text().to_lowercase();
    assert!(
        !text.contains("sql") && !text.contains("panick") && !text.contains("src/"),
        "{text}"
    );

    let res = c
        .post("/api/preferences", json!(["not", "an", "object"]))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    let res = c
        .post(
            "/api/session/action",
            json!({"action": "x", "details": {"blob": "a".repeat(70 * 1024)}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.error().0, "payload_too_large");
}

#[tokio::test]
async fn cross_site_state_changes_are_refused_and_same_origin_ones_pass() {
    let app = TestApp::new().await;
    let mut c = app.client();
    for (name, value) in [
        ("origin", "http://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let req = c
            .request(Method::POST, "/api/preferences")
            .header(header::HOST, "127.0.0.1:3000")
            .header(name, value)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"theme":"dark"}"#))
            .unwrap();
        let res = c.send(req).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{name}: {value}");
        assert_eq!(res.error().0, "csrf");
        assert!(
            res.set_cookie("squid_prefs").is_none(),
            "a refused request changed nothing"
        );
    }
    let req = c
        .request(Method::POST, "/api/preferences")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"theme":"dark"}"#))
        .unwrap();
    assert_eq!(c.send(req).await.status, StatusCode::OK);

    // Server functions are guarded too.
    let req = c
        .request(Method::POST, "/api/fn/end_session")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(c.send(req).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn api_answers_and_pages_are_never_cached() {
    let app = TestApp::new().await;
    let mut c = app.client();
    for path in [
        "/api/health",
        "/api/preferences",
        "/api/session",
        "/",
        "/preferences",
        "/no-such-page",
    ] {
        let res = c.get(path).await;
        assert_eq!(
            res.headers
                .get(header::CACHE_CONTROL)
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn pagination_parameters_outside_the_contract_are_400() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    for query in [
        "page=0",
        "page=abc",
        "perPage=0",
        "perPage=101",
        "order=sideways",
    ] {
        let res = c.get(&format!("/api/session?{query}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(res.error().0, "validation_failed");
    }
    let res = c.get("/api/session/actions?perPage=100&page=3").await;
    assert_eq!(res.status, StatusCode::OK);
}

#[tokio::test]
async fn a_route_asked_with_another_method_is_405_with_its_own_code() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let req = c
        .request(Method::PATCH, "/api/preferences")
        .body(Body::empty())
        .unwrap();
    let res = c.send(req).await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.error().0, "method_not_allowed");
}
