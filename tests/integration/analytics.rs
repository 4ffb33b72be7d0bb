//! Each visitor's own analytics (`/api/analytics/me`, `/api/analytics/journey`), exact on a
//! small known dataset, on every backend.

use crate::harness::{TestApp, PW};
use axum::http::StatusCode;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_guest_sees_the_figures_of_the_current_session() {
    let app = TestApp::new().await;
    let mut c = app.client();
    assert_eq!(c.get("/api/analytics/me").await.error().0, "no_session");
    c.start().await;
    for page in ["home", "pricing", "home"] {
        c.post("/api/session/page", json!({ "page": page })).await;
    }
    c.post("/api/session/action", json!({"action": "clicked"}))
        .await;
    app.advance(Duration::from_secs(60));
    let me = c.get("/api/analytics/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    assert_eq!(
        me.json(),
        json!({
            "totalSessions": 1, "totalPageViews": 3, "totalActions": 1, "avgSessionDuration": 60,
            "topPages": [{"page": "home", "views": 2}, {"page": "pricing", "views": 1}],
            "eventBreakdown": {"page_view": 3, "action": 1}
        })
    );
    let journey = c.get("/api/analytics/journey").await.json();
    let pages: Vec<&str> = journey["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["page"].as_str().unwrap())
        .collect();
    assert_eq!(pages, ["home", "pricing", "home"]);
}

#[tokio::test]
async fn a_user_sees_every_session_on_every_device_and_only_their_own_journeys() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    c.post("/api/session/page", json!({"page": "a"})).await;
    app.advance(Duration::from_secs(10));
    c.register("ann@example.com", PW).await; // the guest's 10 s session becomes Ann's
    app.advance(Duration::from_secs(20));
    let mut phone = app.client();
    phone.user_agent = "phone".into();
    phone.login("ann@example.com", PW).await;
    let phone_id = phone.get("/api/session").await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    phone.post("/api/session/page", json!({"page": "b"})).await;
    phone.post("/api/session/page", json!({"page": "b"})).await;
    app.advance(Duration::from_secs(30));

    let me = c.get("/api/analytics/me").await.json();
    // Sessions of 10, 50 and 30 seconds.
    assert_eq!(
        me,
        json!({
            "totalSessions": 3, "totalPageViews": 3, "totalActions": 0, "avgSessionDuration": 30,
            "topPages": [{"page": "b", "views": 2}, {"page": "a", "views": 1}],
            "eventBreakdown": {"page_view": 3, "action": 0}
        })
    );
    assert_eq!(phone.get("/api/analytics/me").await.json(), me);

    let journey = c
        .get(&format!("/api/analytics/journey?session={phone_id}"))
        .await;
    assert_eq!(journey.status, StatusCode::OK);
    assert_eq!(journey.json()["sessionId"], phone_id.as_str());
    assert_eq!(journey.json()["steps"].as_array().unwrap().len(), 2);

    let mut bo = app.client();
    bo.register("bo@example.com", PW).await;
    let mut guest = app.client();
    guest.start().await;
    for who in [&mut bo, &mut guest] {
        let res = who
            .get(&format!("/api/analytics/journey?session={phone_id}"))
            .await;
        assert_eq!(
            (res.status, res.error().0.as_str()),
            (StatusCode::NOT_FOUND, "not_found")
        );
    }
    let res = c.get("/api/analytics/journey?session=nope").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Bo's own figures hold none of Ann's.
    let bo_me = bo.get("/api/analytics/me").await.json();
    assert_eq!(
        (
            bo_me["totalSessions"].clone(),
            bo_me["totalPageViews"].clone()
        ),
        (json!(1), json!(0))
    );
}
