//! The sign-in throttle: five failures per email in a sliding 15 minutes, exact under
//! concurrency, cleared by a success, counting failed re-authentications too.

use crate::harness::{TestApp, PW};
use axum::http::{header, StatusCode};
use serde_json::json;

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
        .execute(&app.db().primary)
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
            .fetch_one(&app.db().reports)
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
