//! What only a Redis session store has to show: a session's key lives exactly as long as
//! the session may (the TTL slides with the stored touch, never past the absolute limit),
//! and nothing written to an ended session brings any of its keys back. Runs in the
//! `+redis` suites; the rules every store keeps are the rest of the suite's.

use crate::backend::sessions_in_redis;
use crate::harness::TestApp;
use axum::http::StatusCode;
use std::time::Duration;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The milliseconds the live session's key has left, and its key hex.
async fn ttl_of_the_only_session(app: &TestApp) -> (i64, String) {
    let redis = app.redis().expect("sessions in Redis");
    let live = app.live_sessions().await;
    let [(hash, _)] = live.as_slice() else {
        panic!("one session: {live:?}")
    };
    let mut c = redis.conn().await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("{}rec:{hash}", redis.prefix))
        .query_async(&mut c)
        .await
        .unwrap();
    (ttl, hash.clone())
}

#[tokio::test]
async fn a_sessions_key_expires_at_its_deadline_and_slides_up_to_the_absolute_limit() {
    if !sessions_in_redis() {
        eprintln!("SKIPPED here: runs in the +redis suites");
        return;
    }
    let app = TestApp::with_env(&[
        ("SESSION_IDLE_TIMEOUT_SECS", "60"),
        ("SESSION_ABSOLUTE_TIMEOUT_SECS", "100"),
    ])
    .await;
    let mut c = app.client();
    c.start().await;
    let (ttl, _) = ttl_of_the_only_session(&app).await;
    assert!((55_000..=60_000).contains(&ttl), "idle deadline: {ttl}");

    // 30 s on, a request slides it to a full idle period again.
    app.advance(Duration::from_secs(30));
    assert_eq!(c.get("/api/session").await.status, StatusCode::OK);
    let (ttl, _) = ttl_of_the_only_session(&app).await;
    assert!((55_000..=60_000).contains(&ttl), "slid: {ttl}");

    // 80 s after the start, 20 s of the absolute limit are left: no more than that.
    app.advance(Duration::from_secs(50));
    assert_eq!(c.get("/api/session").await.status, StatusCode::OK);
    let (ttl, _) = ttl_of_the_only_session(&app).await;
    assert!(
        (15_000..=20_000).contains(&ttl),
        "capped by the absolute limit: {ttl}"
    );
}

#[tokio::test]
async fn writes_to_an_ended_session_bring_back_no_key() {
    if !sessions_in_redis() {
        eprintln!("SKIPPED here: runs in the +redis suites");
        return;
    }
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("ann@example.com", crate::harness::PW).await;
    let token = c.session_token().unwrap();
    let id: tower_sessions::session::Id = token.parse().unwrap();
    let hash = squid::domain::sessions::Token(id.0.to_le_bytes()).hash();
    let redis = app.redis().unwrap();
    assert!(redis
        .keys()
        .await
        .iter()
        .any(|k| k.ends_with(&hex(&hash.0))));

    assert_eq!(
        c.post("/api/auth/logout", serde_json::Value::Null)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let left = redis.keys().await;
    assert!(!left.iter().any(|k| k.contains(&hex(&hash.0))), "{left:?}");
    // A request still in flight writes after the end: nothing comes back.
    let mut conn = app.store().conn();
    conn.touch_session(&hash, app.now() + 60_000).await.unwrap();
    conn.set_session_auth(&hash, app.now()).await.unwrap();
    assert_eq!(conn.find_session(&hash).await.unwrap(), None);
    let after = redis.keys().await;
    assert_eq!(after, left, "no key of the ended session is written");
    // Nor does the user's index still list it.
    for key in after.iter().filter(|k| k.contains("user:")) {
        let mut rc = redis.conn().await;
        let members: Vec<String> = redis::cmd("SMEMBERS")
            .arg(key)
            .query_async(&mut rc)
            .await
            .unwrap();
        assert!(!members.contains(&hex(&hash.0)));
    }
}

/// Sessions stored before the `app` field existed (an upgrade with live sessions) are read
/// as browsers' sessions, by a lookup and by the scripts alike.
#[tokio::test]
async fn a_session_stored_without_the_app_field_is_a_browsers() {
    if !sessions_in_redis() {
        eprintln!("SKIPPED here: runs in the +redis suites");
        return;
    }
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("old@example.com", crate::harness::PW).await;
    let redis = app.redis().unwrap();
    let (_, hash) = ttl_of_the_only_session(&app).await;
    let mut conn = redis.conn().await;
    for kind in ["rec", "end"] {
        let removed: i64 = redis::cmd("HDEL")
            .arg(format!("{}{kind}:{hash}", redis.prefix))
            .arg("app")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(removed, 1, "{kind}");
    }
    // A new server (no cache) reads it from Redis.
    let app = app.restart(&[]).await;
    c.attach(&app);
    assert_eq!(c.get("/api/auth/me").await.status, StatusCode::OK);
    let devices = c.get("/api/sessions").await.json();
    assert_eq!(devices["items"][0]["app"], false);
    assert_eq!(
        c.post("/api/auth/logout", serde_json::Value::Null)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert!(app.live_sessions().await.is_empty());
}
