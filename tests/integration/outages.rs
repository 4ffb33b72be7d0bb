//! A backend that goes away: requests that need it answer `503 unavailable` within 5
//! seconds, `/api/health` names the failing part, and service comes back by itself when the
//! backend does (API.md, Backends). Shown against a throwaway `redis-server` and a
//! throwaway PostgreSQL cluster that the tests start on free ports, freeze (SIGSTOP: a
//! server that accepts and never answers, the case that hangs clients without timeouts) and
//! stop; the machine's shared services are never touched.

use crate::backend::{engine, Engine};
use crate::harness::{free_port, Client, TestApp};
use axum::http::StatusCode;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The contract's bound, for one request while a backend is gone.
const BOUND: Duration = Duration::from_secs(5);

/// Sends `signal` to `pid` and every process below it (PostgreSQL's backends are
/// children of the server, each in a session of its own).
fn signal_tree(pid: u32, signal: &str) {
    let children = Command::new("pgrep")
        .args(["-P", &pid.to_string()])
        .output()
        .unwrap();
    for child in String::from_utf8_lossy(&children.stdout).split_whitespace() {
        signal_tree(child.parse().unwrap(), signal);
    }
    let done = Command::new("kill")
        .args(["-s", signal, "--", &pid.to_string()])
        .status()
        .unwrap();
    assert!(done.success(), "kill -s {signal} {pid}");
}

/// Prints why a test skips, or fails it when `REQUIRE_SERVICES=1` asks for every service.
fn unavailable(what: &str, e: impl std::fmt::Display) {
    if std::env::var("REQUIRE_SERVICES").as_deref() == Ok("1") {
        panic!("cannot start {what}, and REQUIRE_SERVICES=1: {e}");
    }
    eprintln!("SKIPPED: cannot start {what} ({e})");
}

