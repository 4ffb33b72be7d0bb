//! Erasure: nothing of the user is left in any table, every device is signed out, and
//! requests in flight cannot write the account back.

use crate::consent::consent;
use crate::harness::{TestApp, PW};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::Row;
use squid::domain::sessions::NewSession;
use squid::domain::tracking::Label;
use squid::domain::{AuditEvent, AuditKind, Origin};

/// Every table's every row, as text (blobs as hex), with the table's name.
async fn every_row(app: &TestApp) -> Vec<(String, String)> {
    let (tables, rows) = app.every_row().await;
    for must in [
        "audit",
        "consents",
        "events",
        "login_attempts",
        "session_log",
        "sessions",
        "user_preferences",
        "users",
    ] {
        assert!(tables.iter().any(|t| t == must), "{must} is scanned");
    }
    rows
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[tokio::test]
async fn erasure_leaves_no_row_of_the_user_in_any_table() {
    let app = TestApp::new().await;
    // Bob's data must come through untouched.
    let mut bob = app.client();
    bob.user_agent = "Bob-Browser".into();
    let bob_user = bob.register("bob@example.com", PW).await;
    bob.get("/").await;
    consent(&mut bob, "marketing", json!(true)).await;

    let mut laptop = app.client();
    laptop.user_agent = "Ann-Laptop".into();
    laptop.get("/").await;
    let ann = laptop.register("ann@example.com", PW).await;
    let ann_id = ann["id"].as_str().unwrap().to_string();
    laptop
        .post(
            "/api/session/action",
            json!({"action": "clicked on Settings"}),
        )
        .await;
    laptop
        .post("/api/preferences", json!({"language": "es"}))
        .await;
    consent(&mut laptop, "analytics", json!(false)).await;
    let mut phone = app.client();
    phone.user_agent = "Ann-Phone".into();
    assert_eq!(
        phone
            .login("ann@example.com", "wrong password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    phone.login("ann@example.com", PW).await;
    phone.get("/preferences").await;
    let mut tablet = app.client();
    tablet.user_agent = "Ann-Tablet".into();
    tablet.login("ann@example.com", PW).await;
    tablet.post("/api/auth/logout", Value::Null).await;
    // A failed attempt left in the throttle's window.
    tablet.login("ann@example.com", "wrong again").await;
    let export = laptop.get("/api/gdpr/export").await.json();
    let session_ids: Vec<String> = export["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(session_ids.len(), 4);
    let before = every_row(&app).await;

    // A wrong password deletes nothing.
    let res = laptop
        .json(
            Method::DELETE,
            "/api/gdpr/delete",
            json!({"password": "not it at all"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "reauthentication_required");
    assert_eq!(laptop.get("/api/auth/me").await.status, StatusCode::OK);
    let after_refusal = every_row(&app).await;
    // Only the refusal's own traces were added: a login_failed entry and a throttle row.
    for row in &before {
        assert!(after_refusal.contains(row), "kept {row:?}");
    }
    assert_eq!(after_refusal.len(), before.len() + 2);
    let res = laptop
        .json(Method::DELETE, "/api/gdpr/delete", json!({}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error().1.as_deref(), Some("password"));

    let token = laptop.session_token().unwrap();
    let res = laptop
        .json(Method::DELETE, "/api/gdpr/delete", json!({"password": PW}))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    let cleared = res.headers["clear-site-data"].to_str().unwrap();
    assert!(cleared.contains("\"cookies\"") && cleared.contains("\"storage\""));
    let session_cookie = res
        .set_cookie("squid_session")
        .expect("session cookie expired");
    assert!(session_cookie.contains("Max-Age=0"), "{session_cookie}");
    let prefs_cookie = res.set_cookie("squid_prefs").expect("prefs cookie expired");
    assert!(prefs_cookie.contains("Max-Age=0"), "{prefs_cookie}");
    assert!(laptop.session_token().is_none());

    // Every device is signed out at once.
    let res = phone.get("/api/auth/me").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let mut replay = app.client();
    replay.user_agent = "Ann-Laptop".into();
    replay.jar.insert("squid_session".into(), token);
    assert_eq!(
        replay.get("/api/session").await.status,
        StatusCode::UNAUTHORIZED
    );

    // No row anywhere names Ann: not her id, email, sessions, devices or email's hash.
    let email_hash = {
        use sha2::Digest;
        hex_upper(&sha2::Sha256::digest(b"ann@example.com"))
    };
    let mut needles = vec![
        ann_id.clone(),
        "ann@example.com".to_string(),
        "Ann-Laptop".into(),
        "Ann-Phone".into(),
        "Ann-Tablet".into(),
        email_hash,
    ];
    needles.extend(session_ids.iter().cloned());
    let rows = every_row(&app).await;
    for (table, row) in &rows {
        for needle in &needles {
            assert!(
                !row.contains(needle.as_str()),
                "{table} still holds {needle}: {row}"
            );
        }
    }
    // Bob is untouched: every row of his is still there.
    let bob_id = bob_user["id"].as_str().unwrap();
    for row in before
        .iter()
        .filter(|(_, r)| r.contains(bob_id) || r.contains("Bob-Browser"))
    {
        assert!(rows.contains(row), "Bob's {row:?} survived");
    }
    assert_eq!(bob.get("/api/auth/me").await.status, StatusCode::OK);
    // Ann's audit entries remain as type and time only, and the erasure itself is there.
    let anonymous: Vec<(String, Option<String>, Option<String>)> = sqlx::query(
        "SELECT type, ip, user_agent FROM audit WHERE user_id IS NULL AND session_id IS NULL AND details IS NULL",
    )
    .fetch_all(app.sql())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect();
    assert!(anonymous
        .iter()
        .all(|(_, ip, ua)| ip.is_none() && ua.is_none()));
    let types: Vec<&str> = anonymous.iter().map(|(t, _, _)| t.as_str()).collect();
    for t in [
        "login",
        "login_failed",
        "logout",
        "consent_changed",
        "data_exported",
        "account_deleted",
    ] {
        assert!(types.contains(&t), "{t} kept anonymously in {types:?}");
    }

    // The email can sign in no more, and can register again to find nothing old.
    let res = phone.login("ann@example.com", PW).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "invalid_credentials");
    let mut fresh = app.client();
    let again = fresh.register("ann@example.com", PW).await;
    assert_ne!(again["id"], ann["id"]);
    let export = fresh.get("/api/gdpr/export").await.json();
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
    assert!(export["activity"].as_array().unwrap().is_empty());
    assert!(export["consents"]["history"].as_array().unwrap().is_empty());
    assert_eq!(export["preferences"], Value::Null);
    let audit: Vec<&str> = export["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(audit, ["login", "data_exported"]);
}

#[tokio::test]
async fn delete_account_is_the_same_erasure() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("cy@example.com", PW).await;
    let res = c
        .json(Method::DELETE, "/api/account", json!({"password": PW}))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(app.sql())
        .await
        .unwrap();
    assert_eq!(users, 0);
    // A guest has nothing to erase.
    let res = c
        .json(Method::DELETE, "/api/account", json!({"password": PW}))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "unauthenticated");
}

#[tokio::test]
async fn requests_in_flight_cannot_write_rows_of_an_erased_account() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let user = c.register("dee@example.com", PW).await;
    let id = user["id"].as_str().unwrap().to_string();
    let record = c.get("/api/session").await.json();
    let res = c
        .json(Method::DELETE, "/api/account", json!({"password": PW}))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let now = app.now();
    let domain = app.domain();

    // A sign-in that checked the password just before: its session is refused.
    let new = NewSession {
        user_id: Some(id.clone()),
        user_agent: "late-request-ua".into(),
        auth_at: Some(now),
        ..NewSession::default()
    };
    let mut tx = app.store().begin().await.unwrap();
    assert!(domain
        .sessions
        .start(&mut *tx, new.clone(), now)
        .await
        .is_err());
    drop(tx);
    // A page view already queued for the erased user: dropped.
    let mut late = new.into_record(now);
    late.public_id = record["id"].as_str().unwrap().to_string();
    let page = Label::parse("page", Some("late-request-ua".into())).unwrap();
    domain.tracking.log_page(&late, &page, now).await.unwrap();
    // An audit entry about them: anonymised as it lands.
    domain
        .audit
        .record(
            AuditEvent::new(
                AuditKind::PreferencesChanged,
                Some(id.clone()),
                now,
                Origin {
                    ip: Some("10.0.0.9".into()),
                    user_agent: Some("late-request-ua".into()),
                },
            )
            .details(json!({"theme": "dark"})),
        )
        .await
        .unwrap();
    for (table, row) in every_row(&app).await {
        assert!(!row.contains(&id), "{table}: {row}");
        assert!(!row.contains("late-request-ua"), "{table}: {row}");
    }
    let kept: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit WHERE type = 'preferences_changed' AND user_id IS NULL",
    )
    .fetch_one(app.sql())
    .await
    .unwrap();
    assert_eq!(kept, 1);
}
