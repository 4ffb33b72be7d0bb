//! Consent, export, erasure and retention (`API.md`, "Consent, privacy and GDPR").

use crate::harness::{Client, TestApp};
use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use sqlx::Row;
use squid::domain::audit::{AuditEvent, AuditKind, Origin};
use squid::domain::now_millis;
use squid::domain::sessions::{EndReason, NewSession, Token};

const PW: &str = "correct horse battery";
const DAY: i64 = 24 * 60 * 60 * 1000;

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().expect("items")
}

async fn consent(c: &mut Client, kind: &str, granted: Value) -> crate::harness::Res {
    c.post("/api/consent", json!({ "type": kind, "granted": granted }))
        .await
}

#[tokio::test]
async fn consent_starts_from_the_defaults_and_keeps_every_choice() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let res = c.get("/api/consent").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "unauthenticated");

    c.register("ann@example.com", PW).await;
    let state = c.get("/api/consent").await.json();
    assert_eq!(state["policyVersion"], "1");
    assert_eq!(
        state["items"],
        json!([
            {"type": "analytics", "granted": true, "version": "1", "updatedAt": null},
            {"type": "marketing", "granted": false, "version": "1", "updatedAt": null},
        ])
    );

    let res = consent(&mut c, "marketing", json!(true)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let item = res.json();
    assert_eq!(
        (&item["type"], &item["granted"], &item["version"]),
        (&json!("marketing"), &json!(true), &json!("1"))
    );
    assert!(item["updatedAt"].as_str().unwrap().ends_with('Z'));
    // A repeated choice is kept too.
    assert_eq!(
        consent(&mut c, "marketing", json!(true)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        consent(&mut c, "analytics", json!(false)).await.status,
        StatusCode::OK
    );

    let state = c.get("/api/consent").await.json();
    assert_eq!(state["items"][0]["granted"], false);
    assert_eq!(state["items"][1]["granted"], true);
    let history = c.get("/api/consent/history").await.json();
    let kept: Vec<(String, bool)> = items(&history)
        .iter()
        .map(|i| {
            assert_eq!(i["version"], "1");
            assert!(i["at"].as_str().unwrap().ends_with('Z'));
            assert_eq!(i["method"], "api");
            (
                i["type"].as_str().unwrap().into(),
                i["granted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [
            ("analytics".to_string(), false),
            ("marketing".to_string(), true),
            ("marketing".to_string(), true)
        ]
    );
    // Each choice is audited.
    let audit = c.get("/api/audit").await.json();
    let changes: Vec<&Value> = items(&audit)
        .iter()
        .filter(|e| e["type"] == "consent_changed")
        .collect();
    assert_eq!(changes.len(), 3);
    assert_eq!(
        changes[0]["details"],
        json!({"type": "analytics", "granted": false, "version": "1", "method": "api"})
    );

    // Bad input names the field and changes nothing.
    for (body, field) in [
        (json!({"type": "ads", "granted": true}), "type"),
        (json!({"type": 3, "granted": true}), "type"),
        (json!({"granted": true}), "type"),
        (json!({"type": "analytics", "granted": "yes"}), "granted"),
        (json!({"type": "analytics"}), "granted"),
        (
            json!({"type": "analytics", "granted": true, "why": 1}),
            "why",
        ),
    ] {
        let res = c.post("/api/consent", body.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(res.error().1.as_deref(), Some(field), "{body}");
    }
    assert_eq!(items(&c.get("/api/consent/history").await.json()).len(), 3);
}

#[tokio::test]
async fn a_new_policy_version_asks_again_on_the_next_page() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("ann@example.com", PW).await;
    // Never chosen: the pages ask.
    assert!(c.get("/").await.text().contains("id=\"consent-prompt\""));
    consent(&mut c, "marketing", json!(true)).await;
    let page = c.get("/").await.text();
    assert!(!page.contains("id=\"consent-prompt\""));

    let app = app.restart(&[("CONSENT_POLICY_VERSION", "2")]).await;
    c.attach(&app);
    let state = c.get("/api/consent").await.json();
    assert_eq!(state["policyVersion"], "2");
    // The choices stand, made under version 1, until the user answers again.
    assert_eq!(state["items"][1]["granted"], true);
    assert_eq!(state["items"][1]["version"], "1");
    let page = c.get("/preferences").await.text();
    assert!(page.contains("id=\"consent-prompt\""), "{page}");

    // The prompt's answer ("Keep my choices"), without JavaScript: both kinds recorded
    // under version 2, and back to the page it was given on (never to another site).
    let res = c
        .form("/api/fn/confirm_consent", "return_to=%2Fpreferences", true)
        .await;
    assert!(res.status.is_redirection(), "{}", res.status);
    assert_eq!(res.headers[header::LOCATION], "/preferences");
    let state = c.get("/api/consent").await.json();
    for item in items(&state) {
        assert_eq!(item["version"], "2");
    }
    assert_eq!(state["items"][0]["granted"], true);
    assert_eq!(state["items"][1]["granted"], true);
    let history = c.get("/api/consent/history").await.json();
    assert_eq!(items(&history)[0]["method"], "prompt");
    assert!(!c.get("/").await.text().contains("id=\"consent-prompt\""));
}

#[tokio::test]
async fn the_privacy_page_works_without_javascript() {
    let app = TestApp::with_env(&[("DATA_RETENTION_DAYS", "45")]).await;
    let mut c = app.client();
    // Guests are sent to sign in.
    let res = c.get("/privacy").await;
    assert_eq!(res.status, StatusCode::FOUND);
    assert_eq!(res.headers[header::LOCATION], "/login");
    c.register("eve@example.com", PW).await;
    let page = c.get("/privacy").await.text();
    assert!(page.contains("Save consent") && page.contains("Delete my account"));
    assert!(
        page.contains("href=\"/api/gdpr/export\""),
        "Download my data links the export"
    );
    assert!(page.contains("after 45 days."), "{page}");
    // The defaults, ticked as they hold: analytics on, marketing off.
    assert!(page.contains("id=\"consent-analytics\" name=\"analytics\" value=\"on\" checked"));
    assert!(!page.contains("id=\"consent-marketing\" name=\"marketing\" value=\"on\" checked"));
    // The prompt is not shown on the page that asks in its own words.
    assert!(!page.contains("id=\"consent-prompt\""));

    // Untick analytics, tick marketing: both recorded, from this page.
    let res = c.form("/api/fn/save_consent", "marketing=on", true).await;
    assert_eq!(res.headers[header::LOCATION], "/privacy?saved=1");
    let page = c.get("/privacy?saved=1").await.text();
    assert!(page.contains("Your consent choices were saved."));
    assert!(!page.contains("id=\"consent-analytics\" name=\"analytics\" value=\"on\" checked"));
    assert!(page.contains("id=\"consent-marketing\" name=\"marketing\" value=\"on\" checked"));
    let history = c.get("/api/consent/history").await.json();
    let methods: Vec<&str> = items(&history)
        .iter()
        .map(|i| i["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["privacy_page", "privacy_page"]);

    // A wrong password deletes nothing and says so; the right one erases and signs out.
    let res = c
        .form("/api/fn/delete_account", "password=not+my+password", true)
        .await;
    assert_eq!(
        res.headers[header::LOCATION],
        "/privacy?error=reauthentication_required"
    );
    let page = c
        .get("/privacy?error=reauthentication_required")
        .await
        .text();
    assert!(page.contains("That password is not correct."));
    let res = c
        .form(
            "/api/fn/delete_account",
            "password=correct+horse+battery",
            true,
        )
        .await;
    assert_eq!(res.headers[header::LOCATION], "/?deleted=1");
    assert!(res.headers["clear-site-data"]
        .to_str()
        .unwrap()
        .contains("cookies"));
    assert!(res.set_cookie("squid_prefs").unwrap().contains("Max-Age=0"));
    let home = c.get("/?deleted=1").await.text();
    assert!(home.contains("Your account and all its data were deleted."));
    assert!(home.contains("Sign in"), "a guest again");
    assert_eq!(c.get("/api/auth/me").await.status, StatusCode::UNAUTHORIZED);

    // With JavaScript, a wrong password keeps its own status.
    let mut js = app.client();
    js.register("fay@example.com", PW).await;
    let res = js
        .form("/api/fn/delete_account", "password=nope+nope+nope", false)
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["code"], "reauthentication_required");
}

#[tokio::test]
async fn the_export_holds_every_kind_of_data_and_is_audited() {
    let app = TestApp::new().await;
    let mut laptop = app.client();
    laptop.user_agent = "Ann-Laptop".into();
    assert_eq!(
        laptop.get("/api/gdpr/export").await.status,
        StatusCode::UNAUTHORIZED
    );
    // A guest visit first: it becomes part of the user's history at registration.
    laptop.get("/").await;
    laptop.register("ann@example.com", PW).await;
    laptop
        .post(
            "/api/session/action",
            json!({"action": "clicked on Settings", "details": {"from": "home"}}),
        )
        .await;
    laptop
        .post("/api/preferences", json!({"theme": "dark"}))
        .await;
    consent(&mut laptop, "marketing", json!(true)).await;
    let mut phone = app.client();
    phone.user_agent = "Ann-Phone".into();
    phone.login("ann@example.com", PW).await;
    phone.get("/session").await;
    phone.post("/api/auth/logout", Value::Null).await;

    let res = laptop.get("/api/gdpr/export").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let disposition = res.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    let today = &squid::domain::rfc3339(now_millis())[..10];
    assert_eq!(
        disposition,
        format!("attachment; filename=\"squid-export-{today}.json\"")
    );
    assert!(res.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let text = res.text();
    assert!(!text.contains("$argon2"), "the password hash stays out");
    assert!(!text.contains(&laptop.session_token().unwrap()), "no token");
    let x = res.json();
    assert_eq!(x["schemaVersion"], 1);
    assert!(x["exportedAt"].as_str().unwrap().starts_with(today));
    assert_eq!(x["user"]["email"], "ann@example.com");
    assert_eq!(x["preferences"]["theme"], "dark");

    let sessions = x["sessions"].as_array().unwrap();
    assert_eq!(
        sessions.len(),
        3,
        "guest-then-signed-in laptop, live laptop, phone: {sessions:?}"
    );
    let phone_s = sessions
        .iter()
        .find(|s| s["userAgent"] == "Ann-Phone")
        .unwrap();
    assert_eq!(phone_s["live"], false);
    assert_eq!(phone_s["endReason"], "signed_out");
    assert_eq!(phone_s["pageViews"], 1);
    let live: Vec<&Value> = sessions.iter().filter(|s| s["live"] == true).collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["userAgent"], "Ann-Laptop");
    assert!(live[0]["lastActivity"].is_string());

    let activity = x["activity"].as_array().unwrap();
    let pages: Vec<&str> = activity.iter().filter_map(|a| a["page"].as_str()).collect();
    assert_eq!(pages, ["home", "session"]);
    let action = activity.iter().find(|a| a["type"] == "action").unwrap();
    assert_eq!(action["action"], "clicked on Settings");
    assert_eq!(action["details"], json!({"from": "home"}));

    assert_eq!(x["consents"]["policyVersion"], "1");
    assert_eq!(x["consents"]["items"][1]["granted"], true);
    assert_eq!(x["consents"]["history"].as_array().unwrap().len(), 1);

    let audit: Vec<&str> = x["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        audit,
        [
            "login",
            "preferences_changed",
            "consent_changed",
            "login",
            "logout",
            "data_exported"
        ]
    );
    let exported = x["audit"].as_array().unwrap().last().unwrap();
    assert_eq!(exported["userAgent"], "Ann-Laptop");
    // And the export is in the user's own audit list.
    let own = laptop.get("/api/audit").await.json();
    assert_eq!(items(&own)[0]["type"], "data_exported");
}

/// Every table's every row, each as the text of all its columns (`quote()`: blobs as
/// hex), with the table's name.
async fn every_row(app: &TestApp) -> Vec<(String, String)> {
    let db = &app.db().primary;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .fetch_all(db)
    .await
    .unwrap();
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
    let mut rows = vec![];
    for table in tables {
        let columns: Vec<String> = sqlx::query(&format!("PRAGMA table_info({table})"))
            .fetch_all(db)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(1))
            .collect();
        let concat = columns
            .iter()
            .map(|c| format!("quote({c})"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        for text in sqlx::query_scalar::<_, String>(&format!("SELECT {concat} FROM {table}"))
            .fetch_all(db)
            .await
            .unwrap()
        {
            rows.push((table.clone(), text));
        }
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
    .fetch_all(&app.db().primary)
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
        .fetch_one(&app.db().primary)
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
    let now = now_millis();
    let state = &app.state;

    // A sign-in that checked the password just before: its session is refused.
    let new = NewSession {
        user_id: Some(id.clone()),
        user_agent: "late-request-ua".into(),
        ip: None,
        auth_at: Some(now),
    }
    .into_record(now);
    assert!(state.sessions.start(&Token([1; 16]), &new).await.is_err());
    // A page view already queued for the erased user: dropped.
    let mut late = new.clone();
    late.public_id = record["id"].as_str().unwrap().to_string();
    state
        .tracking
        .log_page(&late, "late-request-ua", now)
        .await
        .unwrap();
    // An audit entry about them: anonymised as it lands.
    state
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
    .fetch_one(&app.db().primary)
    .await
    .unwrap();
    assert_eq!(kept, 1);
}

/// Old and recent data of every kind the retention policy covers, around `now`.
struct Aged {
    now: i64,
    cutoff: i64,
}

/// `slack` moves what is kept that far from the cut-off, for purges whose own clock runs
/// a little after this one.
async fn seed_aged_data(app: &TestApp, days: i64, slack: i64) -> Aged {
    let now = now_millis();
    let cutoff = now - days * DAY;
    let state = &app.state;
    let session_at = |start: i64| {
        NewSession {
            user_id: None,
            user_agent: "seed".into(),
            ip: None,
            auth_at: None,
        }
        .into_record(start)
    };
    // An old ended session with old events; a recently ended one; a live one with events
    // on both sides of the cut-off (one exactly on it: kept).
    let old = session_at(cutoff - 3 * DAY);
    state
        .sessions
        .start(&Token([1; 16]), &old)
        .await
        .unwrap()
        .unwrap();
    for at in [cutoff - 3 * DAY, cutoff - 2 * DAY, cutoff - 1] {
        state.tracking.log_page(&old, "old", at).await.unwrap();
    }
    state
        .tracking
        .log_action(&old, "old action", None, cutoff - DAY)
        .await
        .unwrap();
    state
        .sessions
        .end(&Token([1; 16]), EndReason::Ended, cutoff - DAY)
        .await
        .unwrap();
    let recent = session_at(cutoff - DAY);
    state
        .sessions
        .start(&Token([2; 16]), &recent)
        .await
        .unwrap()
        .unwrap();
    state
        .sessions
        .end(&Token([2; 16]), EndReason::Ended, cutoff + 1 + slack)
        .await
        .unwrap();
    let live = session_at(now);
    state
        .sessions
        .start(&Token([3; 16]), &live)
        .await
        .unwrap()
        .unwrap();
    state
        .tracking
        .log_page(&live, "edge", cutoff + slack)
        .await
        .unwrap();
    state.tracking.log_page(&live, "new", now).await.unwrap();
    state
        .tracking
        .log_action(&live, "older action", None, cutoff - 5)
        .await
        .unwrap();
    state
        .tracking
        .log_action(&live, "new action", None, now)
        .await
        .unwrap();
    for at in [cutoff - 10 * DAY, cutoff - 1, cutoff + slack, now] {
        state
            .audit
            .record(AuditEvent::new(
                AuditKind::LoginFailed,
                None,
                at,
                Origin::default(),
            ))
            .await
            .unwrap();
    }
    Aged { now, cutoff }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db().primary)
        .await
        .unwrap()
}

#[tokio::test]
async fn retention_deletes_exactly_what_is_old() {
    let app = TestApp::with_env(&[("DATA_RETENTION_DAYS", "30")]).await;
    let aged = seed_aged_data(&app, 30, 0).await;
    let report = app.state.retention.purge(aged.now).await.unwrap();
    assert_eq!(report.cutoff, aged.cutoff);
    assert_eq!(
        (
            report.page_views,
            report.actions,
            report.audit,
            report.ended_sessions
        ),
        (3, 2, 2, 1)
    );
    // What is left is exactly what is not old.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM events WHERE at < (SELECT MIN(at) FROM events WHERE name = 'edge')").await,
        0
    );
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM events ORDER BY at, id")
        .fetch_all(&app.db().primary)
        .await
        .unwrap();
    assert_eq!(names, ["edge", "new", "new action"]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit").await, 2);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit WHERE at >= {}", aged.cutoff)
        )
        .await,
        2
    );
    // The recently ended session and the live one stay, with their counters right.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM session_log").await, 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT page_views * 10 + actions FROM session_log WHERE ended_at IS NULL"
        )
        .await,
        21
    );
    // Once done, nothing more is due.
    let again = app.state.retention.purge(aged.now).await.unwrap();
    assert_eq!(again.total(), 0);
}