/// Asks `path` and checks the answer is a 503 that came within the contract's bound.
async fn refused_in_time(c: &mut Client, path: &str) {
    let res = tokio::time::timeout(BOUND, c.get(path))
        .await
        .unwrap_or_else(|_| panic!("{path} had no answer within {BOUND:?}"));
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

/// Checks `/api/health` answers 503 in time with the `failing` parts (and only them) marked.
async fn health_names(app: &TestApp, failing: &[&str]) {
    let health = tokio::time::timeout(BOUND, app.client().get("/api/health"))
        .await
        .expect("/api/health answered in time");
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = health.json();
    assert_eq!(body["status"], "degraded");
    for part in ["database", "sessionStore"] {
        let expected = if failing.contains(&part) {
            "error"
        } else {
            "ok"
        };
        assert_eq!(body[part], expected, "{body}");
    }
}

/// Waits for `/api/health` to be 200 again, with no restart of ours.
async fn recovers(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let health = tokio::time::timeout(BOUND, app.client().get("/api/health")).await;
        if health.expect("/api/health answered in time").status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A server a test can freeze, thaw, stop and start again.
trait Throwaway {
    fn signal(&self, signal: &str);
    fn stop(&mut self);
    async fn launch(&mut self) -> Result<(), String>;
}

/// The outage every backend goes through, with `c`'s session live before: frozen (open
/// connections, no answer: the case that hangs clients without timeouts), thawed (the
/// session is still there), stopped (connections refused), started again. Each time it is
/// down, requests answer 503 in time and `/api/health` names the `failing` parts; each
/// time it is back, service returns with no restart of ours.
async fn drill(app: &TestApp, c: &mut Client, server: &mut impl Throwaway, failing: &[&str]) {
    let paths = ["/api/session", "/api/preferences", "/"];
    server.signal("STOP");
    for path in paths {
        refused_in_time(c, path).await;
    }
    health_names(app, failing).await;
    server.signal("CONT");
    recovers(app).await;
    assert_eq!(
        c.get("/api/session").await.status,
        StatusCode::OK,
        "the session survived"
    );

    server.stop();
    for path in paths {
        refused_in_time(c, path).await;
    }
    health_names(app, failing).await;
    server.launch().await.unwrap();
    recovers(app).await;
}

/// A `redis-server` of the test's own, keeping nothing on disk.
struct ThrowawayRedis {
    port: u16,
    child: Option<Child>,
}

impl ThrowawayRedis {
    /// `None` (with the reason printed) where no `redis-server` is installed, unless
    /// `REQUIRE_SERVICES=1` makes that a failure.
    async fn start() -> Option<ThrowawayRedis> {
        let mut redis = ThrowawayRedis {
            port: free_port(),
            child: None,
        };
        if let Err(e) = redis.launch().await {
            unavailable("redis-server", e);
            return None;
        }
        Some(redis)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

impl Throwaway for ThrowawayRedis {
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

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn signal(&self, signal: &str) {
        signal_tree(self.child.as_ref().unwrap().id(), signal);
    }
}

impl Drop for ThrowawayRedis {
    fn drop(&mut self) {
        self.stop();
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
    drill(&app, &mut c, &mut redis, &["sessionStore"]).await;
    // This Redis kept nothing: the old session went with it, new ones work.
    assert_eq!(c.get("/api/session").await.status, StatusCode::UNAUTHORIZED);
    let mut fresh = app.client();
    fresh.start().await;
    assert_eq!(fresh.get("/api/session").await.status, StatusCode::OK);
}

/// A PostgreSQL cluster of the test's own (initdb in a temporary directory, run as the
/// `postgres` user when the test runs as root, which PostgreSQL refuses to be).
struct ThrowawayPostgres {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl ThrowawayPostgres {
    fn bin(name: &str) -> Option<std::path::PathBuf> {
        let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|v| Some(v.ok()?.path().join("bin").join(name)))
            .filter(|p| p.exists())
            .collect();
        found.sort();
        found.pop()
    }

    fn as_postgres(program: &std::path::Path) -> Command {
        let root = std::env::var("USER").as_deref() == Ok("root")
            || Command::new("id")
                .arg("-u")
                .output()
                .is_ok_and(|o| o.stdout == b"0\n");
        if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    async fn start() -> Option<ThrowawayPostgres> {
        let (Some(initdb), Some(_)) = (Self::bin("initdb"), Self::bin("postgres")) else {
            unavailable("PostgreSQL", "no initdb under /usr/lib/postgresql");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let _ = Command::new("chown")
            .arg("postgres")
            .arg(dir.path())
            .status();
        let made = Self::as_postgres(&initdb)
            .arg("-D")
            .arg(dir.path().join("data"))
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !made.as_ref().is_ok_and(|s| s.success()) {
            unavailable("PostgreSQL", format!("initdb: {made:?}"));
            return None;
        }
        let mut pg = ThrowawayPostgres {
            port: free_port(),
            dir,
            child: None,
        };
        if let Err(e) = pg.launch().await {
            unavailable("PostgreSQL", e);
            return None;
        }
        Some(pg)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The server's own process (below `runuser` when that stands between).
    fn server_pid(&self) -> Option<String> {
        let child = self.child.as_ref()?.id().to_string();
        let below = Command::new("pgrep").args(["-P", &child]).output().ok()?;
        let below = String::from_utf8_lossy(&below.stdout).trim().to_string();
        Some(if below.is_empty() { child } else { below })
    }
}

impl Throwaway for ThrowawayPostgres {
    async fn launch(&mut self) -> Result<(), String> {
        let child = Self::as_postgres(&Self::bin("postgres").unwrap())
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args([
                "-p",
                &self.port.to_string(),
                "-c",
                "listen_addresses=127.0.0.1",
            ])
            .arg("-k")
            .arg(self.dir.path())
            .args(["-c", "fsync=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = Command::new("psql")
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "postgres",
                ])
                .args(["-d", "postgres", "-qtAc", "SELECT 1"])
                .output()
                .is_ok_and(|o| o.status.success());
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("no PostgreSQL answers on port {}", self.port));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A fast shutdown: the server ends every connection and exits (`runuser` with it).
    fn stop(&mut self) {
        if let Some(pid) = self.server_pid() {
            signal_tree(self.child.as_ref().unwrap().id(), "CONT");
            let _ = Command::new("kill")
                .args(["-s", "INT", "--", &pid])
                .status();
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    fn signal(&self, signal: &str) {
        signal_tree(self.child.as_ref().unwrap().id(), signal);
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn without_postgresql_requests_answer_503_in_time_and_service_comes_back_with_it() {
    if engine() != Engine::Postgres || crate::backend::sessions_in_redis() {
        eprintln!("SKIPPED here: runs in the postgres suite");
        return;
    }
    let Some(mut pg) = ThrowawayPostgres::start().await else {
        return;
    };
    let key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [7u8; 64]);
    let app = TestApp::with_env(&[("DATABASE_URL", &pg.url()), ("COOKIE_KEY", &key)]).await;
    let mut c = app.client();
    c.register("ann@example.com", crate::harness::PW).await;
    assert_eq!(c.get("/api/session").await.status, StatusCode::OK);
    // The sessions live in the same database here.
    drill(&app, &mut c, &mut pg, &["database", "sessionStore"]).await;
    // The server kept its data: the same sign-in goes on.
    assert_eq!(c.get("/api/auth/me").await.status, StatusCode::OK);
}
