//! Devices: the user's live sessions, ending one or all others (with a recent sign-in),
//! the cap per user, and revocation seen at once by the other device.

use crate::harness::{Client, TestApp, PW};
use axum::http::StatusCode;
use serde_json::{json, Value};

async fn signed_in(app: &TestApp, ua: &str) -> Client {
    let mut c = app.client();
    c.user_agent = ua.to_string();
    let res = c.login("ann@example.com", PW).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    c
}

fn items(res: &Value) -> Vec<Value> {
    res["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_list_shows_every_live_session_of_the_user_with_the_current_one_marked() {
    let app = TestApp::new().await;
    app.client().register("ann@example.com", PW).await;
    let mut laptop = signed_in(&app, "Laptop Firefox").await;
    let mut phone = signed_in(&app, "Phone Safari").await;
    let mut stranger = app.client();
    stranger.register("bob@example.com", PW).await;

    // The registering client's session is live too: three of Ann's.
    let list = laptop.get("/api/sessions").await;
    assert_eq!(list.status, StatusCode::OK);
    let list = items(&list.json());
    assert_eq!(list.len(), 3, "{list:?}");
    let current: Vec<&Value> = list.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["userAgent"], "Laptop Firefox");
    let laptop_id = laptop.get("/api/session").await.json()["id"].clone();
    assert_eq!(current[0]["id"], laptop_id);
    for s in &list {
        for field in ["id", "startTime", "lastActivity", "expiresAt", "userAgent"] {
            assert!(s[field].is_string(), "{field} in {s}");
        }
        // A public id, never the cookie token.
        assert_ne!(s["id"].as_str(), laptop.session_token().as_deref());
        assert_ne!(s["id"].as_str(), phone.session_token().as_deref());
    }
    let from_phone = items(&phone.get("/api/sessions").await.json());
    assert_eq!(
        from_phone.iter().filter(|s| s["current"] == true).count(),
        1
    );

    let res = app.client().get("/api/sessions").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error().0, "unauthenticated");
}

