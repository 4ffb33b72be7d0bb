//! The per-session counters the triggers keep, after the log has grown under a connection
//! that counted events while it was small. PostgreSQL keeps a function's plans per
//! connection, and a plan made on a small `session_log` hashed the whole table for every
//! batch of events from then on (`migrations/postgres/0011_trigger_plans.sql`); on full
//! pages each count also rewrote every index of the log.

use crate::backend::{engine, Engine};
use crate::harness::TestApp;
use sqlx::{Any, Executor};

async fn run(c: &mut sqlx::AnyConnection, sql: &str) {
    c.execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn count(c: &mut sqlx::AnyConnection, sql: &str) -> i64 {
    sqlx::query_scalar::<Any, i64>(sql)
        .fetch_one(&mut *c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Sequential scans, updates and updates in place (HOT).
async fn stats_of(c: &mut sqlx::AnyConnection, sql: &str) -> (i64, i64, i64) {
    sqlx::query_as::<Any, (i64, i64, i64)>(sql)
        .fetch_one(&mut *c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn counting_a_batch_looks_its_sessions_up_by_key_however_the_log_grew() {
    let app = TestApp::new().await;
    let mut c = app.sql().acquire().await.unwrap().detach();
    // The first count on this connection: a batch of 300 events over the log's first 100
    // sessions (as the demo's first batch was, over thousands).
    let sessions = |from: i64, to: i64| {
        format!(
            "WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to})
             INSERT INTO session_log (public_id, started_at) SELECT 's' || i, 1 FROM n"
        )
    };
    run(&mut c, &sessions(0, 99)).await;
    run(
        &mut c,
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299)
         INSERT INTO events (session_id, kind, name, at)
         SELECT 's' || (i % 100), 'page_view', 'home', 2 FROM n",
    )
    .await;
    run(&mut c, &sessions(100, 20_000)).await;

    // PostgreSQL's counts of this connection's reads and writes of the log, read twice
    // in one transaction (nothing of them is published before it ends, so the difference
    // is this batch's alone).
    let postgres = engine() == Engine::Postgres;
    let stats = "SELECT seq_scan, n_tup_upd, n_tup_hot_upd
                   FROM pg_stat_xact_user_tables WHERE relname = 'session_log'";
    run(&mut c, "BEGIN").await;
    let before = if postgres {
        stats_of(&mut c, stats).await
    } else {
        (0, 0, 0)
    };
    run(
        &mut c,
        "INSERT INTO events (session_id, kind, name, at)
         VALUES ('s0', 'page_view', 'pricing', 4), ('s12345', 'page_view', 'docs', 5),
                ('s12345', 'action', 'search', 6)",
    )
    .await;
    if postgres {
        let after = stats_of(&mut c, stats).await;
        assert_eq!(after.0 - before.0, 0, "the batch read the whole log");
        assert_eq!(after.1 - before.1, 2, "one update per session");
        assert_eq!(
            after.2 - before.2,
            2,
            "an update rewrote the log's indexes (no room left on the row's page)"
        );
    } else {
        println!("SQLite plans a trigger with the statement that fires it: only the counts");
    }
    run(&mut c, "COMMIT").await;

    let counts = "SELECT page_views * 100 + actions FROM session_log WHERE public_id = ";
    assert_eq!(count(&mut c, &format!("{counts} 's0'")).await, 400);
    assert_eq!(count(&mut c, &format!("{counts} 's99'")).await, 300);
    assert_eq!(count(&mut c, &format!("{counts} 's12345'")).await, 101);
    assert_eq!(count(&mut c, &format!("{counts} 's12346'")).await, 0);
}
