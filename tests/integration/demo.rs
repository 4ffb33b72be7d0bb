//! `squid demo` on the backend under test: what it says it wrote is what the tables hold,
//! the counters agree with the events, objectors are on record, demo accounts sign in,
//! and the same seed writes the same rows.

use crate::harness::TestApp;
use axum::http::StatusCode;
use squid::domain::accounts::password::Hasher;
use squid::domain::demo::{self, Request, Summary, DEMO_PASSWORD};

async fn run(app: &TestApp, users: u32, days: u32, seed: u64) -> squid::domain::Result<Summary> {
    let hash = demo::password_hash(&Hasher::default(), seed).await?;
    // The same day for every run of a test, whenever it runs.
    let now = 1_796_083_200_000 + 3_600_000; // 2026-12-01T01:00:00Z
    let plan = Request::new(users, days, seed)?.plan(now, hash, "1");
    let mut calls = 0;
    let summary = demo::fill(&**app.store(), plan, |_| calls += 1).await?;
    assert!(calls >= 1);
    Ok(summary)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(app.sql())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn the_tables_hold_what_the_summary_says() {
    let app = TestApp::new().await;
    let s = run(&app, 120, 30, 5).await.unwrap();
    assert_eq!(s.users, 120);
    assert!(
        s.page_views > 1000 && s.actions > 0 && s.sessions > 200,
        "{s:?}"
    );
    let n = |sql| count(&app, sql);
    assert_eq!(n("SELECT COUNT(*) FROM users").await, 120);
    assert_eq!(
        n("SELECT COUNT(*) FROM users WHERE email LIKE 'user%@demo.squid.test'").await,
        120
    );
    assert_eq!(
        n("SELECT COUNT(*) FROM session_log").await as u64,
        s.sessions
    );
    assert_eq!(
        n("SELECT COUNT(*) FROM events WHERE kind = 'page_view'").await as u64,
        s.page_views
    );
    assert_eq!(
        n("SELECT COUNT(*) FROM events WHERE kind = 'action'").await as u64,
        s.actions
    );
    // The counters the triggers keep agree with the events.
    assert_eq!(
        n("SELECT CAST(SUM(page_views) AS BIGINT) FROM session_log").await as u64,
        s.page_views
    );
    assert_eq!(
        n("SELECT CAST(SUM(actions) AS BIGINT) FROM session_log").await as u64,
        s.actions
    );
    // The reports' index of events by name holds every event (SQLite copies them at the
    // end of the run; on PostgreSQL it is a view).
    assert_eq!(
        n("SELECT COUNT(*) FROM event_index").await as u64,
        s.page_views + s.actions
    );
    // Every session ended; none lives.
    assert_eq!(
        n("SELECT COUNT(*) FROM session_log WHERE ended_at IS NULL").await,
        0
    );
    assert_eq!(n("SELECT COUNT(*) FROM sessions").await, 0);
    // Objectors have withdrawn analytics consent, and only they.
    assert_eq!(
        n("SELECT COUNT(DISTINCT user_id) FROM consents WHERE type = 'analytics' AND NOT granted")
            .await as u64,
        s.objectors
    );
    // A demo account signs in with the demo password.
    let mut client = app.client();
    let res = client
        .login("user00007@demo.squid.test", DEMO_PASSWORD)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // A second run into the same database is refused before it writes anything.
    let again = run(&app, 10, 30, 6).await;
    assert!(again.is_err());
    assert_eq!(n("SELECT COUNT(*) FROM users").await, 120);
}

#[tokio::test]
async fn the_same_seed_writes_the_same_rows() {
    let (a, b) = (TestApp::new().await, TestApp::new().await);
    let (sa, sb) = (
        run(&a, 40, 14, 11).await.unwrap(),
        run(&b, 40, 14, 11).await.unwrap(),
    );
    assert_eq!(sa, sb);
    assert_eq!(rows_of(&a).await, rows_of(&b).await);
}

/// Every row of every table, sorted, without the ids of `events` and `consents`: on a
/// shared engine two transactions write at once, and those ids follow the commits.
async fn rows_of(app: &TestApp) -> (Vec<String>, Vec<(String, String)>) {
    let (tables, mut rows) = app.every_row().await;
    for (table, row) in rows.iter_mut() {
        if table == "events" || table == "consents" {
            *row = row.split_once('|').unwrap().1.to_string();
        }
    }
    rows.sort();
    (tables, rows)
}

#[test]
fn bad_input_is_refused() {
    assert!(Request::new(0, 90, 1).is_err());
    assert!(Request::new(10, 0, 1).is_err());
    assert!(Request::new(10, 3651, 1).is_err());
}
