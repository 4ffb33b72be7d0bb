//! The sign-in throttle: five failures per email in a sliding 15 minutes, exact under
//! concurrency, cleared by a success, counting failed re-authentications too.

use crate::harness::{TestApp, PW};
use axum::http::{header, StatusCode};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn five_failures_lock_the_email_for_fifteen_minutes_even_with_the_right_password() {
    let app = TestApp::new().await;
    app.client().register("ann@example.com", PW).await;
    let mut c = app.client();
    for _ in 0..5 {
        assert_eq!(
            c.login("ann@example.com", "nope nope").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let res = c.login("ANN@example.com", PW).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.error().0, "rate_limited");
    let retry: u64 = res.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((880..=900).contains(&retry), "Retry-After {retry}");

    // Emails without an account are limited exactly alike.
    for _ in 0..5 {
        assert_eq!(
            c.login("ghost@example.com", PW).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        c.login("ghost@example.com", PW).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Other emails are not affected.
    app.client().register("bob@example.com", PW).await;
    assert_eq!(c.login("bob@example.com", PW).await.status, StatusCode::OK);

    // When the oldest failure leaves the window, one attempt is free again.
    sqlx::query("UPDATE login_attempts SET at = at - 15 * 60 * 1000")
        .execute(app.sql())
        .await
        .unwrap();
    assert_eq!(
        app.client().login("ann@example.com", PW).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_success_clears_the_count_and_concurrent_guesses_cannot_pass_the_limit() {
    let app = TestApp::new().await;
    app.client().register("ann@example.com", PW).await;
    let mut c = app.client();
    for _ in 0..4 {
        c.login("ann@example.com", "nope nope").await;
    }
    assert_eq!(c.login("ann@example.com", PW).await.status, StatusCode::OK);
    for _ in 0..4 {
        assert_eq!(
            app.client()
                .login("ann@example.com", "nope nope")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }

    // Twenty guesses at once on a fresh email: exactly five are checked.
    app.client().register("bob@example.com", PW).await;
    let guesses = (0..20).map(|_| {
        let mut c = app.client();
        tokio::spawn(async move { c.login("bob@example.com", "nope nope").await.status })
    });
    let mut checked = 0;
    for g in guesses {
        if g.await.unwrap() == StatusCode::UNAUTHORIZED {
            checked += 1;
        }
    }
    assert_eq!(checked, 5);
}

#[tokio::test]
async fn failed_reauthentications_count_toward_the_limit() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.register("ann@example.com", PW).await;
    for _ in 0..5 {
        c.post("/api/auth/reauth", json!({"password": "wrong password"}))
            .await;
    }
    let res = c.post("/api/auth/reauth", json!({"password": PW})).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(
        app.client().login("ann@example.com", PW).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn stale_sign_in_attempts_are_pruned() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.login("ghost@example.com", PW).await;
    c.login("other@example.com", PW).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM login_attempts")
            .fetch_one(app.sql())
            .await
            .unwrap()
    };
    assert_eq!(count().await, 2);
    let now = app.now();
    assert_eq!(
        app.domain().accounts.prune_attempts(now).await.unwrap(),
        0,
        "still in the window"
    );
    assert_eq!(
        app.domain()
            .accounts
            .prune_attempts(now + 15 * 60 * 1000 + 1000)
            .await
            .unwrap(),
        2
    );
    assert_eq!(count().await, 0);
}

#[tokio::test]
async fn parallel_sign_ins_with_the_right_password_are_never_throttled() {
    let app = TestApp::new().await;
    app.client().register("ann@example.com", PW).await;
    // Eight (then twenty) at once, more than the limit: each reserves an attempt before its
    // check, and a success gives it back, so none is refused.
    for n in [8, 20] {
        let tries = (0..n).map(|_| {
            let mut c = app.client();
            tokio::spawn(async move { c.login("ann@example.com", PW).await.status })
        });
        for t in tries {
            assert_eq!(t.await.unwrap(), StatusCode::OK);
        }
    }
}

#[tokio::test]
async fn an_attempt_whose_check_never_ended_counts_as_a_failure_once_stale() {
    use squid::domain::accounts::throttle;
    let app = TestApp::new().await;
    app.client().register("ann@example.com", PW).await;
    let mut c = app.client();
    // Real time passes too (the wait below, the password checks): measured, not guessed.
    let began = std::time::Instant::now();
    for _ in 0..4 {
        c.login("ann@example.com", "nope nope").await;
    }
    // A process that reserved the fifth attempt and died before settling it.
    let store = app.store().clone();
    let _never_settled = throttle::reserve(&*store, "ann@example.com", app.now())
        .await
        .unwrap();
    // Meanwhile it is pending: a request waits for it (5 s at most), then is refused.
    assert_eq!(
        c.login("ann@example.com", PW).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Once stale, it is a failure like the four others: the email is locked.
    app.advance(Duration::from_secs(31));
    let res = c.login("ann@example.com", PW).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // Until the first failure leaves the window: 15 min less the 31 s advanced and the
    // real time since the first failure (the wait above alone takes up to 5 s).
    let real = began.elapsed().as_secs() + 1;
    assert!(
        (15 * 60 - 31 - real..=15 * 60 - 31).contains(&retry),
        "{retry} (real time {real} s)"
    );
}
