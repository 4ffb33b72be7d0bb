//! Proving who one is again: the password change, re-authentication, and the sign-in time
//! a replaced session keeps.

use crate::harness::{TestApp, PW};
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let app = TestApp::new().await;
    let mut laptop = app.client();
    laptop.register("ann@example.com", PW).await;
    let mut phone = app.client();
    assert_eq!(
        phone.login("ann@example.com", PW).await.status,
        StatusCode::OK
    );

    let res = laptop
        .post(
            "/api/auth/password",
            json!({"currentPassword": "wrong one", "newPassword": "new password 1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "reauthentication_required");
    let res = laptop
        .post(
            "/api/auth/password",
            json!({"currentPassword": PW, "newPassword": "short"}),
        )
        .await;
    assert_eq!(res.error().1.as_deref(), Some("newPassword"));
    assert_eq!(
        phone.get("/api/auth/me").await.status,
        StatusCode::OK,
        "nothing changed yet"
    );

    let res = laptop
        .post(
            "/api/auth/password",
            json!({"currentPassword": PW, "newPassword": "new password 1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(
        phone.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        laptop.get("/api/auth/me").await.status,
        StatusCode::OK,
        "this one stays"
    );
    assert_eq!(
        app.client().login("ann@example.com", PW).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.client()
            .login("ann@example.com", "new password 1")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn reauthentication_rotates_the_token() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("ann@example.com", PW).await;
    let before = c.session_token().unwrap();
    let res = c
        .post("/api/auth/reauth", json!({"password": "wrong password"}))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "reauthentication_required");
    assert_eq!(
        c.session_token().unwrap(),
        before,
        "a failure changes nothing"
    );

    let res = c.post("/api/auth/reauth", json!({"password": PW})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let after = c.session_token().unwrap();
    assert_ne!(before, after);
    assert_eq!(c.get("/api/auth/me").await.status, StatusCode::OK);
    let mut old = app.client();
    old.jar.insert("squid_session".into(), before);
    assert_eq!(
        old.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Guests have nothing to re-authenticate.
    let res = app
        .client()
        .post("/api/auth/reauth", json!({"password": PW}))
        .await;
    assert_eq!(res.error().0, "unauthenticated");
}

#[tokio::test]
async fn post_session_keeps_the_user_and_the_sign_in_time() {
    let app = TestApp::with_env(&[("REAUTH_WINDOW_SECS", "1")]).await;
    let mut c = app.client();
    c.register("ann@example.com", PW).await;
    let fresh = c.start().await;
    assert_eq!(fresh["user"]["email"], "ann@example.com");
    // Replaced, not signed out: the audit shows the sign-in only.
    let audit = c.get("/api/audit").await.json();
    assert_eq!(audit["total"], 1, "{audit}");
    assert_eq!(audit["items"][0]["type"], "login");
    // The sign-in time came along: recent now, stale after the window, new session or not.
    assert_eq!(
        c.delete("/api/sessions").await.status,
        StatusCode::NO_CONTENT
    );
    app.advance(std::time::Duration::from_millis(1100));
    c.start().await;
    let res = c.delete("/api/sessions").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "reauthentication_required");
}
