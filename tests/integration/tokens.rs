//! Tokens for apps (`API.md`, "Tokens for apps"): issued by a password sign-in, used as
//! `Authorization: Bearer` on every route, refreshed, and listed and ended as devices.

use crate::audit::types;
use crate::harness::{Client, Res, TestApp, PW};
use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};

/// Asks for a token; returns the response.
async fn ask(c: &mut Client, email: &str, password: &str) -> Res {
    c.post(
        "/api/auth/token",
        json!({ "email": email, "password": password }),
    )
    .await
}

/// A client that is an app holding `token` (no cookies).
fn app_client(app: &TestApp, token: &str) -> Client {
    let mut c = app.client();
    c.user_agent = "squid-app/2.0 (cli)".into();
    c.extra
        .push(("authorization".into(), format!("Bearer {token}")));
    c
}

/// A token for the account, asked for by an app.
async fn token(app: &TestApp, email: &str) -> String {
    let mut c = app.client();
    c.user_agent = "squid-app/2.0 (cli)".into();
    let res = ask(&mut c, email, PW).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()["token"].as_str().unwrap().to_string()
}

fn challenge(res: &Res) -> &str {
    res.headers
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[tokio::test]
async fn a_token_is_issued_like_a_sign_in_and_sets_no_cookie() {
    let app = TestApp::new().await;
    let mut browser = app.client();
    let user = browser.register("ann@example.com", PW).await;

    let mut c = app.client();
    c.user_agent = "squid-app/2.0 (cli)".into();
    let res = ask(&mut c, "ann@example.com", PW).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert!(res.set_cookies().is_empty(), "{:?}", res.set_cookies());
    let body = res.json();
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 22, "128 bits, URL-safe base64");
    assert_eq!(body["user"], user);
    let expires = body["expiresAt"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires.len() == 24, "{expires}");
    app.assert_not_stored(&[token.as_bytes()]).await;

    let mut phone = app_client(&app, &token);
    assert_eq!(phone.get("/api/auth/me").await.json()["user"], user);
    let audit = phone.get("/api/audit").await.json();
    let login = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "login" && e["details"]["method"] == "token")
        .expect("a login by token");
    assert_eq!(login["userAgent"], "squid-app/2.0 (cli)");

    let res = ask(&mut c, "ann@example.com", "wrong password!").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "invalid_credentials");
    let res = c
        .post("/api/auth/token", json!({"email": "ann@example.com"}))
        .await;
    assert_eq!(
        res.error(),
        ("validation_failed".into(), Some("password".into()))
    );
}

