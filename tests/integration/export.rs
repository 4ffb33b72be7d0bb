//! The export: everything held about a user, in one file.

use crate::consent::{consent, items};
use crate::harness::{TestApp, PW};
use axum::http::{header, StatusCode};
use serde_json::{json, Value};

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
    let today = &squid::domain::rfc3339(app.now())[..10];
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
