//! The Session tracking section: pages, actions, pagination, order, activity, concurrency.

use crate::harness::TestApp;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn pages_are_logged_counted_and_paginated_in_both_orders() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    for i in 1..=25 {
        let res = c
            .post("/api/session/page", json!({"page": format!("p{i}")}))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let body = res.json();
        assert_eq!(body["page"], format!("p{i}"));
        assert_eq!(body["total"], i);
        assert!(body["visitedAt"].as_str().unwrap().ends_with('Z'));
    }
    let s = c.get("/api/session?page=2&perPage=10").await.json();
    let list = &s["pagesVisited"];
    assert_eq!(
        (
            list["page"].clone(),
            list["perPage"].clone(),
            list["total"].clone(),
            list["totalPages"].clone()
        ),
        (json!(2), json!(10), json!(25), json!(3))
    );
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["page"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        (11..=20).map(|i| format!("p{i}")).collect::<Vec<_>>()
    );

    let s = c.get("/api/session?perPage=3&order=desc").await.json();
    let names = crate::harness::page_names(&s);
    assert_eq!(names, ["p25", "p24", "p23"]);

    let past_the_end = c.get("/api/session?page=9").await;
    assert_eq!(past_the_end.status, StatusCode::OK);
    assert_eq!(past_the_end.json()["pagesVisited"]["items"], json!([]));
}

#[tokio::test]
async fn page_and_action_names_are_validated() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    for (path, body, field) in [
        ("/api/session/page", json!({"page": ""}), "page"),
        (
            "/api/session/page",
            json!({"page": "x".repeat(513)}),
            "page",
        ),
        ("/api/session/page", json!({"page": 12}), "page"),
        ("/api/session/page", json!({}), "page"),
        (
            "/api/session/page",
            json!({"page": "a", "extra": 1}),
            "extra",
        ),
        ("/api/session/action", json!({"action": ""}), "action"),
        (
            "/api/session/action",
            json!({"action": "a", "details": [1, 2]}),
            "details",
        ),
        (
            "/api/session/action",
            json!({"action": "a", "details": {"k": "v".repeat(4100)}}),
            "details",
        ),
    ] {
        let res = c.post(path, body.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            res.error(),
            ("validation_failed".to_string(), Some(field.to_string())),
            "{body}"
        );
    }
    let ok = c
        .post("/api/session/page", json!({"page": "é".repeat(512)}))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    assert_eq!(ok.json()["total"], 1, "nothing invalid was recorded");
}

#[tokio::test]
async fn actions_are_logged_with_details_and_listed() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    let res = c
        .post(
            "/api/session/action",
            json!({"action": "clicked on Settings", "details": {"button": "gear"}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let body = res.json();
    assert_eq!(body["action"], "clicked on Settings");
    assert_eq!(body["details"], json!({"button": "gear"}));
    let res = c
        .post("/api/session/action", json!({"action": "opened menu"}))
        .await;
    assert_eq!(res.json()["details"], json!(null));

    let list = c.get("/api/session/actions?perPage=1&page=2").await.json();
    assert_eq!(list["total"], 2);
    assert_eq!(list["totalPages"], 2);
    assert_eq!(list["items"][0]["action"], "opened menu");
    assert_eq!(list["items"][0]["details"], json!(null));
}

#[tokio::test]
async fn activity_is_the_sessions_history_newest_first_and_filterable() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let s = c.start().await;
    c.post("/api/session/page", json!({"page": "home"})).await;
    c.post(
        "/api/session/action",
        json!({"action": "clicked", "details": {"n": 1}}),
    )
    .await;
    c.post("/api/session/page", json!({"page": "pricing"}))
        .await;

    let feed = c.get("/api/activity").await.json();
    assert_eq!(feed["total"], 4);
    let kinds: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["page_view", "action", "page_view", "session_start"]);
    assert_eq!(feed["items"][0]["page"], "pricing");
    assert_eq!(feed["items"][1]["details"], json!({"n": 1}));
    assert_eq!(feed["items"][3]["userAgent"], crate::harness::UA);
    for item in feed["items"].as_array().unwrap() {
        assert_eq!(item["sessionId"], s["id"]);
    }

    let only_pages = c.get("/api/activity?type=page_view&perPage=1").await.json();
    assert_eq!(only_pages["total"], 2);
    assert_eq!(only_pages["items"][0]["page"], "pricing");
    let res = c.get("/api/activity?type=nonsense").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error().1.as_deref(), Some("type"));
}

/// The contract's concurrency rule: 100 parallel visits on one session are 100 visits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_visits_on_one_session_are_a_hundred_visits() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let mut c = c.clone();
            tokio::spawn(async move {
                c.post("/api/session/page", json!({"page": format!("p{i}")}))
                    .await
                    .status
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    let s = c.get("/api/session?perPage=100").await.json();
    assert_eq!(s["pagesVisited"]["total"], 100);
    let mut names: Vec<String> = s["pagesVisited"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["page"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 100, "every visit is there once");
}
