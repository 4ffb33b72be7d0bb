//! `POST /api/events`: batches of buffered events, all or nothing, on every backend.

use crate::harness::{page_names, TestApp};
use axum::http::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn a_batch_is_recorded_whole_as_the_single_routes_would() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let res = c
        .post(
            "/api/events",
            json!({"events": [{"type": "page_view", "page": "a"}]}),
        )
        .await;
    assert_eq!(
        (res.status, res.error().0.as_str()),
        (StatusCode::UNAUTHORIZED, "no_session")
    );
    let session = c.start().await;
    let started = session["startTime"].as_str().unwrap().to_string();

    let res = c
        .post(
            "/api/events",
            json!({"events": [
                {"type": "page_view", "page": "home", "at": started},
                {"type": "action", "action": "added to cart", "details": {"sku": "A-1"}},
                {"type": "page_view", "page": "cart"}
            ]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.json(), json!({"accepted": 3}));
    let session = c.get("/api/session").await.json();
    assert_eq!(page_names(&session), ["home", "cart"]);
    assert_eq!(session["pagesVisited"]["items"][0]["visitedAt"], started);
    let actions = c.get("/api/session/actions").await.json();
    assert_eq!(actions["items"][0]["details"], json!({"sku": "A-1"}));
    // The single route counts on from there.
    let res = c
        .post("/api/session/page", json!({"page": "checkout"}))
        .await;
    assert_eq!(res.json()["total"], 3);
}

#[tokio::test]
async fn one_bad_event_is_named_and_nothing_of_the_batch_is_recorded() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    let good = json!({"type": "page_view", "page": "ok"});
    for (events, field) in [
        (
            json!([good, good, {"type": "page_view", "page": ""}]),
            "events[2].page",
        ),
        (json!([good, {"type": "action"}]), "events[1].action"),
        (
            json!([{"type": "page_view", "page": "x", "at": "2001-01-01T00:00:00Z"}]),
            "events[0].at",
        ),
        (json!([good, {"type": "scroll"}]), "events[1].type"),
        (json!([]), "events"),
        (Value::Array(vec![good.clone(); 101]), "events"),
    ] {
        let res = c.post("/api/events", json!({ "events": events })).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(
            res.error(),
            ("validation_failed".into(), Some(field.to_string()))
        );
    }
    let res = c
        .post("/api/events", json!({"events": [good], "extra": 1}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        c.get("/api/session").await.json()["pagesVisited"]["total"],
        0
    );
    let res = c
        .post("/api/events", json!({ "events": vec![good; 100] }))
        .await;
    assert_eq!(res.json(), json!({"accepted": 100}));
    assert_eq!(
        c.get("/api/session").await.json()["pagesVisited"]["total"],
        100
    );
}
