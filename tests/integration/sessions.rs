//! Sessions: the token, its cookie, both timeouts, ending, and no resurrection.

use crate::harness::TestApp;
use axum::http::StatusCode;
use serde_json::Value;
use squid::domain::sessions::{NewSession, Token};
use squid::domain::EndReason;
use squid::web::session_store::CookieCarrier;
use std::time::Duration;
use tower_sessions::session::Id;
use tower_sessions::SessionStore;

#[tokio::test]
async fn starting_a_session_sets_a_hardened_cookie_and_answers_the_session() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let res = c.post("/api/session", Value::Null).await;
    assert_eq!(res.status, StatusCode::CREATED);
    let cookie = res.set_cookie("squid_session").expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing: {cookie}");
    }
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "dies with the browser: {cookie}"
    );

    let s = res.json();
    let token = c.session_token().unwrap();
    assert_ne!(
        s["id"].as_str().unwrap(),
        token,
        "the public id is not the token"
    );
    assert_eq!(s["pagesVisited"]["items"], serde_json::json!([]));
    assert_eq!(s["pagesVisited"]["totalPages"], 0);
    assert_eq!(s["user"], Value::Null);
    assert_eq!(s["duration"], 0);
    // 2026-11-22T10:15:30.123Z
    let start = s["startTime"].as_str().unwrap();
    assert_eq!(start.len(), 24, "{start}");
    assert!(start.ends_with('Z') && start.as_bytes()[19] == b'.');
}

#[tokio::test]
async fn the_token_is_128_random_bits_and_only_its_hash_is_stored() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let s = c.start().await;
    let token = c.session_token().unwrap();
    let id: Id = token.parse().expect("a tower-sessions id");
    let raw = id.0.to_le_bytes();

    let live = app.live_sessions().await;
    let [(stored, public_id)] = live.as_slice() else {
        panic!("one live session: {live:?}")
    };
    let hash: String = Token(raw)
        .hash()
        .0
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(stored, &hash);
    assert_eq!(public_id, s["id"].as_str().unwrap());

    // Nowhere is the cookie value stored, nor the raw token.
    app.assert_not_stored(&[token.as_bytes(), &raw]).await;
}

#[tokio::test]
async fn without_a_session_the_routes_answer_401_no_session() {
    let app = TestApp::new().await;
    let mut c = app.client();
    for res in [
        c.get("/api/session").await,
        c.post("/api/session/page", serde_json::json!({"page": "x"}))
            .await,
        c.post("/api/session/action", serde_json::json!({"action": "x"}))
            .await,
        c.get("/api/session/actions").await,
        c.get("/api/activity").await,
    ] {
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(res.error().0, "no_session");
    }
}

#[tokio::test]
async fn a_token_the_server_did_not_issue_is_not_adopted_and_its_cookie_is_expired() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.jar
        .insert("squid_session".into(), Id::default().to_string());
    let res = c.get("/api/session").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "no_session");
    let removal = res
        .set_cookie("squid_session")
        .expect("the cookie is expired");
    assert!(removal.contains("Max-Age=0"), "{removal}");

    // Garbage that is not even an id: same.
    let mut c = app.client();
    c.jar.insert("squid_session".into(), "not-a-token".into());
    assert_eq!(c.get("/api/session").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.live_sessions().await.len(), 0);
}

#[tokio::test]
async fn delete_ends_the_session_for_good() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    let token = c.session_token().unwrap();
    let res = c.delete("/api/session").await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert!(res
        .set_cookie("squid_session")
        .unwrap()
        .contains("Max-Age=0"));

    // Replaying the old token does not work.
    c.jar.insert("squid_session".into(), token);
    assert_eq!(c.get("/api/session").await.status, StatusCode::UNAUTHORIZED);
    let ended: Option<String> = sqlx::query_scalar("SELECT end_reason FROM session_log")
        .fetch_one(app.sql())
        .await
        .unwrap();
    assert_eq!(ended.as_deref(), Some("ended"));
}

