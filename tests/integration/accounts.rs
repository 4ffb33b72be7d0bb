//! Accounts: register, sign in, sign out, `me`, password change, re-authentication, the
//! sign-in throttle, fixation defence, and what a sign-in does to history and preferences.

use crate::harness::TestApp;
use axum::http::{header, StatusCode};
use serde_json::json;

const PW: &str = "correct horse battery";

#[tokio::test]
async fn register_signs_in_and_normalises_the_email() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let res = c
        .post(
            "/api/auth/register",
            json!({"email": "  Ann@Example.COM ", "password": PW, "displayName": " Ann "}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let user = res.json()["user"].clone();
    assert_eq!(user["email"], "ann@example.com");
    assert_eq!(user["displayName"], "Ann");
    assert_eq!(user["role"], "user");
    assert!(uuid::Uuid::parse_str(user["id"].as_str().unwrap()).is_ok());
    assert!(user["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(c.session_token().is_some());

    let me = c.get("/api/auth/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["user"], user);
    let session = c.get("/api/session").await.json();
    assert_eq!(session["user"], user);

    // The hash is argon2id, never the password.
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&app.db().reports)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(!hash.contains(PW));

    // The same email, in any case, is taken.
    let mut other = app.client();
    let res = other
        .post(
            "/api/auth/register",
            json!({"email": "ANN@example.com", "password": PW}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error().0, "email_taken");
}

#[tokio::test]
async fn register_rejects_bad_input_naming_the_field() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let long_email = format!("{}@example.com", "a".repeat(250));
    for (body, field) in [
        (json!({"email": "not-an-email", "password": PW}), "email"),
        (json!({"email": long_email, "password": PW}), "email"),
        (
            json!({"email": "a@example.com", "password": "short"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "password": "x".repeat(129)}),
            "password",
        ),
        (json!({"email": "a@example.com"}), "password"),
        (json!({"email": 5, "password": PW}), "email"),
        (
            json!({"email": "a@example.com", "password": PW, "role": "admin"}),
            "role",
        ),
    ] {
        let res = c.post("/api/auth/register", body.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(res.error().1.as_deref(), Some(field), "{body}");
    }
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.db().reports)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[tokio::test]
async fn me_is_401_unauthenticated_for_guests() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    let res = c.get("/api/auth/me").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "unauthenticated");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_answer_alike() {
    let app = TestApp::new().await;
    app.client().register("ann@example.com", PW).await;
    let mut c = app.client();
    let wrong = c.login("ann@example.com", "wrong password").await;
    let unknown = c.login("nobody@example.com", PW).await;
    let malformed = c.login("not an email", PW).await;
    for res in [&wrong, &unknown, &malformed] {
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(res.error().0, "invalid_credentials");
    }
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.body, malformed.body);
    assert!(c.session_token().is_none(), "no session was started");

    // Alike in time too, because alike in work: each failure, whatever its cause, ran
    // exactly one argon2id verification (against a dummy hash when there is no account).
    // Counting the work is exact where timing it would be at the mercy of a busy machine;
    // the seconds are measured outside the tests (see the issue note).
    let before = app.state.accounts.verifications();
    for email in ["ann@example.com", "nobody@example.com", "not an email"] {
        let res = c.login(email, "wrong password").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.state.accounts.verifications() - before, 3);
    let res = c.login("ann@example.com", PW).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(app.state.accounts.verifications() - before, 4);
}

#[tokio::test]
async fn login_rotates_the_token_and_the_old_one_is_dead() {
    let app = TestApp::new().await;
    app.client().register("ann@example.com", PW).await;
    let mut c = app.client();
    let guest = c.start().await;
    let guest_token = c.session_token().unwrap();
    let res = c.login("ann@example.com", PW).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["user"]["email"], "ann@example.com");
    let user_token = c.session_token().unwrap();
    assert_ne!(guest_token, user_token, "a new token at sign-in");
    let now = c.get("/api/session").await.json();
    assert_ne!(now["id"], guest["id"], "a new session");

    // An attacker who planted or kept the guest token has nothing.
    let mut attacker = app.client();
    attacker.jar.insert("squid_session".into(), guest_token);
    let res = attacker.get("/api/session").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        attacker.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn what_the_guest_recorded_becomes_the_users_history() {
    let app = TestApp::new().await;
    let mut elsewhere = app.client();
    elsewhere.register("ann@example.com", PW).await;
    elsewhere
        .post("/api/session/page", json!({"page": "on-laptop"}))
        .await;

    let mut c = app.client();
    c.start().await;
    c.post("/api/session/page", json!({"page": "pricing"}))
        .await;
    c.post("/api/session/action", json!({"action": "clicked on Buy"}))
        .await;
    assert_eq!(c.login("ann@example.com", PW).await.status, StatusCode::OK);
    c.post("/api/session/page", json!({"page": "dashboard"}))
        .await;

    let feed = c.get("/api/activity?perPage=100").await.json();
    let items = feed["items"].as_array().unwrap();
    let pages: Vec<&str> = items.iter().filter_map(|i| i["page"].as_str()).collect();
    for page in ["pricing", "dashboard", "on-laptop"] {
        assert!(pages.contains(&page), "{page} in {pages:?}");
    }
    assert!(items.iter().any(|i| i["action"] == "clicked on Buy"));
    let kinds: Vec<&str> = items.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "login").count(),
        2,
        "{kinds:?}"
    );
    // The same from the other device: one history across devices.
    let there = elsewhere.get("/api/activity?perPage=100").await.json();
    assert_eq!(there["total"], feed["total"]);
}

