//! The audit trail and the hardening around accounts: security events with time, IP and
//! user agent, never a token; security headers; CSRF on server functions.

use crate::harness::{TestApp, PW};
use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};

/// The types of an audit page's entries, newest first.
pub fn types(audit: &Value) -> Vec<String> {
    audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn security_events_are_audited_newest_first_without_tokens() {
    let app = TestApp::new().await;
    let mut laptop = app.client();
    laptop.register("ann@example.com", PW).await;
    let mut phone = app.client();
    phone.user_agent = "Phone".into();
    phone.login("ann@example.com", "wrong password").await;
    phone.login("ann@example.com", PW).await;
    let phone_id = phone.get("/api/session").await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    laptop
        .post("/api/preferences", json!({"theme": "dark"}))
        .await;
    laptop
        .post("/api/auth/reauth", json!({"password": PW}))
        .await;
    laptop.delete(&format!("/api/sessions/{phone_id}")).await;
    laptop
        .post(
            "/api/auth/password",
            json!({"currentPassword": PW, "newPassword": "another one 2"}),
        )
        .await;
    let token = laptop.session_token().unwrap();

    let audit = laptop.get("/api/audit").await;
    assert_eq!(audit.status, StatusCode::OK);
    let audit = audit.json();
    assert_eq!(
        types(&audit),
        [
            "password_changed",
            "session_revoked",
            "reauth",
            "preferences_changed",
            "login",
            "login_failed",
            "login",
        ]
    );
    assert_eq!(audit["total"], 7);
    assert_eq!(audit["page"], 1);
    let items = audit["items"].as_array().unwrap();
    let revoked = &items[1];
    assert_eq!(revoked["details"]["reason"], "revoked");
    assert_eq!(revoked["details"]["sessionId"], phone_id);
    let failed = &items[5];
    assert_eq!(failed["userAgent"], "Phone");
    for e in items {
        assert!(e["at"].as_str().unwrap().ends_with('Z'));
        assert!(
            e.get("ip").is_some() && e.get("userAgent").is_some() && e.get("details").is_some()
        );
    }
    // Paginated like every list.
    let page = laptop.get("/api/audit?page=2&perPage=5").await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["totalPages"], 2);

    // Logout is audited, and nowhere in the database is a token.
    laptop.post("/api/auth/logout", json!({})).await;
    let mut again = app.client();
    again.login("ann@example.com", "another one 2").await;
    assert_eq!(
        types(&again.get("/api/audit?perPage=1&page=2").await.json()),
        ["logout"]
    );
    app.assert_not_stored(&[token.as_bytes()]).await;

    // Guests have no audit of their own.
    let res = app.client().get("/api/audit").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_changed_user_agent_ends_a_signed_in_session_and_is_audited() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("ann@example.com", PW).await;
    let mut thief = c.clone();
    thief.user_agent = "Thief/1.0".into();
    assert_eq!(
        thief.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED,
        "dead for both"
    );

    let mut again = app.client();
    again.login("ann@example.com", PW).await;
    let audit = again.get("/api/audit").await.json();
    let revoked = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "session_revoked")
        .expect("audited")
        .clone();
    assert_eq!(revoked["details"]["reason"], "user_agent_changed");
    assert_eq!(revoked["userAgent"], "Thief/1.0");
}

#[tokio::test]
async fn an_expired_session_of_a_user_is_audited() {
    let app = TestApp::with_env(&[("SESSION_IDLE_TIMEOUT_SECS", "1")]).await;
    let mut c = app.client();
    c.register("ann@example.com", PW).await;
    app.advance(std::time::Duration::from_millis(1100));
    assert_eq!(c.get("/api/auth/me").await.status, StatusCode::UNAUTHORIZED);
    let mut again = app.client();
    again.login("ann@example.com", PW).await;
    let kinds = types(&again.get("/api/audit").await.json());
    assert!(kinds.contains(&"session_expired".to_string()), "{kinds:?}");
}

