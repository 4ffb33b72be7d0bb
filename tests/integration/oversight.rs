//! The administration of sessions (`API.md`, "Administration of sessions"): everyone's
//! live sessions with filters and counts, the statistics, and ending any session or all
//! of a user's, audited for that user.

use crate::audit::types;
use crate::harness::{Client, TestApp, PW};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use squid::domain::sessions::NewSession;
use squid::domain::EndReason;
use std::time::Duration;

const ADMIN: &str = "root@example.com";

async fn with_admin() -> (TestApp, Client) {
    let app = TestApp::with_env(&[("ADMIN_EMAILS", ADMIN)]).await;
    let mut admin = app.client();
    admin.user_agent =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36".into();
    admin.register(ADMIN, PW).await;
    (app, admin)
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn only_admins_may_look_or_act() {
    let (app, _admin) = with_admin().await;
    let mut guest = app.client();
    let mut user = app.client();
    user.register("ann@example.com", PW).await;
    let user_id = user.get("/api/auth/me").await.json()["user"]["id"].clone();
    let user_id = user_id.as_str().unwrap();
    for (who, code, status) in [
        (&mut guest, "unauthenticated", StatusCode::UNAUTHORIZED),
        (&mut user, "forbidden", StatusCode::FORBIDDEN),
    ] {
        for res in [
            who.get("/api/admin/sessions").await,
            who.get("/api/admin/sessions?kind=nonsense").await,
            who.get("/api/admin/sessions/stats").await,
            who.delete("/api/admin/sessions/whatever").await,
            who.delete(&format!("/api/admin/users/{user_id}/sessions"))
                .await,
        ] {
            assert_eq!((res.status, res.error().0.as_str()), (status, code));
        }
    }
    assert_eq!(
        user.get("/api/auth/me").await.status,
        StatusCode::OK,
        "untouched"
    );
}

#[tokio::test]
async fn admins_list_everyones_live_sessions_with_filters_and_counts() {
    let (app, mut admin) = with_admin().await;
    app.advance(Duration::from_secs(1));
    let mut guest = app.client();
    guest.start().await;
    guest
        .post("/api/session/page", json!({"page": "home"}))
        .await;
    guest
        .post("/api/session/page", json!({"page": "cart"}))
        .await;
    guest
        .post("/api/session/action", json!({"action": "added"}))
        .await;
    app.advance(Duration::from_secs(1));
    let mut ann = app.client();
    let ann_user = ann.register("ann@example.com", PW).await;
    app.advance(Duration::from_secs(1));
    let mut ann_phone = app.client();
    ann_phone.user_agent = "Mozilla/5.0 (iPhone) Version/17.0 Mobile/15E148 Safari/604.1".into();
    ann_phone.login("ann@example.com", PW).await;

    let list = admin.get("/api/admin/sessions").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let list = list.json();
    assert_eq!(list["total"], 4);
    let items = list["items"].as_array().unwrap();
    // Most recent activity first, by the stored activity (written at most once per touch
    // interval: the admin's requests since registering are not in it yet).
    assert!(items[0]["userAgent"].as_str().unwrap().contains("iPhone"));
    assert_eq!(items[0]["user"]["email"], "ann@example.com");
    assert_eq!(items[1]["user"], ann_user);
    let g = &items[2];
    assert_eq!(
        (&g["user"], &g["pageViews"], &g["actions"]),
        (&Value::Null, &json!(2), &json!(1))
    );
    assert_eq!(items[3]["user"]["email"], ADMIN);
    for key in [
        "id",
        "startTime",
        "lastActivity",
        "expiresAt",
        "ip",
        "userAgent",
    ] {
        assert!(g.get(key).is_some(), "{key}");
    }

    let guests = admin.get("/api/admin/sessions?kind=guest").await.json();
    assert_eq!(guests["total"], 1);
    let users = admin
        .get("/api/admin/sessions?kind=user&perPage=1&page=2")
        .await
        .json();
    assert_eq!(
        (users["total"].clone(), users["totalPages"].clone()),
        (json!(3), json!(3))
    );
    assert_eq!(users["items"][0]["user"]["email"], "ann@example.com");
    let by_email = admin
        .get("/api/admin/sessions?user=ANN@example.com")
        .await
        .json();
    let by_id = admin
        .get(&format!(
            "/api/admin/sessions?user={}",
            ann_user["id"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(by_email["total"], 2);
    assert_eq!(ids(&by_email), ids(&by_id));
    let nobody = admin
        .get("/api/admin/sessions?user=nobody@example.com")
        .await
        .json();
    assert_eq!(
        (nobody["total"].clone(), nobody["totalPages"].clone()),
        (json!(0), json!(0))
    );
    let res = admin.get("/api/admin/sessions?kind=robot").await;
    assert_eq!(
        res.error(),
        ("validation_failed".into(), Some("kind".into()))
    );
    assert_eq!(
        admin.get("/api/admin/sessions?perPage=0").await.status,
        StatusCode::BAD_REQUEST
    );

    // An expired session is not listed, swept or not.
    app.advance(Duration::from_secs(1000));
    admin.get("/api/auth/me").await;
    app.advance(Duration::from_secs(800));
    admin.get("/api/auth/me").await;
    let list = admin.get("/api/admin/sessions").await.json();
    assert_eq!(list["total"], 1, "{list}");
}

#[tokio::test]
async fn the_statistics_count_live_sessions_and_ends_by_reason() {
    let (app, mut admin) = with_admin().await;
    let mut firefox = app.client();
    firefox.user_agent =
        "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0".into();
    firefox.start().await;
    let mut curl = app.client();
    curl.user_agent = "curl/8.5.0".into();
    curl.register("bo@example.com", PW).await;
    let mut other = app.client();
    other.register("cy@example.com", PW).await;
    assert_eq!(
        other.post("/api/auth/logout", Value::Null).await.status,
        StatusCode::NO_CONTENT
    );
    let mut gone = app.client();
    gone.start().await;
    gone.delete("/api/session").await;

    let stats = admin.get("/api/admin/sessions/stats").await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    let stats = stats.json();
    assert_eq!(
        (stats["live"].clone(), stats["guests"].clone()),
        (json!(3), json!(1))
    );
    assert_eq!(
        (stats["signedIn"].clone(), stats["users"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(
        stats["byBrowser"],
        json!({"Chrome": 1, "Firefox": 1, "curl": 1})
    );
    // Two sign-outs (one of a guest's "End session"), and rotations are not ends.
    assert_eq!(
        stats["ended"],
        json!({"logout": 2, "expired": 0, "revoked": 0, "evicted": 0})
    );

    // "Up to now" includes this very millisecond: a session ended at the instant the
    // statistics are asked for counts (it once did not, and CI failed on a fast machine).
    let visitor = app.visitor_of(&admin).await;
    let now = app.now();
    let guest = app.start_session(NewSession::default(), now - 1000).await;
    app.end_session(&guest, EndReason::SignedOut, now).await;
    let oversight = &app.domain().oversight;
    let stats = oversight.stats(&visitor, None, None, now).await.unwrap();
    assert_eq!(stats.ended["logout"], 3, "{:?}", stats.ended);

    let old = admin
        .get("/api/admin/sessions/stats?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z")
        .await;
    assert_eq!(old.json()["ended"]["logout"], 0);
    assert_eq!(old.json()["from"], "2020-01-01T00:00:00.000Z");
    let res = admin.get("/api/admin/sessions/stats?from=yesterday").await;
    assert_eq!(
        res.error(),
        ("validation_failed".into(), Some("from".into()))
    );
}

#[tokio::test]
async fn admins_end_any_session_or_all_of_a_users_audited_for_that_user() {
    let (app, mut admin) = with_admin().await;
    let mut ann = app.client();
    let ann_user = ann.register("ann@example.com", PW).await;
    let mut ann_phone = app.client();
    ann_phone.user_agent = "phone".into();
    ann_phone.login("ann@example.com", PW).await;
    let mut guest = app.client();
    let guest_id = guest.start().await["id"].as_str().unwrap().to_string();
    let phone_id = ann_phone.get("/api/session").await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();

    assert_eq!(
        admin
            .delete(&format!("/api/admin/sessions/{guest_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        guest.get("/api/session").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        admin
            .delete(&format!("/api/admin/sessions/{guest_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.delete("/api/admin/sessions/no-such-id").await.status,
        StatusCode::NOT_FOUND
    );

    let res = admin
        .delete(&format!("/api/admin/sessions/{phone_id}"))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        ann_phone.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED,
        "the very next request"
    );
    assert_eq!(ann.get("/api/auth/me").await.status, StatusCode::OK);
    let audit = ann.get("/api/audit").await.json();
    let revoked = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "session_revoked")
        .expect("audited for Ann")
        .clone();
    assert_eq!(revoked["details"]["reason"], "admin");
    assert_eq!(revoked["details"]["sessionId"], phone_id.as_str());

    ann_phone.login("ann@example.com", PW).await;
    let ann_id = ann_user["id"].as_str().unwrap();
    let res = admin
        .delete(&format!("/api/admin/users/{ann_id}/sessions"))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        ann.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        ann_phone.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        admin
            .delete("/api/admin/users/nobody/sessions")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    ann.login("ann@example.com", PW).await;
    let audit = ann.get("/api/audit").await.json();
    let by_admin = types(&audit)
        .iter()
        .filter(|t| *t == "session_revoked")
        .count();
    assert_eq!(by_admin, 3);
    let stats = admin.get("/api/admin/sessions/stats").await.json();
    assert_eq!(stats["ended"]["revoked"], 4, "{stats}");

    // Past the recent sign-in, the admin must confirm first.
    app.advance(Duration::from_secs(901));
    admin.get("/api/auth/me").await;
    let res = admin
        .delete(&format!("/api/admin/users/{ann_id}/sessions"))
        .await;
    assert_eq!(res.error().0, "reauthentication_required");
    assert_eq!(ann.get("/api/auth/me").await.status, StatusCode::OK);
    let res = admin
        .post("/api/auth/reauth", json!({"password": PW}))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let res = admin
        .json(
            Method::DELETE,
            &format!("/api/admin/users/{ann_id}/sessions"),
            Value::Null,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
}