#[tokio::test]
async fn an_account_without_preferences_adopts_the_cookie_and_then_wins_everywhere() {
    let app = TestApp::new().await;
    let mut laptop = app.client();
    laptop
        .post(
            "/api/preferences",
            json!({"theme": "dark", "language": "de"}),
        )
        .await;
    laptop.register("ann@example.com", PW).await;
    let prefs = laptop.get("/api/preferences").await.json();
    assert_eq!(prefs["theme"], "dark");
    assert_eq!(prefs["language"], "de");
    assert_eq!(prefs["source"], "account");

    // A phone with its own cookie signs in: the account's win and the cookie is rewritten.
    let mut phone = app.client();
    phone
        .post(
            "/api/preferences",
            json!({"theme": "light", "language": "fr"}),
        )
        .await;
    let res = phone.login("ann@example.com", PW).await;
    assert!(res.set_cookie("squid_prefs").is_some(), "cookie rewritten");
    let prefs = phone.get("/api/preferences").await.json();
    assert_eq!(
        (prefs["theme"].as_str(), prefs["language"].as_str()),
        (Some("dark"), Some("de"))
    );

    // A change on the phone shows on the laptop's next page, and its cookie follows.
    phone
        .post("/api/preferences", json!({"language": "Spanish"}))
        .await;
    let page = laptop.get("/").await;
    assert!(
        page.text().contains("lang=\"es\""),
        "{}",
        &page.text()[..300]
    );
    assert!(
        page.set_cookie("squid_prefs").is_some(),
        "cookie mirrors the account"
    );
    assert_eq!(
        laptop.get("/api/preferences").await.json()["language"],
        "es"
    );

    // After sign-out the device keeps its (mirrored) cookie: still Spanish, as a guest.
    laptop.post("/api/auth/logout", json!({})).await;
    let prefs = laptop.get("/api/preferences").await.json();
    assert_eq!(
        (prefs["language"].as_str(), prefs["source"].as_str()),
        (Some("es"), Some("cookie"))
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_site_data_but_not_cookies() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.post("/api/preferences", json!({"theme": "dark"})).await;
    c.register("ann@example.com", PW).await;
    let token = c.session_token().unwrap();
    let res = c.post("/api/auth/logout", json!({})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        res.headers.get("clear-site-data").unwrap(),
        "\"cache\", \"storage\""
    );
    let expired = res
        .set_cookie("squid_session")
        .expect("the session cookie is expired");
    assert!(expired.contains("Max-Age=0"), "{expired}");
    assert!(res.set_cookie("squid_prefs").is_none());
    assert!(c.jar.contains_key("squid_prefs"));
    assert_eq!(c.get("/api/auth/me").await.status, StatusCode::UNAUTHORIZED);

    let mut replay = app.client();
    replay.jar.insert("squid_session".into(), token);
    assert_eq!(
        replay.get("/api/session").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Without a session: 204 all the same.
    let res = app.client().post("/api/auth/logout", json!({})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn five_failures_lock_the_email_for_fifteen_minutes_even_with_the_right_password() {
    let app = TestApp::new().await;
    app.client().register("ann@example.com", PW).await;
    let mut c = app.client();
    for _ in 0..5 {
        assert_eq!(
            c.login("ann@example.com", "nope nope").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let res = c.login("ANN@example.com", PW).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.error().0, "rate_limited");
    let retry: u64 = res.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((880..=900).contains(&retry), "Retry-After {retry}");

    // Emails without an account are limited exactly alike.
    for _ in 0..5 {
        assert_eq!(
            c.login("ghost@example.com", PW).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        c.login("ghost@example.com", PW).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Other emails are not affected.
    app.client().register("bob@example.com", PW).await;
    assert_eq!(c.login("bob@example.com", PW).await.status, StatusCode::OK);

    // When the oldest failure leaves the window, one attempt is free again.
    sqlx::query("UPDATE login_attempts SET at = at - 15 * 60 * 1000")
        .execute(&app.db().primary)
        .await
        .unwrap();
    assert_eq!(
        app.client().login("ann@example.com", PW).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_success_clears_the_count_and_concurrent_guesses_cannot_pass_the_limit() {
    let app = TestApp::new().await;
    app.client().register("ann@example.com", PW).await;
    let mut c = app.client();
    for _ in 0..4 {
        c.login("ann@example.com", "nope nope").await;
    }
    assert_eq!(c.login("ann@example.com", PW).await.status, StatusCode::OK);
    for _ in 0..4 {
        assert_eq!(
            app.client()
                .login("ann@example.com", "nope nope")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }

    // Twenty guesses at once on a fresh email: exactly five are checked.
    app.client().register("bob@example.com", PW).await;
    let guesses = (0..20).map(|_| {
        let mut c = app.client();
        tokio::spawn(async move { c.login("bob@example.com", "nope nope").await.status })
    });
    let mut checked = 0;
    for g in guesses {
        if g.await.unwrap() == StatusCode::UNAUTHORIZED {
            checked += 1;
        }
    }
    assert_eq!(checked, 5);
}

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
async fn failed_reauthentications_count_toward_the_limit() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("ann@example.com", PW).await;
    for _ in 0..5 {
        c.post("/api/auth/reauth", json!({"password": "wrong password"}))
            .await;
    }
    let res = c.post("/api/auth/reauth", json!({"password": PW})).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(
        app.client().login("ann@example.com", PW).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
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
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    c.start().await;
    let res = c.delete("/api/sessions").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "reauthentication_required");
}

#[tokio::test]
async fn admin_emails_and_the_cli_set_the_role() {
    let app = TestApp::with_env(&[("ADMIN_EMAILS", "Boss@Example.com, other@example.com")]).await;
    let boss = app.client().register("boss@example.com", PW).await;
    assert_eq!(boss["role"], "admin");
    let mut ann = app.client();
    assert_eq!(ann.register("ann@example.com", PW).await["role"], "user");

    use squid::cli::{admin, AdminAction};
    let config = &app.state.config;
    let line = admin(
        config,
        app.db().clone(),
        &AdminAction::Grant {
            email: "ANN@example.com".into(),
        },
    )
    .await
    .unwrap();
    assert!(line.contains("now an admin"), "{line}");
    // Takes effect on the next request, no new sign-in needed.
    assert_eq!(
        ann.get("/api/auth/me").await.json()["user"]["role"],
        "admin"
    );
    admin(
        config,
        app.db().clone(),
        &AdminAction::Revoke {
            email: "ann@example.com".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(ann.get("/api/auth/me").await.json()["user"]["role"], "user");
    let err = admin(
        config,
        app.db().clone(),
        &AdminAction::Grant {
            email: "nobody@example.com".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(err.contains("no account"), "{err}");
}

#[tokio::test]
async fn stale_sign_in_attempts_are_pruned() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.login("ghost@example.com", PW).await;
    c.login("other@example.com", PW).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM login_attempts")
            .fetch_one(&app.db().reports)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 2);
    let now = squid::domain::now_millis();
    assert_eq!(
        app.state.accounts.prune_attempts(now).await.unwrap(),
        0,
        "still in the window"
    );
    assert_eq!(
        app.state
            .accounts
            .prune_attempts(now + 15 * 60 * 1000 + 1000)
            .await
            .unwrap(),
        2
    );
    assert_eq!(count().await, 0);
}
