//! Session data (`API.md`, "Session data"): values under keys, versions and conditions,
//! limits, concurrency, sealing at rest, and the data's life with its session.

use crate::harness::{Client, Res, TestApp, PW};
use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// `PUT /api/session/data/{key}` with a condition header, if any.
async fn put(c: &mut Client, key: &str, value: Value, cond: Option<(&str, &str)>) -> Res {
    let mut req = c
        .request(Method::PUT, &format!("/api/session/data/{key}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some((name, v)) = cond {
        req = req.header(name, v);
    }
    c.send(
        req.body(Body::from(json!({ "value": value }).to_string()))
            .unwrap(),
    )
    .await
}

async fn delete(c: &mut Client, key: &str, cond: Option<(&str, &str)>) -> Res {
    let mut req = c.request(Method::DELETE, &format!("/api/session/data/{key}"));
    if let Some((name, v)) = cond {
        req = req.header(name, v);
    }
    c.send(req.body(Body::empty()).unwrap()).await
}

fn keys(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["key"].as_str().unwrap().to_string())
        .collect()
}

fn etag(res: &Res) -> &str {
    res.headers[header::ETAG].to_str().unwrap()
}

/// How many entries the store holds, for every session (rows, or Redis fields).
async fn stored_entries(app: &TestApp) -> i64 {
    match app.redis() {
        Some(redis) => {
            let mut c = redis.conn().await;
            let mut n = 0;
            for key in redis.keys().await {
                if key.contains("dmeta:") {
                    let len: i64 = redis::cmd("HLEN")
                        .arg(&key)
                        .query_async(&mut c)
                        .await
                        .unwrap();
                    n += len;
                }
            }
            n
        }
        None => sqlx::query_scalar("SELECT COUNT(*) FROM session_data")
            .fetch_one(app.sql())
            .await
            .unwrap(),
    }
}