#[tokio::test]
async fn squid_purge_prints_what_it_deleted_per_table() {
    let app = TestApp::with_env(&[("DATA_RETENTION_DAYS", "30")]).await;
    seed_aged_data(&app, 30, 60_000).await;
    let lines = squid::cli::purge(&app.state.config, app.db().clone())
        .await
        .unwrap();
    let text = lines.join("\n");
    assert!(
        text.starts_with("deleted what was older than 30 days (before "),
        "{text}"
    );
    assert!(
        text.contains("events              5  (page views 3, actions 2)"),
        "{text}"
    );
    assert!(text.contains("audit               2"), "{text}");
    assert!(
        text.contains("session_log         1  (ended sessions)"),
        "{text}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM events").await, 3);
}

#[tokio::test]
async fn the_server_applies_retention_by_itself_from_the_start() {
    let app = TestApp::with_env(&[("DATA_RETENTION_DAYS", "30")]).await;
    seed_aged_data(&app, 30, 60_000).await;
    let task = tokio::spawn(squid::web::apply_retention(app.state.retention.clone()));
    let mut left = i64::MAX;
    for _ in 0..100 {
        left = count(&app, "SELECT COUNT(*) FROM events").await;
        if left == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    task.abort();
    assert_eq!(left, 3, "the first run comes at start");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit").await, 2);
}
