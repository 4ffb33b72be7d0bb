//! Consent (`API.md`, "Consent, privacy and GDPR"): choices and their history, a new
//! policy version, and the `/privacy` page without JavaScript.

use crate::harness::{Client, TestApp, PW};
use axum::http::{header, StatusCode};
use serde_json::{json, Value};

pub fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().expect("items")
}

pub async fn consent(c: &mut Client, kind: &str, granted: Value) -> crate::harness::Res {
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
    assert_eq!(res.error().0, "reauthentication_required");
}