#[tokio::test]
async fn values_are_kept_under_keys_with_versions() {
    let app = TestApp::new().await;
    let mut c = app.client();
    for res in [
        c.get("/api/session/data").await,
        c.get("/api/session/data/cart").await,
        put(&mut c, "cart", json!(1), None).await,
        delete(&mut c, "cart", None).await,
    ] {
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(res.error().0, "no_session");
    }
    c.start().await;
    assert_eq!(
        c.get("/api/session/data").await.json(),
        json!({"items": []})
    );

    let cart = json!({"items": [{"sku": "A-1", "qty": 2}], "note": "gift ✓"});
    let res = put(&mut c, "cart", cart.clone(), None).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(etag(&res), "\"1\"");
    let body = res.json();
    assert_eq!(
        (&body["key"], &body["value"], &body["version"]),
        (&json!("cart"), &cart, &json!(1))
    );
    assert!(body["updatedAt"].as_str().unwrap().ends_with('Z'));

    let res = put(&mut c, "cart", json!({"items": []}), None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["version"], 2);
    let res = put(&mut c, "a.draft_1-x", Value::Null, None).await;
    assert_eq!(res.status, StatusCode::CREATED);
    assert_eq!(res.json()["value"], Value::Null);

    let res = c.get("/api/session/data/cart").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(etag(&res), "\"2\"");
    assert_eq!(res.json()["value"], json!({"items": []}));
    let list = c.get("/api/session/data").await.json();
    assert_eq!(keys(&list), ["a.draft_1-x", "cart"]);
    assert_eq!(list["items"][1]["version"], 2);

    assert_eq!(
        delete(&mut c, "cart", None).await.status,
        StatusCode::NO_CONTENT
    );
    let res = c.get("/api/session/data/cart").await;
    assert_eq!(
        (res.status, res.error().0.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert_eq!(
        delete(&mut c, "cart", None).await.status,
        StatusCode::NOT_FOUND
    );
    // A key written again starts over.
    assert_eq!(
        put(&mut c, "cart", json!(3), None).await.json()["version"],
        1
    );

    // Another browser has data of its own.
    let mut other = app.client();
    other.start().await;
    assert_eq!(
        other.get("/api/session/data/cart").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_keys_and_bodies_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    let longest = "k".repeat(64);
    assert_eq!(
        put(&mut c, &longest, json!(1), None).await.status,
        StatusCode::CREATED
    );
    for bad in [
        "k".repeat(65),
        "a%20b".into(),
        "caf%C3%A9".into(),
        "a:b".into(),
    ] {
        let res = put(&mut c, &bad, json!(1), None).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(
            res.error(),
            ("validation_failed".into(), Some("key".into())),
            "{bad}"
        );
        assert_eq!(
            c.get(&format!("/api/session/data/{bad}"))
                .await
                .error()
                .1
                .as_deref(),
            Some("key")
        );
    }
    let req = c
        .request(Method::PUT, "/api/session/data/cart")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let res = c.send(req).await;
    assert_eq!(
        res.error(),
        ("validation_failed".into(), Some("value".into()))
    );
    let req = c
        .request(Method::PUT, "/api/session/data/cart")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"value": 1, "extra": 2}"#))
        .unwrap();
    assert_eq!(c.send(req).await.status, StatusCode::BAD_REQUEST);
    let req = c
        .request(Method::PUT, "/api/session/data/cart")
        .body(Body::from(r#"{"value": 1}"#))
        .unwrap();
    assert_eq!(c.send(req).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(keys(&c.get("/api/session/data").await.json()), [longest]);
}

#[tokio::test]
async fn conditional_writes_compare_versions() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    let res = put(&mut c, "draft", json!("v1"), Some(("If-None-Match", "*"))).await;
    assert_eq!(res.status, StatusCode::CREATED);
    let res = put(
        &mut c,
        "draft",
        json!("again"),
        Some(("If-None-Match", "*")),
    )
    .await;
    assert_eq!(
        (res.status, res.error().0.as_str()),
        (StatusCode::PRECONDITION_FAILED, "precondition_failed")
    );

    let res = put(&mut c, "draft", json!("v2"), Some(("If-Match", "\"1\""))).await;
    assert_eq!((res.status, etag(&res)), (StatusCode::OK, "\"2\""));
    let res = put(&mut c, "draft", json!("stale"), Some(("If-Match", "\"1\""))).await;
    assert_eq!(res.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        put(&mut c, "draft", json!("v3"), Some(("If-Match", "*")))
            .await
            .status,
        StatusCode::OK
    );
    for cond in [("If-Match", "\"1\""), ("If-Match", "*")] {
        let res = put(&mut c, "missing", json!(1), Some(cond)).await;
        assert_eq!(res.status, StatusCode::PRECONDITION_FAILED, "{cond:?}");
    }
    for cond in [
        ("If-Match", "3"),
        ("If-Match", "W/\"3\""),
        ("If-None-Match", "\"3\""),
    ] {
        let res = put(&mut c, "draft", json!("x"), Some(cond)).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{cond:?}");
    }

    let res = delete(&mut c, "draft", Some(("If-Match", "\"2\""))).await;
    assert_eq!(res.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        delete(&mut c, "missing", Some(("If-Match", "\"1\"")))
            .await
            .status,
        StatusCode::PRECONDITION_FAILED
    );
    let entry = c.get("/api/session/data/draft").await;
    assert_eq!(
        (entry.json()["value"].clone(), etag(&entry)),
        (json!("v3"), "\"3\"")
    );
    assert_eq!(
        delete(&mut c, "draft", Some(("If-Match", "\"3\"")))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(stored_entries(&app).await, 0, "nothing left");
}

#[tokio::test]
async fn the_limits_hold_at_their_exact_bounds_and_a_refusal_changes_nothing() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    // A string of n bytes is n + 2 as JSON.
    let sized = |n: usize| json!("x".repeat(n - 2));
    let res = put(&mut c, "big", sized(16 * 1024), None).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let res = put(&mut c, "big", sized(16 * 1024 + 1), None).await;
    assert_eq!(
        (res.status, res.error().0.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    assert_eq!(c.get("/api/session/data/big").await.json()["version"], 1);

    // 256 KiB in all: 16 values of 16 KiB fill it exactly.
    for i in 1..16 {
        assert_eq!(
            put(&mut c, &format!("big{i}"), sized(16 * 1024), None)
                .await
                .status,
            StatusCode::CREATED
        );
    }
    let res = put(&mut c, "one-more", json!(1), None).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Replacing a value by one of the same size fits. One byte less leaves room for a
    // value of one byte, exactly; then that byte back does not fit.
    let status = |r: Res| r.status;
    assert_eq!(
        status(put(&mut c, "big3", sized(16 * 1024), None).await),
        StatusCode::OK
    );
    assert_eq!(
        status(put(&mut c, "big3", sized(16 * 1024 - 1), None).await),
        StatusCode::OK
    );
    assert_eq!(
        status(put(&mut c, "one-more", json!(1), None).await),
        StatusCode::CREATED
    );
    let res = put(&mut c, "big3", sized(16 * 1024), None).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(c.get("/api/session/data/big3").await.json()["version"], 3);
    assert_eq!(keys(&c.get("/api/session/data").await.json()).len(), 17);
    assert_eq!(
        status(delete(&mut c, "one-more", None).await),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status(put(&mut c, "big3", sized(16 * 1024), None).await),
        StatusCode::OK
    );

    // 64 keys at most.
    let mut c = app.client();
    c.start().await;
    for i in 0..64 {
        assert_eq!(
            put(&mut c, &format!("k{i}"), json!(i), None).await.status,
            StatusCode::CREATED
        );
    }
    assert_eq!(
        put(&mut c, "k64", json!(64), None).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        put(&mut c, "k0", json!("still fits"), None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        delete(&mut c, "k1", None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        put(&mut c, "k64", json!(64), None).await.status,
        StatusCode::CREATED
    );
    assert_eq!(keys(&c.get("/api/session/data").await.json()).len(), 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_writes_to_fifty_keys_are_all_kept() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let mut c = c.clone();
            tokio::spawn(async move {
                put(&mut c, &format!("k{i:02}"), json!(i), None)
                    .await
                    .status
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    let list = c.get("/api/session/data").await.json();
    let expected: Vec<String> = (0..50).map(|i| format!("k{i:02}")).collect();
    assert_eq!(keys(&list), expected);
    for (i, e) in list["items"].as_array().unwrap().iter().enumerate() {
        assert_eq!((&e["value"], &e["version"]), (&json!(i), &json!(1)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_twenty_writes_expecting_one_version_exactly_one_wins() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    put(&mut c, "counter", json!(0), None).await;
    let tasks: Vec<_> = (1..=20)
        .map(|i| {
            let mut c = c.clone();
            tokio::spawn(async move {
                put(&mut c, "counter", json!(i), Some(("If-Match", "\"1\"")))
                    .await
                    .status
            })
        })
        .collect();
    let mut statuses = vec![];
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let lost = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((won, lost), (1, 19), "{statuses:?}");
    assert_eq!(
        c.get("/api/session/data/counter").await.json()["version"],
        2
    );
}

#[tokio::test]
async fn values_and_tokens_are_never_stored_in_clear() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    put(&mut c, "cart", json!({"secret": "plum-7f3a-marker"}), None).await;
    put(&mut c, "draft", json!("another-marker-91c"), None).await;
    assert_eq!(stored_entries(&app).await, 2);
    let token = c.session_token().unwrap();
    app.assert_not_stored(&[b"plum-7f3a-marker", b"another-marker-91c", token.as_bytes()])
        .await;
    assert_eq!(
        c.get("/api/session/data/cart").await.json()["value"]["secret"],
        "plum-7f3a-marker"
    );
}

#[tokio::test]
async fn a_cart_follows_sign_in_and_reauthentication_but_not_a_new_session() {
    let app = TestApp::new().await;
    let mut setup = app.client();
    setup.register("ann@example.com", PW).await;

    let mut c = app.client();
    c.start().await;
    put(&mut c, "cart", json!(["apple"]), None).await;
    put(&mut c, "cart", json!(["apple", "pear"]), None).await;
    let guest_token = c.session_token().unwrap();
    assert_eq!(c.login("ann@example.com", PW).await.status, StatusCode::OK);
    assert_ne!(c.session_token().unwrap(), guest_token);
    let entry = c.get("/api/session/data/cart").await;
    assert_eq!(
        (entry.json()["value"].clone(), etag(&entry)),
        (json!(["apple", "pear"]), "\"2\"")
    );
    assert_eq!(stored_entries(&app).await, 1, "moved, not copied");

    let res = c.post("/api/auth/reauth", json!({"password": PW})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(
        c.get("/api/session/data/cart").await.json()["value"],
        json!(["apple", "pear"])
    );
    // The value moved to a new session and opens there only.
    let res = put(&mut c, "cart", json!(["fig"]), Some(("If-Match", "\"2\""))).await;
    assert_eq!(res.status, StatusCode::OK);

    c.start().await;
    assert_eq!(
        c.get("/api/session/data").await.json(),
        json!({"items": []})
    );
    assert_eq!(stored_entries(&app).await, 0, "gone with the session");
}

#[tokio::test]
async fn the_data_goes_with_its_session() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    put(&mut c, "a", json!(1), None).await;
    assert_eq!(
        c.delete("/api/session").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(stored_entries(&app).await, 0, "ended");

    c.register("bo@example.com", PW).await;
    put(&mut c, "a", json!(1), None).await;
    assert_eq!(
        c.post("/api/auth/logout", Value::Null).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(stored_entries(&app).await, 0, "signed out");

    c.start().await;
    put(&mut c, "a", json!(1), None).await;
    app.advance(Duration::from_secs(1801));
    app.domain().sessions.sweep(app.now()).await.unwrap();
    assert_eq!(stored_entries(&app).await, 0, "expired");
    assert_eq!(
        c.get("/api/session/data").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// A write that arrives after its session ended stores nothing (the store checks the
/// session in the same step as the write).
#[tokio::test]
async fn a_write_to_an_ended_session_stores_nothing() {
    use squid::domain::session_data::validate::{DataKey, DataValue};
    use squid::domain::session_data::Expect;
    use squid::domain::sessions::NewSession;
    use squid::domain::visitor::Visitor;
    use squid::domain::EndReason;
    let app = TestApp::new().await;
    let live = app.start_session(NewSession::default(), app.now()).await;
    let mut visitor = Visitor::guest(None, None, Default::default());
    visitor.session = Some(live.clone());
    app.end_session(&live, EndReason::Ended, app.now()).await;
    let key = DataKey::parse("late").unwrap();
    let value = DataValue::parse(Some(json!("late"))).unwrap();
    let res = app
        .domain()
        .data
        .put(&visitor, &key, value, Expect::Any, app.now())
        .await;
    assert!(
        matches!(res, Err(squid::domain::Error::NoSession)),
        "{res:?}"
    );
    assert_eq!(stored_entries(&app).await, 0);
}

#[tokio::test]
async fn the_export_holds_the_data_of_live_sessions_and_erasure_deletes_it() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("cy@example.com", PW).await;
    put(&mut c, "cart", json!({"n": 1}), None).await;
    let mut phone = app.client();
    phone.login("cy@example.com", PW).await;
    put(&mut phone, "draft", json!("hello"), None).await;

    let export = c.get("/api/gdpr/export").await.json();
    let mut data: Vec<(String, Value)> = export["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["data"].as_array().unwrap().clone())
        .map(|e| (e["key"].as_str().unwrap().to_string(), e["value"].clone()))
        .collect();
    data.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        data,
        [
            ("cart".into(), json!({"n": 1})),
            ("draft".into(), json!("hello"))
        ]
    );

    let res = c
        .json(Method::DELETE, "/api/account", json!({"password": PW}))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(stored_entries(&app).await, 0);
    assert_eq!(
        phone.get("/api/session/data").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Signing in as someone else on the same browser starts afresh: one user's data never
/// reaches another's session.
#[tokio::test]
async fn another_users_sign_in_does_not_inherit_the_data() {
    let app = TestApp::new().await;
    app.client().register("bo@example.com", PW).await;
    let mut c = app.client();
    c.register("ann@example.com", PW).await;
    put(&mut c, "draft", json!("Ann's private draft"), None).await;
    assert_eq!(c.login("bo@example.com", PW).await.status, StatusCode::OK);
    assert_eq!(
        c.get("/api/session/data").await.json(),
        json!({"items": []})
    );
    assert_eq!(stored_entries(&app).await, 0, "gone with Ann's session");
}
