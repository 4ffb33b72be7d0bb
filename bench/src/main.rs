//! Squid load benchmark: 64 users, each with its own cookie jar, start a
//! session and then loop over page visit, session read, preferences write and
//! read, and an action. Any status other than the expected one is a failure.
//!
//! Configuration (environment):
//! - `BENCH_HOST`    base URL (default `http://127.0.0.1:3400`)
//! - `BENCH_SECONDS` run time in seconds (default 30)
//! - `BENCH_USERS`   number of users (default 64)
//! - `BENCH_SUMMARY` path of a `key=value` summary file for `run.sh` (optional)
//!
//! Goose's own command-line options are accepted too and override these.
//!
//! Goose's run time starts once every user is running, so the whole run lasts
//! about two seconds (the ramp) longer; the rate is over the whole run, as is
//! the server CPU time `run.sh` measures. Latency is goose's: time to the
//! response headers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use goose::metrics::GooseRequestMetricTimingData;
use goose::prelude::*;
use serde_json::{json, Value};

/// Shared iteration counter: picks the page number and alternates the theme.
static ITERATION: AtomicUsize = AtomicUsize::new(0);

/// Sends one request (with a JSON body if given), counting it as a failure
/// unless the status is `expect`.
async fn call(
    user: &mut GooseUser,
    method: GooseMethod,
    path: &str,
    body: Option<Value>,
    expect: u16,
) -> TransactionResult {
    let mut builder = user.get_request_builder(&method, path)?;
    if let Some(body) = body {
        // `.json()` also sets `Content-Type: application/json`.
        builder = builder.json(&body);
    }
    let request = GooseRequest::builder()
        .method(method)
        .path(path)
        .set_request_builder(builder)
        .expect_status_code(expect)
        .build();
    let goose = user.request(request).await?;
    // Read the body to the end: an unread body makes the client drop the
    // connection instead of reusing it, and the benchmark would then measure
    // connection setup rather than the server's work.
    if let Ok(response) = goose.response {
        let _ = response.bytes().await;
    }
    Ok(())
}

/// On start: a fresh session (its cookie lands in this user's jar).
async fn start_session(user: &mut GooseUser) -> TransactionResult {
    call(user, GooseMethod::Post, "/api/session", None, 201).await
}

/// One loop of the workload, in a fixed order.
async fn workload(user: &mut GooseUser) -> TransactionResult {
    let n = ITERATION.fetch_add(1, Ordering::Relaxed);
    let page = format!("dashboard-{}", n % 16);
    let theme = if n % 2 == 0 { "dark" } else { "light" };
    call(
        user,
        GooseMethod::Post,
        "/api/session/page",
        Some(json!({ "page": page })),
        201,
    )
    .await?;
    call(user, GooseMethod::Get, "/api/session?perPage=20", None, 200).await?;
    call(
        user,
        GooseMethod::Post,
        "/api/preferences",
        Some(json!({ "theme": theme, "notifications": "enabled", "language": "English" })),
        200,
    )
    .await?;
    call(user, GooseMethod::Get, "/api/preferences", None, 200).await?;
    call(
        user,
        GooseMethod::Post,
        "/api/session/action",
        Some(json!({ "action": "clicked on Settings" })),
        201,
    )
    .await
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let host = std::env::var("BENCH_HOST").unwrap_or_else(|_| "http://127.0.0.1:3400".into());
    let seconds = env_or("BENCH_SECONDS", 30);
    let users = env_or("BENCH_USERS", 64);
    // Start every user within about two seconds.
    let rate = format!("{}", users.div_ceil(2).max(1));

    let started = Instant::now();
    let metrics = GooseAttack::initialize()?
        .register_scenario(
            scenario!("Squid")
                .register_transaction(transaction!(start_session).set_on_start())
                .register_transaction(transaction!(workload)),
        )
        .set_default(GooseDefault::Host, host.as_str())?
        .set_default(GooseDefault::Users, users)?
        .set_default(GooseDefault::IncreaseRate, rate.as_str())?
        .set_default(GooseDefault::RunTime, seconds)?
        // Keep the requests made while users were still starting: the server's
        // CPU time is measured over the whole run, so the counts must be too.
        .set_default(GooseDefault::NoResetMetrics, true)?
        // No telnet or WebSocket controllers: they would listen on ports the
        // benchmark does not need.
        .set_default(GooseDefault::NoTelnet, true)?
        .set_default(GooseDefault::NoWebSocket, true)?
        .execute()
        .await?;
    let elapsed = started.elapsed().as_secs_f64();

    summarize(&metrics, elapsed);
    Ok(())
}

/// Totals, rate and latency percentiles across every request, printed and,
/// when `BENCH_SUMMARY` names a file, written there as `key=value` lines.
fn summarize(metrics: &GooseMetrics, elapsed: f64) {
    let mut requests = 0;
    let mut failures = 0;
    // Merge every request's latency histogram (microsecond buckets) into one.
    let mut buckets: BTreeMap<u64, usize> = BTreeMap::new();
    let mut all = GooseRequestMetricTimingData::default();
    let mut aggregates: Vec<_> = metrics.requests.iter().collect();
    aggregates.sort_by_key(|(key, _)| key.as_str());
    for (_, aggregate) in aggregates {
        requests += aggregate.success_count + aggregate.fail_count;
        failures += aggregate.fail_count;
        if aggregate.fail_count > 0 {
            let mut codes: Vec<_> = aggregate.status_code_counts.iter().collect();
            codes.sort();
            println!(
                "FAILED {} {}: {} of {} (status counts {:?}; 0 = no response)",
                aggregate.method,
                aggregate.path,
                aggregate.fail_count,
                aggregate.success_count + aggregate.fail_count,
                codes
            );
        }
        let data = &aggregate.raw_data;
        if data.counter == 0 {
            continue;
        }
        for (bucket, count) in data.times_us.iter() {
            *buckets.entry(*bucket).or_default() += count;
        }
        if all.counter == 0 || data.minimum_time_us < all.minimum_time_us {
            all.minimum_time_us = data.minimum_time_us;
        }
        all.maximum_time_us = all.maximum_time_us.max(data.maximum_time_us);
        all.total_time_us += data.total_time_us;
        all.counter += data.counter;
    }
    // Inserted in ascending order, which the bucket list expects.
    for (bucket, count) in buckets {
        all.times_us.insert(bucket, count);
    }
    let ms = |us: u64| us as f64 / 1000.0;
    let p50 = ms(all.percentile_us(0.50));
    let p99 = ms(all.percentile_us(0.99));
    let rps = requests as f64 / elapsed.max(f64::EPSILON);

    let summary = format!(
        "requests={requests}\nfailures={failures}\nseconds={elapsed:.3}\nrps={rps:.1}\n\
         p50_ms={p50:.3}\np99_ms={p99:.3}\nmax_ms={:.3}\nusers={}\n",
        ms(all.maximum_time_us),
        metrics.maximum_users,
    );
    print!("{summary}");
    if let Ok(path) = std::env::var("BENCH_SUMMARY") {
        if let Err(e) = std::fs::write(&path, summary) {
            eprintln!("cannot write {path}: {e}");
        }
    }
}
