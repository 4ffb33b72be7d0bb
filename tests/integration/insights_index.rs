//! The reports' index of events by name (`event_index`) after it has been read: a copy on
//! SQLite, brought up to date in batches, which must follow what later changes the events
//! it already holds (adoption at sign-up, erasure). On PostgreSQL it is a view, and the
//! same figures hold.

use crate::harness::{TestApp, PW};
use crate::insights::{ok, with_admin};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use squid::store::sqlite::INDEX_CHUNK;

const FUNNEL: &str = "/api/admin/analytics/funnel?steps=home,pricing";

fn sessions(funnel: &Value) -> Vec<i64> {
    funnel["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sessions"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_index_follows_adoption_objection_and_erasure_of_events_it_holds() {
    let (app, mut admin) = with_admin().await;
    let mut guest = app.client();
    guest.start().await;
    guest.visit(&["home", "pricing"]).await;
    let res = guest
        .post("/api/session/action", json!({ "action": "search" }))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());

    // Read once as a guest's: the index now holds these events.
    assert_eq!(sessions(&ok(&mut admin, FUNNEL).await), [1, 1]);
    let overview = ok(&mut admin, "/api/admin/analytics/overview").await;
    assert_eq!(
        overview["featureUsage"],
        json!([{"action": "search", "users": 1, "count": 1}])
    );

    // Signing up on that session makes its events the new account's; objecting then
    // leaves them out, which only holds if the index learnt whose they became.
    guest.register("gus@example.com", PW).await;
    let res = guest
        .post(
            "/api/consent",
            json!({"type": "analytics", "granted": false}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(sessions(&ok(&mut admin, FUNNEL).await), [0, 0]);
    let overview = ok(&mut admin, "/api/admin/analytics/overview").await;
    assert_eq!(overview["featureUsage"], json!([]));
    assert_eq!(overview["popularPages"], json!([]));

    // Consenting again counts them again; erasing the account removes them for good.
    guest
        .post(
            "/api/consent",
            json!({"type": "analytics", "granted": true}),
        )
        .await;
    assert_eq!(sessions(&ok(&mut admin, FUNNEL).await), [1, 1]);
    let res = guest
        .json(Method::DELETE, "/api/account", json!({"password": PW}))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(sessions(&ok(&mut admin, FUNNEL).await), [0, 0]);
    let overview = ok(&mut admin, "/api/admin/analytics/overview").await;
    assert_eq!(overview["featureUsage"], json!([]));
    assert_eq!(overview["popularPages"], json!([]));
    assert_eq!(
        overview["eventBreakdown"],
        json!({"page_view": 0, "action": 0})
    );

    // The erased events were the newest: SQLite gives their ids to the next ones, which
    // must still be copied.
    let mut next = app.client();
    next.start().await;
    next.visit(&["home", "pricing"]).await;
    assert_eq!(sessions(&ok(&mut admin, FUNNEL).await), [1, 1]);
}

/// Events that `event_index` lacks, or holds otherwise than `events` does.
async fn differences(app: &TestApp) -> i64 {
    let columns = "kind, name, session_id, at, id, user_id";
    let count = |a: &str, b: &str| {
        format!(
            "SELECT COUNT(*) FROM (SELECT {columns} FROM {a} EXCEPT SELECT {columns} FROM {b}) d"
        )
    };
    let mut n = 0;
    for sql in [
        count("events", "event_index"),
        count("event_index", "events"),
    ] {
        n += sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(app.sql())
            .await
            .unwrap();
    }
    n
}

#[tokio::test]
async fn a_backlog_of_any_size_is_taken_in_whole() {
    let app = TestApp::new().await;
    // More events than two copies take, written behind the server's back.
    let backlog = 2 * INDEX_CHUNK + 345;
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {backlog})
         INSERT INTO events (session_id, user_id, kind, name, details, at)
         SELECT 's' || (i % 97), NULL, CASE WHEN i % 5 = 0 THEN 'action' ELSE 'page_view' END,
                'p' || (i % 7), NULL, 1000 + i FROM n"
    ))
    .execute(app.sql())
    .await
    .unwrap();
    app.domain().insights.index_events().await.unwrap();
    assert_eq!(differences(&app).await, 0);
    assert_eq!(app.domain().insights.index_events().await.unwrap(), 0);
}
