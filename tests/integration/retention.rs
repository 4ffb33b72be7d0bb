//! Retention: what is older than `DATA_RETENTION_DAYS` goes, by the server's own task and
//! by `squid purge`; nothing else does.

use crate::harness::TestApp;
use squid::domain::sessions::NewSession;
use squid::domain::tracking::{ActionDetails, Label, NewAction};
use squid::domain::{AuditEvent, AuditKind, EndReason, Origin};

const DAY: i64 = 24 * 60 * 60 * 1000;

/// Old and recent data of every kind the retention policy covers, around `now`.
struct Aged {
    now: i64,
    cutoff: i64,
}

/// `slack` moves what is kept that far from the cut-off, for purges whose own clock runs
/// a little after this one.
async fn seed_aged_data(app: &TestApp, days: i64, slack: i64) -> Aged {
    let now = app.now();
    let cutoff = now - days * DAY;
    let domain = app.domain();
    let seed = || NewSession {
        user_id: None,
        user_agent: "seed".into(),
        ..NewSession::default()
    };
    let page = |name: &str| Label::parse("page", Some(name.into())).unwrap();
    let action = |name: &str| NewAction {
        action: Label::parse("action", Some(name.into())).unwrap(),
        details: ActionDetails::default(),
    };
    // An old ended session with old events; a recently ended one; a live one with events
    // on both sides of the cut-off (one exactly on it: kept).
    let old = app.start_session(seed(), cutoff - 3 * DAY).await;
    for at in [cutoff - 3 * DAY, cutoff - 2 * DAY, cutoff - 1] {
        let old_page = page("old");
        let logged = domain.tracking.log_page(&old.record, &old_page, at);
        logged.await.unwrap();
    }
    domain
        .tracking
        .log_action(&old.record, &action("old action"), cutoff - DAY)
        .await
        .unwrap();
    app.end_session(&old, EndReason::Ended, cutoff - DAY).await;
    let recent = app.start_session(seed(), cutoff - DAY).await;
    app.end_session(&recent, EndReason::Ended, cutoff + 1 + slack)
        .await;
    let live = app.start_session(seed(), now).await;
    let record = &live.record;
    domain
        .tracking
        .log_page(record, &page("edge"), cutoff + slack)
        .await
        .unwrap();
    domain
        .tracking
        .log_page(record, &page("new"), now)
        .await
        .unwrap();
    domain
        .tracking
        .log_action(record, &action("older action"), cutoff - 5)
        .await
        .unwrap();
    domain
        .tracking
        .log_action(record, &action("new action"), now)
        .await
        .unwrap();
    for at in [cutoff - 10 * DAY, cutoff - 1, cutoff + slack, now] {
        domain
            .audit
            .record(AuditEvent::new(
                AuditKind::LoginFailed,
                None,
                at,
                Origin::default(),
            ))
            .await
            .unwrap();
    }
    Aged { now, cutoff }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.sql()).await.unwrap()
}

#[tokio::test]
async fn retention_deletes_exactly_what_is_old() {
    let app = TestApp::with_env(&[("DATA_RETENTION_DAYS", "30")]).await;
    let aged = seed_aged_data(&app, 30, 0).await;
    let report = app.domain().retention.purge(aged.now).await.unwrap();
    assert_eq!(report.cutoff, aged.cutoff);
    assert_eq!(
        (
            report.page_views,
            report.actions,
            report.audit,
            report.ended_sessions
        ),
        (3, 2, 2, 1)
    );
    // What is left is exactly what is not old.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM events WHERE at < (SELECT MIN(at) FROM events WHERE name = 'edge')").await,
        0
    );
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM events ORDER BY at, id")
        .fetch_all(app.sql())
        .await
        .unwrap();
    assert_eq!(names, ["edge", "new", "new action"]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit").await, 2);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit WHERE at >= {}", aged.cutoff)
        )
        .await,
        2
    );
    // The recently ended session and the live one stay, with their counters right.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM session_log").await, 2);
    assert_eq!(app.live_sessions().await.len(), 1);
    assert_eq!(
        count(
            &app,
            "SELECT page_views * 10 + actions FROM session_log WHERE ended_at IS NULL"
        )
        .await,
        21
    );
    // Once done, nothing more is due.
    let again = app.domain().retention.purge(aged.now).await.unwrap();
    assert_eq!(again.total(), 0);
}

#[tokio::test]
async fn squid_purge_prints_what_it_deleted_per_table() {
    let app = TestApp::with_env(&[("DATA_RETENTION_DAYS", "30")]).await;
    seed_aged_data(&app, 30, 60_000).await;
    let lines = squid::cli::purge(app.domain(), &app.state.clock)
        .await
        .unwrap();
    let text = lines.join("\n");
    assert!(
        text.starts_with("deleted what was older than 30 days (before "),
        "{text}"
    );
    assert!(
        text.contains("events              5  (page views 3, actions 2)"),
        "{text}"
    );
    assert!(text.contains("audit               2"), "{text}");
    assert!(
        text.contains("session_log         1  (ended sessions)"),
        "{text}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM events").await, 3);
}

#[tokio::test]
async fn the_server_applies_retention_by_itself_from_the_start() {
    let app = TestApp::with_env(&[("DATA_RETENTION_DAYS", "30")]).await;
    seed_aged_data(&app, 30, 60_000).await;
    let task = tokio::spawn(squid::web::apply_retention(app.state.clone()));
    // The run deletes table by table: wait until it has reached the audit trail too.
    let (mut events, mut audit) = (i64::MAX, i64::MAX);
    for _ in 0..100 {
        events = count(&app, "SELECT COUNT(*) FROM events").await;
        audit = count(&app, "SELECT COUNT(*) FROM audit").await;
        if events == 3 && audit == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    task.abort();
    assert_eq!(events, 3, "the first run comes at start");
    assert_eq!(audit, 2);
}