#[tokio::test]
async fn failed_token_requests_count_toward_the_sign_in_throttle() {
    let app = TestApp::new().await;
    app.client().register("bo@example.com", PW).await;
    let mut c = app.client();
    for _ in 0..5 {
        assert_eq!(
            ask(&mut c, "bo@example.com", "not the password")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let res = ask(&mut c, "bo@example.com", PW).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(
        c.login("bo@example.com", PW).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn the_bearer_works_on_every_route_outside_the_csrf_rule_and_wins_over_cookies() {
    let app = TestApp::new().await;
    app.client().register("cy@example.com", PW).await;
    let t = token(&app, "cy@example.com").await;
    let mut phone = app_client(&app, &t);
    // A cross-site Origin would be a CSRF refusal for a cookie; a bearer is not ambient.
    phone
        .extra
        .push(("origin".into(), "https://elsewhere.example".into()));
    let res = phone
        .post("/api/session/page", json!({"page": "inbox"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert!(res.set_cookies().is_empty());
    let session = phone.get("/api/session").await.json();
    assert_eq!(session["user"]["email"], "cy@example.com");
    assert_eq!(crate::harness::page_names(&session), ["inbox"]);

    // Another user's cookie beside the bearer: the bearer wins.
    let mut both = app.client();
    both.register("di@example.com", PW).await;
    both.user_agent = "squid-app/2.0 (cli)".into();
    both.extra
        .push(("authorization".into(), format!("Bearer {t}")));
    assert_eq!(
        both.get("/api/auth/me").await.json()["user"]["email"],
        "cy@example.com"
    );
    // A bad bearer beside a good cookie: no session at all, and the cookie is left alone.
    both.extra[0].1 = "Bearer not-a-token".into();
    let res = both.get("/api/auth/me").await;
    assert_eq!(
        (res.status, res.error().0.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    assert!(challenge(&res).starts_with("Bearer"), "{:?}", res.headers);
    assert!(res.set_cookies().is_empty());
    both.extra.clear();
    both.user_agent = crate::harness::UA.into();
    assert_eq!(
        both.get("/api/auth/me").await.json()["user"]["email"],
        "di@example.com"
    );
}

#[tokio::test]
async fn malformed_unknown_and_misplaced_tokens_are_no_session() {
    let app = TestApp::new().await;
    let mut browser = app.client();
    browser.register("ed@example.com", PW).await;
    let cookie_token = browser.session_token().unwrap();
    let t = token(&app, "ed@example.com").await;
    let unknown = "AAAAAAAAAAAAAAAAAAAAAA";
    for bearer in ["", "abc", unknown, cookie_token.as_str()] {
        let mut c = app_client(&app, bearer);
        if bearer == cookie_token {
            c.user_agent = crate::harness::UA.into();
        }
        let res = c.get("/api/session").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{bearer}");
        assert_eq!(res.error().0, "no_session");
        assert!(
            challenge(&res).contains("invalid_token"),
            "{bearer}: {:?}",
            res.headers
        );
    }
    // The browser's session was not ended by its token's misuse.
    assert_eq!(browser.get("/api/auth/me").await.status, StatusCode::OK);
    // An app's token in a cookie is not a session either (and that cookie is expired).
    let mut planted = app.client();
    planted.user_agent = "squid-app/2.0 (cli)".into();
    planted.jar.insert("squid_session".into(), t.clone());
    let res = planted.get("/api/session").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(challenge(&res).is_empty(), "no bearer, no challenge");
    assert!(planted.session_token().is_none());
    assert_eq!(
        app_client(&app, &t).get("/api/auth/me").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn refresh_gives_the_same_session_a_new_token_and_kills_the_old_one() {
    let app = TestApp::new().await;
    app.client().register("fy@example.com", PW).await;
    let old = token(&app, "fy@example.com").await;
    let mut phone = app_client(&app, &old);
    phone.post("/api/session/page", json!({"page": "a"})).await;
    let req = phone
        .request(Method::PUT, "/api/session/data/cart")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"value": ["tea"]}).to_string()))
        .unwrap();
    assert_eq!(phone.send(req).await.status, StatusCode::CREATED);
    let before = phone.get("/api/session").await.json();

    let res = phone.post("/api/auth/token/refresh", Value::Null).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert!(res.set_cookies().is_empty());
    let body = res.json();
    let new = body["token"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(body["user"]["email"], "fy@example.com");

    let res = phone.get("/api/session").await;
    assert_eq!(
        res.status,
        StatusCode::UNAUTHORIZED,
        "the old token is dead at once"
    );
    let mut phone = app_client(&app, &new);
    let after = phone.get("/api/session").await.json();
    assert_eq!(after["id"], before["id"]);
    assert_eq!(after["startTime"], before["startTime"]);
    assert_eq!(crate::harness::page_names(&after), ["a"]);
    assert_eq!(
        phone.get("/api/session/data/cart").await.json()["value"],
        json!(["tea"])
    );
    app.assert_not_stored(&[new.as_bytes(), old.as_bytes()])
        .await;

    // A browser's session is not refreshed this way.
    let mut browser = app.client();
    browser.login("fy@example.com", PW).await;
    let res = browser.post("/api/auth/token/refresh", Value::Null).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_token_session_is_a_device_listed_and_ended_like_any_other() {
    let app = TestApp::new().await;
    let mut browser = app.client();
    browser.register("gu@example.com", PW).await;
    let t = token(&app, "gu@example.com").await;
    let mut phone = app_client(&app, &t);
    let phone_id = phone.get("/api/session").await.json()["id"].clone();

    let list = browser.get("/api/sessions").await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let listed = items.iter().find(|d| d["id"] == phone_id).expect("the app");
    assert_eq!(
        (&listed["app"], &listed["userAgent"]),
        (&json!(true), &json!("squid-app/2.0 (cli)"))
    );
    assert!(items
        .iter()
        .any(|d| d["current"] == true && d["app"] == false));

    let res = browser
        .delete(&format!("/api/sessions/{}", phone_id.as_str().unwrap()))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(
        phone.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Sign-out with the bearer.
    let t = token(&app, "gu@example.com").await;
    let mut phone = app_client(&app, &t);
    assert_eq!(
        phone.post("/api/auth/logout", Value::Null).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        phone.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let audit = browser.get("/api/audit").await.json();
    assert!(types(&audit).contains(&"logout".to_string()));

    // A password change ends it; so does erasure.
    let t = token(&app, "gu@example.com").await;
    let res = browser
        .post(
            "/api/auth/password",
            json!({"currentPassword": PW, "newPassword": "another good one"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(
        app_client(&app, &t).get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut c = app.client();
    c.user_agent = "squid-app/2.0 (cli)".into();
    let t = ask(&mut c, "gu@example.com", "another good one")
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let res = browser
        .json(
            Method::DELETE,
            "/api/account",
            json!({"password": "another good one"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(
        app_client(&app, &t).get("/api/session").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_count_toward_the_cap_and_reauthentication_keeps_the_token() {
    let app = TestApp::with_env(&[("MAX_SESSIONS_PER_USER", "2")]).await;
    let second = std::time::Duration::from_secs(1);
    let mut browser = app.client();
    browser.register("hal@example.com", PW).await;
    app.advance(second);
    let first = token(&app, "hal@example.com").await;
    app.advance(second);
    // Over the cap of 2: the least recently active session (the browser's) ends.
    let second_token = token(&app, "hal@example.com").await;
    assert_eq!(
        browser.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    app.advance(second);
    let third = token(&app, "hal@example.com").await;
    assert_eq!(
        app_client(&app, &first).get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app_client(&app, &second_token)
            .get("/api/auth/me")
            .await
            .status,
        StatusCode::OK
    );

    let mut third_app = app_client(&app, &third);
    let res = third_app
        .post("/api/auth/reauth", json!({"password": PW}))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert!(res.set_cookies().is_empty());
    assert_eq!(third_app.get("/api/auth/me").await.status, StatusCode::OK);
}