#[tokio::test]
async fn ending_a_device_signs_it_out_on_its_next_request() {
    let app = TestApp::new().await;
    app.client().register("ann@example.com", PW).await;
    let mut laptop = signed_in(&app, "Laptop").await;
    let mut phone = signed_in(&app, "Phone").await;
    let phone_id = phone.get("/api/session").await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The phone has its session cached in this process; revocation must still be exact.
    assert_eq!(phone.get("/api/auth/me").await.status, StatusCode::OK);

    let res = laptop.delete(&format!("/api/sessions/{phone_id}")).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    let res = phone.get("/api/auth/me").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        phone.get("/api/session").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(laptop.get("/api/auth/me").await.status, StatusCode::OK);
    let ids: Vec<Value> = items(&laptop.get("/api/sessions").await.json())
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert!(!ids.contains(&json!(phone_id)));

    // Twice, or an id that is not the user's: 404.
    let res = laptop.delete(&format!("/api/sessions/{phone_id}")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let mut bob = app.client();
    bob.register("bob@example.com", PW).await;
    let bob_id = bob.get("/api/session").await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        laptop
            .delete(&format!("/api/sessions/{bob_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.get("/api/auth/me").await.status,
        StatusCode::OK,
        "Bob is untouched"
    );
}

#[tokio::test]
async fn ending_all_other_devices_keeps_only_this_one() {
    let app = TestApp::new().await;
    let mut first = app.client();
    first.register("ann@example.com", PW).await;
    let mut others = vec![];
    for ua in ["a", "b", "c"] {
        others.push(signed_in(&app, ua).await);
    }
    let mut laptop = signed_in(&app, "Laptop").await;
    let res = laptop.delete("/api/sessions").await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    for c in others.iter_mut().chain([&mut first]) {
        assert_eq!(c.get("/api/auth/me").await.status, StatusCode::UNAUTHORIZED);
    }
    let list = items(&laptop.get("/api/sessions").await.json());
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["current"], true);
}

#[tokio::test]
async fn device_operations_need_a_recent_sign_in() {
    let app = TestApp::with_env(&[("REAUTH_WINDOW_SECS", "1")]).await;
    app.client().register("ann@example.com", PW).await;
    let mut laptop = signed_in(&app, "Laptop").await;
    let mut phone = signed_in(&app, "Phone").await;
    let phone_id = phone.get("/api/session").await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.advance(std::time::Duration::from_millis(1100));

    for res in [
        laptop.delete(&format!("/api/sessions/{phone_id}")).await,
        laptop.delete("/api/sessions").await,
    ] {
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(res.error().0, "reauthentication_required");
    }
    assert_eq!(phone.get("/api/auth/me").await.status, StatusCode::OK);
    // Listing is not sensitive.
    assert_eq!(laptop.get("/api/sessions").await.status, StatusCode::OK);

    assert_eq!(
        laptop
            .post("/api/auth/reauth", json!({"password": PW}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        laptop
            .delete(&format!("/api/sessions/{phone_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        phone.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn signing_in_beyond_the_cap_ends_the_least_recently_active_session() {
    let app = TestApp::with_env(&[("MAX_SESSIONS_PER_USER", "2")]).await;
    let mut first = app.client();
    first.register("ann@example.com", PW).await;
    let mut second = signed_in(&app, "second").await;
    // The first is used after the second signed in: the second is now the least recent.
    app.advance(std::time::Duration::from_millis(5));
    assert_eq!(first.get("/api/auth/me").await.status, StatusCode::OK);

    let mut third = signed_in(&app, "third").await;
    assert_eq!(
        second.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED,
        "evicted"
    );
    assert_eq!(first.get("/api/auth/me").await.status, StatusCode::OK);
    assert_eq!(third.get("/api/auth/me").await.status, StatusCode::OK);
    assert_eq!(items(&third.get("/api/sessions").await.json()).len(), 2);

    let audit = third.get("/api/audit?perPage=100").await.json();
    let evicted = items(&audit)
        .into_iter()
        .filter(|e| e["type"] == "session_revoked" && e["details"]["reason"] == "evicted")
        .count();
    assert_eq!(evicted, 1);
}

#[tokio::test]
async fn a_request_in_flight_at_sign_out_does_not_bring_the_session_back() {
    use tower_sessions::SessionStore;
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("ann@example.com", PW).await;
    let token = c.session_token().unwrap();
    let id: tower_sessions::session::Id = token.parse().unwrap();
    let store = squid::web::session_store::CookieCarrier {
        sessions: app.domain().sessions.clone(),
        clock: app.state.clock.clone(),
    };
    // A slow request has loaded the signed-in session...
    let mut loaded = store.load(&id).await.unwrap().expect("live");
    let session_token = squid::web::session_store::token_of(id);
    let loaded_record = app.domain().sessions.load(&session_token, app.now());
    let loaded_record = loaded_record.await.unwrap().expect("live");
    // ...the user signs out meanwhile...
    assert_eq!(
        c.post("/api/auth/logout", json!({})).await.status,
        StatusCode::NO_CONTENT
    );
    // ...and the slow request finishes, saving what it changed.
    let mut record: squid::domain::SessionRecord = loaded_record;
    record.auth_at = Some(app.now());
    loaded
        .data
        .insert("squid".into(), serde_json::to_value(&record).unwrap());
    store.save(&loaded).await.unwrap();

    assert!(store.load(&id).await.unwrap().is_none());
    assert_eq!(app.live_sessions().await.len(), 0);
    let mut replay = app.client();
    replay.jar.insert("squid_session".into(), token);
    assert_eq!(
        replay.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// The cap holds when sign-ins race, on every backend (on four threads: with PostgreSQL and
/// Redis they truly run side by side). Sign-ins of one email queue on the throttle's
/// reservation, and each trims the user's set under a hold on the user.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_sign_ins_never_leave_more_sessions_than_the_cap() {
    let app = TestApp::with_env(&[("MAX_SESSIONS_PER_USER", "3")]).await;
    app.client().register("ann@example.com", PW).await;
    let logins = (0..20).map(|i| {
        let mut c = app.client();
        c.user_agent = format!("device-{i}");
        tokio::spawn(async move { c.login("ann@example.com", PW).await.status })
    });
    for l in logins.collect::<Vec<_>>() {
        assert_eq!(l.await.unwrap(), StatusCode::OK);
    }
    let live = app.live_sessions().await;
    assert_eq!(live.len(), 3, "{live:?}");
}