#[tokio::test]
async fn pages_and_api_carry_the_security_headers() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let page = c.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // Every inline script carries the nonce the policy names.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    let html = page.text();
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{html}"
    );
    // A new nonce on every render.
    let again = c.get("/login").await;
    assert_ne!(
        again.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap(),
        csp.as_str()
    );

    for res in [page, c.get("/api/health").await, c.get("/api/nope").await] {
        assert_eq!(res.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(res.headers.contains_key(header::REFERRER_POLICY));
        assert_eq!(res.headers[header::X_FRAME_OPTIONS], "DENY");
        let csp = res.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}

#[tokio::test]
async fn server_functions_follow_the_csrf_rule_and_forms_work_without_javascript() {
    let app = TestApp::new().await;
    app.client().register("ann@example.com", PW).await;
    let form = |c: &crate::harness::Client, path: &str, body: &str, origin: Option<&str>| {
        let mut b = c
            .request(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::REFERER, "http://127.0.0.1:3000/login");
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(Body::from(body.to_string())).unwrap()
    };
    let mut c = app.client();
    let req = form(
        &c,
        "/api/fn/login",
        "email=ann%40example.com&password=correct+horse+battery",
        Some("http://evil.example"),
    );
    let res = c.send(req).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error().0, "csrf");
    assert!(c.session_token().is_none());

    // A wrong password, without JavaScript: back to the form with the error and the email.
    let req = form(
        &c,
        "/api/fn/login",
        "email=Ann%40example.com&password=nope+nope+nope",
        Some("http://127.0.0.1:3000"),
    );
    let res = c.send(req).await;
    assert!(res.status.is_redirection(), "{}", res.status);
    let to = res.headers[header::LOCATION].to_str().unwrap();
    assert_eq!(to, "/login?error=invalid_credentials&email=Ann@example.com");
    let page = c.get(to).await.text();
    assert!(
        page.contains("value=\"Ann@example.com\""),
        "the email is kept"
    );
    assert!(page.contains("The email or password is incorrect."));

    // With JavaScript (the app's fetch, which does not ask for HTML), a failure keeps its
    // own status and error shape, not a 500.
    let req = c
        .request(Method::POST, "/api/fn/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(
            "email=ann%40example.com&password=nope+nope+nope",
        ))
        .unwrap();
    let res = c.send(req).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text());
    assert_eq!(res.error().0, "invalid_credentials");

    // The right one: signed in, sent home.
    let req = form(
        &c,
        "/api/fn/login",
        "email=ann%40example.com&password=correct+horse+battery",
        Some("http://127.0.0.1:3000"),
    );
    let res = c.send(req).await;
    assert_eq!(res.headers[header::LOCATION], "/");
    assert_eq!(c.get("/api/auth/me").await.status, StatusCode::OK);
    let home = c.get("/").await.text();
    assert!(home.contains("Sign out"), "a sign-out control in the nav");

    // Signing out from the nav, without JavaScript.
    let req = form(&c, "/api/fn/logout", "", None);
    let res = c.send(req).await;
    assert!(res.status.is_redirection());
    assert_eq!(res.headers["clear-site-data"], "\"cache\", \"storage\"");
    assert_eq!(c.get("/api/auth/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn guests_are_sent_from_devices_to_login_and_users_from_login_home() {
    let app = TestApp::new().await;
    let mut guest = app.client();
    let res = guest.get("/devices").await;
    assert!(res.status.is_redirection(), "{}", res.status);
    assert_eq!(res.headers[header::LOCATION], "/login");

    let mut ann = app.client();
    ann.register("ann@example.com", PW).await;
    let res = ann.get("/login").await;
    assert_eq!(res.headers[header::LOCATION], "/");
    let page = ann.get("/devices").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("This device"), "{html}");
    assert!(html.contains("Sign out all other devices"));
}

#[tokio::test]
async fn the_password_form_works_without_javascript() {
    let app = TestApp::new().await;
    let mut laptop = app.client();
    laptop.register("ann@example.com", PW).await;
    let mut phone = app.client();
    phone.login("ann@example.com", PW).await;
    let form = |c: &crate::harness::Client, body: &str| {
        c.request(Method::POST, "/api/fn/change_password")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let res = laptop
        .send(form(
            &laptop,
            "currentPassword=wrong+one+here&newPassword=brand+new+one",
        ))
        .await;
    assert_eq!(
        res.headers[header::LOCATION],
        "/devices?error=reauthentication_required"
    );
    assert_eq!(phone.get("/api/auth/me").await.status, StatusCode::OK);

    let res = laptop
        .send(form(
            &laptop,
            "currentPassword=correct+horse+battery&newPassword=brand+new+one",
        ))
        .await;
    assert_eq!(res.headers[header::LOCATION], "/devices?password=1");
    assert_eq!(
        phone.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let page = laptop.get("/devices?password=1").await.text();
    assert!(page.contains("Your password was changed."));
    assert_eq!(
        app.client()
            .login("ann@example.com", "brand new one")
            .await
            .status,
        StatusCode::OK
    );
}
