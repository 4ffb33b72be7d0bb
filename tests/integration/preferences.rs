//! The Preferences section of API.md.

use crate::harness::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn defaults_follow_accept_language() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.extra
        .push(("accept-language".into(), "ja, fr-CA;q=0.8, en;q=0.5".into()));
    let res = c.get("/api/preferences").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.json(),
        json!({"theme": "light", "notifications": "enabled", "language": "fr", "source": "default"})
    );

    let res = app.client().get("/api/preferences").await;
    assert_eq!(res.json()["language"], "en");
}

#[tokio::test]
async fn the_seed_example_works_and_the_cookie_keeps_it() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let res = c
        .post(
            "/api/preferences",
            json!({"theme": "dark", "notifications": "enabled", "language": "English"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(
        res.json(),
        json!({"theme": "dark", "notifications": "enabled", "language": "en", "source": "cookie"})
    );

    let cookie = res.set_cookie("squid_prefs").expect("preferences cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=31536000"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "no Secure in development");

    let res = c.get("/api/preferences").await;
    assert_eq!(
        res.json(),
        json!({"theme": "dark", "notifications": "enabled", "language": "en", "source": "cookie"})
    );
}

#[tokio::test]
async fn a_subset_changes_only_itself_and_put_is_the_same() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.post(
        "/api/preferences",
        json!({"theme": "dark", "language": "de"}),
    )
    .await;
    let res = c
        .json(
            Method::PUT,
            "/api/preferences",
            json!({"language": "Spanish"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.json(),
        json!({"theme": "dark", "notifications": "enabled", "language": "es", "source": "cookie"})
    );
}

#[tokio::test]
async fn bad_bodies_are_400_naming_the_field_and_change_nothing() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.post("/api/preferences", json!({"theme": "dark"})).await;
    for (body, field) in [
        (json!({"theme": "blue"}), Some("theme")),
        (json!({"notifications": "sometimes"}), Some("notifications")),
        (json!({"language": "Klingon"}), Some("language")),
        (json!({"theme": 1}), Some("theme")),
        (json!({"theme": "light", "fontSize": 12}), Some("fontSize")),
        (json!({}), None),
    ] {
        let res = c.post("/api/preferences", body.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}");
        let (code, f) = res.error();
        assert_eq!(code, "validation_failed");
        assert_eq!(f.as_deref(), field, "{body}");
        assert!(res.set_cookie("squid_prefs").is_none());
    }
    assert_eq!(c.get("/api/preferences").await.json()["theme"], "dark");
}

#[tokio::test]
async fn a_tampered_or_foreign_cookie_is_ignored() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.post("/api/preferences", json!({"theme": "dark"})).await;
    let genuine = c.jar["squid_prefs"].clone();

    c.jar
        .insert("squid_prefs".into(), genuine.replace("dark", "lite"));
    let res = c.get("/api/preferences").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["source"], "default");

    // A cookie signed by another server's key.
    let other = TestApp::new().await;
    let mut o = other.client();
    o.post("/api/preferences", json!({"theme": "dark"})).await;
    c.jar
        .insert("squid_prefs".into(), o.jar["squid_prefs"].clone());
    assert_eq!(c.get("/api/preferences").await.json()["theme"], "light");
}

#[tokio::test]
async fn preferences_outlive_the_session() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    c.post("/api/preferences", json!({"theme": "dark"})).await;
    assert_eq!(
        c.delete("/api/session").await.status,
        StatusCode::NO_CONTENT
    );
    assert!(c.jar.contains_key("squid_prefs"));
    assert_eq!(c.get("/api/preferences").await.json()["theme"], "dark");
}
