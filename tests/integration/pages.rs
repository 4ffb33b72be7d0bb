//! Pages as the server renders them: preferences applied in the first response, page views
//! recorded, and forms working without JavaScript.

use crate::harness::TestApp;
use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_first_response_is_already_in_the_visitors_theme_and_language() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.post(
        "/api/preferences",
        json!({"theme": "dark", "language": "es"}),
    )
    .await;
    let res = c.get("/").await;
    assert_eq!(res.status, StatusCode::OK);
    let html = res.text();
    assert!(
        html.contains(r#"<html lang="es" data-theme="dark""#),
        "{}",
        &html[..html.len().min(400)]
    );
    assert!(html.contains("Bienvenido a Squid"));
    assert!(html.contains("<title>Squid · Bienvenido a Squid</title>"));
    assert!(!html.contains("Welcome to Squid"));

    let prefs = c.get("/preferences").await.text();
    assert!(prefs.contains("Guardar preferencias"));
}

#[tokio::test]
async fn a_guest_without_preferences_gets_the_accept_language_default() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.extra
        .push(("accept-language".into(), "de-DE,de;q=0.9".into()));
    let html = c.get("/").await.text();
    assert!(html.contains(r#"<html lang="de" data-theme="light""#));
    assert!(html.contains("Willkommen bei Squid"));
}

#[tokio::test]
async fn every_page_visit_is_recorded_under_the_routes_name_starting_a_session() {
    let app = TestApp::new().await;
    let mut c = app.client();
    assert!(c.session_token().is_none());
    c.get("/").await;
    assert!(
        c.session_token().is_some(),
        "a page visit starts a guest session"
    );
    c.get("/preferences").await;
    let session_page = c.get("/session").await;
    assert_eq!(session_page.status, StatusCode::OK);
    assert!(session_page.text().contains("End session"));
    let s = c.get("/api/session").await.json();
    let names = crate::harness::page_names(&s);
    assert_eq!(names, ["home", "preferences", "session"]);
    // Unknown pages are 404 and not recorded.
    assert_eq!(c.get("/nowhere").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        c.get("/api/session").await.json()["pagesVisited"]["total"],
        3
    );
}

#[tokio::test]
async fn the_preferences_form_works_without_javascript() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.get("/preferences").await;
    let req = c
        .request(Method::POST, "/api/fn/save_preferences")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, "http://localhost/preferences")
        .body(Body::from("theme=dark&notifications=disabled&language=fr"))
        .unwrap();
    let res = c.send(req).await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.text());
    assert_eq!(res.headers[header::LOCATION], "/preferences?saved=1");
    assert!(res.set_cookie("squid_prefs").is_some());

    let html = c.get("/preferences?saved=1").await.text();
    assert!(html.contains(r#"<html lang="fr" data-theme="dark" data-notifications="disabled""#));
    assert!(html.contains("Préférences enregistrées."));
    assert_eq!(
        c.get("/api/preferences").await.json(),
        json!({"theme": "dark", "notifications": "disabled", "language": "fr", "source": "cookie"})
    );
}

#[tokio::test]
async fn end_session_works_without_javascript() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.get("/session").await;
    let before = c.get("/api/session").await.json()["id"].clone();
    let req = c
        .request(Method::POST, "/api/fn/end_session")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://localhost/session")
        .body(Body::empty())
        .unwrap();
    let res = c.send(req).await;
    assert_eq!(res.status, StatusCode::FOUND);
    assert_eq!(res.headers[header::LOCATION], "/session?ended=1");
    assert_eq!(c.get("/api/session").await.status, StatusCode::UNAUTHORIZED);
    let html = c.get("/session?ended=1").await.text();
    assert!(html.contains("Session ended."));
    let after = c.get("/api/session").await.json()["id"].clone();
    assert_ne!(before, after, "the visit started a new session");
}
