//! A backend that goes away: requests that need it answer `503 unavailable` within 5
//! seconds, `/api/health` names the failing part, and service comes back by itself when the
//! backend does (API.md, Backends). Shown against a throwaway `redis-server` the test
//! starts on a free port and kills; the machine's shared services are never touched.

use crate::harness::TestApp;
use axum::http::StatusCode;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The contract's bound, for one request while a backend is gone.
const BOUND: Duration = Duration::from_secs(5);

/// A `redis-server` of the test's own, keeping nothing on disk.
struct ThrowawayRedis {
    port: u16,
    child: Option<Child>,
}

impl ThrowawayRedis {
    /// `None` (with the reason printed) where no `redis-server` is installed, unless
    /// `REQUIRE_SERVICES=1` makes that a failure.
    async fn start() -> Option<ThrowawayRedis> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = ThrowawayRedis { port, child: None };
        if let Err(e) = redis.launch().await {
            if std::env::var("REQUIRE_SERVICES").as_deref() == Ok("1") {
                panic!("cannot start redis-server, and REQUIRE_SERVICES=1: {e}");
            }
            eprintln!("SKIPPED: cannot start redis-server ({e})");
            return None;
        }
        Some(redis)
    }

    async fn launch(&mut self) -> Result<(), String> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            if Instant::now() > deadline {
                return Err(format!("nothing listens on port {}", self.port));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

impl Drop for ThrowawayRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test]
async fn without_redis_requests_answer_503_in_time_and_service_comes_back_with_it() {
    let Some(mut redis) = ThrowawayRedis::start().await else {
        return;
    };
    let app = TestApp::with_env(&[("SESSION_STORE_URL", &redis.url())]).await;
    let mut c = app.client();
    c.start().await;
    assert_eq!(c.get("/api/session").await.status, StatusCode::OK);

    redis.kill();
    for path in ["/api/session", "/api/preferences", "/"] {
        let asked = Instant::now();
        let res = c.get(path).await;
        assert!(asked.elapsed() < BOUND, "{path} took {:?}", asked.elapsed());
        assert_eq!(
            res.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}: {}",
            res.text()
        );
        if path.starts_with("/api") {
            assert_eq!(res.error().0, "unavailable");
        }
    }
    let asked = Instant::now();
    let health = app.client().get("/api/health").await;
    assert!(asked.elapsed() < BOUND);
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = health.json();
    assert_eq!(
        (&body["status"], &body["database"], &body["sessionStore"]),
        (&"degraded".into(), &"ok".into(), &"error".into())
    );

    // Back on the same port (empty: it kept nothing), without a restart of ours.
    redis.launch().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.client().get("/api/health").await.status != StatusCode::OK {
        assert!(Instant::now() < deadline, "no recovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut fresh = app.client();
    fresh.start().await;
    assert_eq!(fresh.get("/api/session").await.status, StatusCode::OK);
    // The old session was in the Redis that went away.
    assert_eq!(c.get("/api/session").await.status, StatusCode::UNAUTHORIZED);
}