#[tokio::test]
async fn a_fresh_session_replaces_the_live_one_with_a_new_token() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let first = c.start().await;
    c.post("/api/session/page", serde_json::json!({"page": "a"}))
        .await;
    let old_token = c.session_token().unwrap();
    let second = c.start().await;
    assert_ne!(first["id"], second["id"]);
    assert_ne!(c.session_token().unwrap(), old_token);
    assert_eq!(second["pagesVisited"]["total"], 0);

    let mut replay = app.client();
    replay.jar.insert("squid_session".into(), old_token);
    assert_eq!(
        replay.get("/api/session").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn idle_expiry_slides_with_reads_too() {
    let app = TestApp::with_env(&[
        ("SESSION_IDLE_TIMEOUT_SECS", "1"),
        ("SESSION_ABSOLUTE_TIMEOUT_SECS", "60"),
    ])
    .await;
    let mut c = app.client();
    c.start().await;
    // Only reads, for twice the idle timeout: each one slides the deadline.
    for _ in 0..8 {
        app.advance(Duration::from_millis(250));
        assert_eq!(c.get("/api/session").await.status, StatusCode::OK);
    }
    app.advance(Duration::from_millis(1100));
    let res = c.get("/api/session").await;
    assert_eq!(
        res.status,
        StatusCode::UNAUTHORIZED,
        "idle for longer than the timeout"
    );
    let reason: Option<String> = sqlx::query_scalar("SELECT end_reason FROM session_log")
        .fetch_one(app.sql())
        .await
        .unwrap();
    assert_eq!(reason.as_deref(), Some("expired"));
}

#[tokio::test]
async fn absolute_expiry_ends_even_a_busy_session() {
    let app = TestApp::with_env(&[
        ("SESSION_IDLE_TIMEOUT_SECS", "60"),
        ("SESSION_ABSOLUTE_TIMEOUT_SECS", "1"),
    ])
    .await;
    let mut c = app.client();
    let s = c.start().await;
    let (start, expires) = (
        s["startTime"].as_str().unwrap().to_string(),
        s["expiresAt"].as_str().unwrap().to_string(),
    );
    assert!(expires > start);
    for _ in 0..3 {
        app.advance(Duration::from_millis(200));
        assert_eq!(c.get("/api/session").await.status, StatusCode::OK);
    }
    app.advance(Duration::from_millis(500));
    assert_eq!(c.get("/api/session").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expires_at_is_the_earlier_deadline() {
    let app = TestApp::with_env(&[
        ("SESSION_IDLE_TIMEOUT_SECS", "1800"),
        ("SESSION_ABSOLUTE_TIMEOUT_SECS", "60"),
    ])
    .await;
    let mut c = app.client();
    let s = c.start().await;
    let start = time::OffsetDateTime::parse(
        s["startTime"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let expires = time::OffsetDateTime::parse(
        s["expiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!((expires - start).whole_seconds(), 60);
}

#[tokio::test]
async fn the_sweeper_deletes_expired_rows_and_closes_their_history() {
    let app = TestApp::with_env(&[("SESSION_IDLE_TIMEOUT_SECS", "1")]).await;
    let mut a = app.client();
    a.start().await;
    app.advance(Duration::from_millis(1100));
    let mut b = app.client();
    b.start().await;
    let swept = app.domain().sessions.sweep(app.now()).await.unwrap();
    assert_eq!(swept, 1, "only the idle one");
    assert_eq!(app.live_sessions().await.len(), 1);
    let ended: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM session_log WHERE end_reason = 'expired'")
            .fetch_one(app.sql())
            .await
            .unwrap();
    assert_eq!(ended, 1);
    assert_eq!(b.get("/api/session").await.status, StatusCode::OK);
}

/// A request in flight when its session ends must not bring it back when it finishes:
/// tower-sessions then calls `save` (and our middleware `touch`) on a session that is gone.
#[tokio::test]
async fn a_request_finishing_after_the_end_does_not_resurrect_the_session() {
    let app = TestApp::new().await;
    let store = CookieCarrier {
        sessions: app.domain().sessions.clone(),
        clock: app.state.clock.clone(),
    };
    let new = NewSession {
        user_agent: "ua".into(),
        ..Default::default()
    };
    let live = app.start_session(new, app.now()).await;
    let token: Token = live.token;
    let id = Id(i128::from_le_bytes(token.0));
    // The in-flight request has loaded it...
    let loaded = store.load(&id).await.unwrap().expect("live");
    // ...then the session ends...
    app.end_session(&live, EndReason::Ended, app.now()).await;
    // ...then the request finishes: it saves and counts as activity.
    store.save(&loaded).await.unwrap();
    app.domain()
        .sessions
        .touch(&token, live.record.clone(), app.now() + 60_000)
        .await
        .unwrap();

    assert!(store.load(&id).await.unwrap().is_none(), "still ended");
    assert_eq!(app.live_sessions().await.len(), 0);
}

#[tokio::test]
async fn a_different_user_agent_ends_the_session_on_the_spot() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    let mut thief = c.clone();
    thief.user_agent = "curl/8".into();
    let res = thief.get("/api/session").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "no_session");
    // The owner's session is gone too: the token is burnt.
    assert_eq!(c.get("/api/session").await.status, StatusCode::UNAUTHORIZED);
    let reason: Option<String> = sqlx::query_scalar("SELECT end_reason FROM session_log")
        .fetch_one(app.sql())
        .await
        .unwrap();
    assert_eq!(reason.as_deref(), Some("user_agent_changed"));
}

/// Sessions are cached in-process; an end made by another process (straight in the
/// database, as a CLI command or a second instance would) is seen within the 1 s bound.
#[tokio::test]
async fn an_end_made_by_another_process_is_seen_within_a_second() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.start().await;
    assert_eq!(c.get("/api/session").await.status, StatusCode::OK);
    // The test's own pool is such another process.
    app.delete_live_sessions().await;
    app.advance(Duration::from_millis(1_100));
    assert_eq!(c.get("/api/session").await.status, StatusCode::UNAUTHORIZED);
}

/// In production the cookies are `__Host-` and `Secure`, the removal cookie too (browsers
/// ignore a `__Host-` cookie without `Secure`, so a sign-out would otherwise not clear it).
#[tokio::test]
async fn production_cookies_are_host_prefixed_and_secure_even_when_removed() {
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
    let app = TestApp::with_env(&[("APP_ENV", "production"), ("COOKIE_KEY", &key)]).await;
    let mut c = app.client();
    let res = c.post("/api/session", Value::Null).await;
    let session = res
        .set_cookie("__Host-squid_session")
        .expect("__Host- session cookie");
    assert!(
        session.contains("Secure") && session.contains("Path=/") && !session.contains("Domain"),
        "{session}"
    );
    let res = c
        .post("/api/preferences", serde_json::json!({"theme": "dark"}))
        .await;
    let prefs = res
        .set_cookie("__Host-squid_prefs")
        .expect("__Host- preferences cookie");
    assert!(prefs.contains("Secure"), "{prefs}");
    assert_eq!(c.get("/api/preferences").await.json()["theme"], "dark");

    let res = c.delete("/api/session").await;
    let removal = res
        .set_cookie("__Host-squid_session")
        .expect("removal cookie");
    assert!(
        removal.contains("Max-Age=0") && removal.contains("Secure"),
        "{removal}"
    );
}
