//! The admin analytics (`API.md`, "Analytics", admin only), exact on a small known dataset
//! on every backend: funnels with out-of-order visits, paths, cohorts across weeks, and the
//! users who objected to analytics left out, past data included.

use crate::harness::{Client, TestApp, PW};
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const ADMIN: &str = "root@example.com";
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

pub(crate) async fn with_admin() -> (TestApp, Client) {
    let app = TestApp::with_env(&[("ADMIN_EMAILS", ADMIN)]).await;
    let mut admin = app.client();
    admin.register(ADMIN, PW).await;
    (app, admin)
}

fn rfc3339(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

pub(crate) async fn ok(admin: &mut Client, path: &str) -> Value {
    let res = admin.get(path).await;
    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.text());
    res.json()
}

fn values(points: &Value) -> Vec<i64> {
    points
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_i64().unwrap())
        .collect()
}

/// Three guests, Ann and Bob, one second between steps, every session started at `from`:
/// - guest 1: home, pricing, signup, and "search" twice;
/// - guest 2: pricing, home, signup (pricing before home: out of order for the funnel);
/// - guest 3: home;
/// - Ann: home, pricing, home, signup, and "search";
/// - Bob: home, pricing, signup, checkout, and "export", then he objects to analytics.
async fn known_dataset(app: &TestApp) -> (i64, Client) {
    app.advance(Duration::from_secs(60));
    let from = app.now();
    let mut visitors: Vec<Client> = (0..5).map(|_| app.client()).collect();
    for guest in &mut visitors[..3] {
        guest.start().await;
    }
    visitors[3].register("ann@example.com", PW).await;
    visitors[4].register("bob@example.com", PW).await;
    let journeys: [&[&str]; 5] = [
        &["home", "pricing", "signup"],
        &["pricing", "home", "signup"],
        &["home"],
        &["home", "pricing", "home", "signup"],
        &["home", "pricing", "signup", "checkout"],
    ];
    for step in 0..4 {
        app.advance(Duration::from_secs(1));
        for (c, journey) in visitors.iter_mut().zip(journeys) {
            if let Some(page) = journey.get(step) {
                let res = c.post("/api/session/page", json!({ "page": page })).await;
                assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
            }
        }
    }
    for (i, action) in [(0, "search"), (0, "search"), (3, "search"), (4, "export")] {
        let res = visitors[i]
            .post("/api/session/action", json!({ "action": action }))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    }
    let mut bob = visitors.remove(4);
    let res = bob
        .post(
            "/api/consent",
            json!({"type": "analytics", "granted": false}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // Every session is 100 s old when the figures are read.
    app.advance(Duration::from_secs(96));
    (from, bob)
}

#[tokio::test]
async fn the_overview_counts_everyone_but_those_who_objected() {
    let (app, mut admin) = with_admin().await;
    let (from, mut bob) = known_dataset(&app).await;
    let q = format!("from={}", rfc3339(from));
    let overview = ok(&mut admin, &format!("/api/admin/analytics/overview?{q}")).await;
    assert_eq!(
        overview,
        json!({
            // Ann and the admin, signed in throughout (a user is active while a session of
            // theirs is open).
            "activeUsers": {"day": 2, "week": 2, "month": 2},
            "activeSessions": 4,
            "totalSessions": 4,
            "avgSessionDuration": 100,
            "popularPages": [
                {"page": "home", "views": 5, "visitors": 4},
                {"page": "pricing", "views": 3, "visitors": 3},
                {"page": "signup", "views": 3, "visitors": 3}
            ],
            "eventBreakdown": {"page_view": 11, "action": 3},
            "featureUsage": [{"action": "search", "users": 2, "count": 3}]
        })
    );

    // The default 30 days read their page views another way on SQLite than the 100 s
    // above (by name rather than by time): the same figures.
    let month = ok(&mut admin, "/api/admin/analytics/overview").await;
    assert_eq!(month["popularPages"], overview["popularPages"]);
    assert_eq!(month["eventBreakdown"], overview["eventBreakdown"]);

    // The newest choice decides: Bob consents again and is counted again, past data too.
    bob.post(
        "/api/consent",
        json!({"type": "analytics", "granted": true}),
    )
    .await;
    let overview = ok(&mut admin, &format!("/api/admin/analytics/overview?{q}")).await;
    assert_eq!(overview["totalSessions"], 5);
    assert_eq!(overview["activeUsers"]["day"], 3);
    assert_eq!(
        overview["eventBreakdown"],
        json!({"page_view": 15, "action": 4})
    );
    assert_eq!(
        overview["popularPages"][3],
        json!({"page": "checkout", "views": 1, "visitors": 1})
    );

    // A period that ends before anything happened has nothing in it.
    let before = format!("to={}", rfc3339(from));
    let empty = ok(
        &mut admin,
        &format!("/api/admin/analytics/overview?{before}"),
    )
    .await;
    assert_eq!(empty["popularPages"], json!([]));
    assert_eq!(
        empty["eventBreakdown"],
        json!({"page_view": 0, "action": 0})
    );
}

#[tokio::test]
async fn funnels_count_steps_in_order_and_paths_the_first_pages() {
    let (app, mut admin) = with_admin().await;
    let (from, _bob) = known_dataset(&app).await;
    let q = format!("from={}", rfc3339(from));
    let funnel = ok(
        &mut admin,
        &format!("/api/admin/analytics/funnel?steps=home,pricing,signup&{q}"),
    )
    .await;
    // Guest 2 saw pricing only before home; guest 3 stopped at home; Bob is left out.
    assert_eq!(
        funnel,
        json!({"steps": [
            {"step": "home", "sessions": 4, "conversion": 1.0},
            {"step": "pricing", "sessions": 2, "conversion": 0.5},
            {"step": "signup", "sessions": 2, "conversion": 0.5}
        ]})
    );
    let funnel = ok(
        &mut admin,
        &format!("/api/admin/analytics/funnel?steps=pricing,home,checkout&{q}"),
    )
    .await;
    let sessions: Vec<i64> = funnel["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sessions"].as_i64().unwrap())
        .collect();
    // Pricing then home: guest 2 and Ann (home again after pricing); checkout only Bob's.
    assert_eq!(sessions, [3, 2, 0]);

    let paths = ok(&mut admin, &format!("/api/admin/analytics/paths?{q}")).await;
    assert_eq!(
        paths,
        json!({"items": [
            {"path": ["home", "pricing", "home"], "sessions": 1},
            {"path": ["home", "pricing", "signup"], "sessions": 1},
            {"path": ["pricing", "home", "signup"], "sessions": 1}
        ]})
    );
    let paths = ok(
        &mut admin,
        &format!("/api/admin/analytics/paths?length=2&limit=1&{q}"),
    )
    .await;
    assert_eq!(
        paths,
        json!({"items": [{"path": ["home", "pricing"], "sessions": 2}]})
    );
}

#[tokio::test]
async fn series_realtime_and_durations_fill_every_interval() {
    // The dataset starts half a second into an hour, so each interval's count is known;
    // the admin signs in once the clock is there (up to an hour on: past the idle timeout).
    let app = TestApp::with_env(&[("ADMIN_EMAILS", ADMIN)]).await;
    let now = app.now();
    let mut start = (now / HOUR + 1) * HOUR + 500 - 60_000;
    if start < now {
        start += HOUR;
    }
    app.advance(Duration::from_millis((start - now) as u64));
    let mut admin = app.client();
    admin.register(ADMIN, PW).await;
    let (from, _bob) = known_dataset(&app).await;
    let hour = from / HOUR * HOUR;
    let now = app.now();
    assert!(now < hour + HOUR, "the dataset took less than an hour");
    let q = format!("from={}&to={}", rfc3339(hour - 2 * HOUR), rfc3339(now));
    let series = ok(
        &mut admin,
        &format!("/api/admin/analytics/timeseries?metric=pageViews&interval=hour&{q}"),
    )
    .await;
    let times: Vec<String> = (0..3)
        .map(|i| rfc3339(hour + (i - 2) * HOUR).replace('Z', ".000Z"))
        .collect();
    let t = |points: &Value| -> Vec<String> {
        let points = points.as_array().unwrap().iter();
        points
            .map(|p| p["t"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(t(&series["points"]), times);
    assert_eq!(values(&series["points"]), [0, 0, 11]);
    // From the hour on: the admin's session began in the one before.
    let since = format!("from={}&to={}", rfc3339(hour), rfc3339(now));
    let sessions = ok(
        &mut admin,
        &format!("/api/admin/analytics/timeseries?interval=hour&{since}"),
    )
    .await;
    assert_eq!(values(&sessions["points"]), [4]);
    let q = format!("from={}", rfc3339(from));
    let users = ok(
        &mut admin,
        &format!("/api/admin/analytics/timeseries?metric=activeUsers&{q}"),
    )
    .await;
    assert_eq!(
        values(&users["points"]),
        [1],
        "Ann: Bob objected, the admin viewed nothing"
    );
    assert_eq!(
        t(&users["points"]),
        [rfc3339(from / DAY * DAY).replace('Z', ".000Z")]
    );

    let live = ok(&mut admin, "/api/admin/analytics/realtime").await;
    assert_eq!(live["activeSessions"], 4);
    assert_eq!(live["pageViews"].as_array().unwrap().len(), 30);
    assert_eq!(values(&live["pageViews"]).iter().sum::<i64>(), 11);
    assert_eq!(live["topPages"][0], json!({"page": "home", "views": 5}));
    // Ten minutes later nobody is active, and the last 30 minutes still hold the views.
    app.advance(Duration::from_secs(600));
    let live = ok(&mut admin, "/api/admin/analytics/realtime").await;
    assert_eq!(live["activeSessions"], 0);
    assert_eq!(values(&live["pageViews"]).iter().sum::<i64>(), 11);

    let durations = ok(
        &mut admin,
        &format!("/api/admin/analytics/durations?{q}&to={}", rfc3339(now)),
    )
    .await;
    let counts: Vec<i64> = durations["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["sessions"].as_i64().unwrap())
        .collect();
    // Four live sessions, 700 s long by now: in [600 s, 1800 s).
    assert_eq!(counts, [0, 0, 0, 0, 0, 4, 0]);
}

#[tokio::test]
async fn retention_follows_weekly_cohorts_of_first_sign_in() {
    let (app, mut admin) = with_admin().await;
    // To 01:00 on the next Monday (UTC): week A.
    let now = app.now();
    let monday = (now - 4 * DAY).div_euclid(7 * DAY) * 7 * DAY + 4 * DAY + 7 * DAY;
    app.advance(Duration::from_millis((monday + HOUR - now) as u64));
    let mut users: Vec<Client> = (0..4).map(|_| app.client()).collect();
    for (i, c) in users.iter_mut().enumerate() {
        if i != 2 {
            c.register(&format!("u{i}@example.com"), PW).await;
        }
    }
    users[3]
        .post(
            "/api/consent",
            json!({"type": "analytics", "granted": false}),
        )
        .await;
    app.advance(Duration::from_secs(7 * 24 * 3600)); // week A + 1
    users[2].register("u2@example.com", PW).await;
    users[0].login("u0@example.com", PW).await;
    users[3].login("u3@example.com", PW).await;
    app.advance(Duration::from_secs(7 * 24 * 3600)); // week A + 2
    for (i, c) in users.iter_mut().enumerate() {
        let res = c.login(&format!("u{i}@example.com"), PW).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    }
    let week = |ms: i64| {
        let t = time::OffsetDateTime::from_unix_timestamp(ms / 1000).unwrap();
        let (y, w, _) = t.date().to_iso_week_date();
        format!("{y}-W{w:02}")
    };
    admin.login(ADMIN, PW).await;
    let retention = ok(&mut admin, "/api/admin/analytics/retention?weeks=3").await;
    // The admin registered before week A: in no cohort. u3 objected: left out.
    assert_eq!(
        retention,
        json!({"cohorts": [
            {"cohort": week(monday), "users": 2, "retained": [2, 1, 2]},
            {"cohort": week(monday + 7 * DAY), "users": 1, "retained": [1, 1]},
            {"cohort": week(monday + 14 * DAY), "users": 0, "retained": [0]}
        ]})
    );
}

#[tokio::test]
async fn only_admins_may_read_and_bad_queries_are_named() {
    let (app, mut admin) = with_admin().await;
    let mut guest = app.client();
    let mut user = app.client();
    user.register("ann@example.com", PW).await;
    let routes = [
        "overview",
        "paths",
        "funnel",
        "retention",
        "timeseries",
        "realtime",
        "durations",
    ];
    for (who, code, status) in [
        (&mut guest, "unauthenticated", StatusCode::UNAUTHORIZED),
        (&mut user, "forbidden", StatusCode::FORBIDDEN),
    ] {
        for route in routes {
            let res = who
                .get(&format!("/api/admin/analytics/{route}?weeks=0"))
                .await;
            assert_eq!(
                (res.status, res.error().0.as_str()),
                (status, code),
                "{route}"
            );
        }
    }
    for (path, field) in [
        ("paths?length=6", "length"),
        ("paths?limit=0", "limit"),
        ("funnel", "steps"),
        ("funnel?steps=a,b,c,d,e,f", "steps"),
        ("retention?weeks=27", "weeks"),
        ("timeseries?metric=visits", "metric"),
        ("timeseries?interval=week", "interval"),
        ("overview?from=yesterday", "from"),
        (
            "overview?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
            "from",
        ),
        (
            "timeseries?interval=hour&from=2025-01-01T00:00:00Z&to=2025-12-01T00:00:00Z",
            "interval",
        ),
    ] {
        let res = admin.get(&format!("/api/admin/analytics/{path}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            res.error(),
            ("validation_failed".into(), Some(field.into())),
            "{path}"
        );
    }
}
