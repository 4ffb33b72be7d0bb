//! Two Squid processes on one PostgreSQL database and one Redis, as behind a balancer:
//! whatever one does, the other sees at its very next request (API.md, Backends). Runs in
//! the `postgres+redis` suite, on the real binary (`squid serve`), over real connections.

use crate::backend::{engine, sessions_in_redis, Engine, TestDb};
use crate::harness::Client;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A router that forwards every request to the server at `addr`, so the harness's
/// [`Client`] (cookie jar, helpers) can talk to a real process.
pub fn remote(addr: SocketAddr) -> Router {
    remote_from(addr, "127.0.0.1".parse().unwrap())
}

/// The same from another local address (any of 127.0.0.0/8 is this machine): a client
/// that is not the balancer.
pub fn remote_from(addr: SocketAddr, source: std::net::IpAddr) -> Router {
    Router::new().fallback(move |mut req: Request| async move {
        let host = addr.to_string();
        req.headers_mut()
            .entry(axum::http::header::HOST)
            .or_insert(host.parse().unwrap());
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(source, 0)).unwrap();
        let stream = socket.connect(addr).await.expect("connect");
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .expect("handshake");
        tokio::spawn(conn);
        let (method, uri) = (req.method().clone(), req.uri().clone());
        let res = sender
            .send_request(req)
            .await
            .unwrap_or_else(|e| panic!("{method} {uri} on {addr}: {e}"));
        let (parts, body) = res.into_parts();
        Response::from_parts(parts, Body::new(body)).into_response()
    })
}

/// One `squid serve` of the test's; its log is shown when the test fails.
pub struct Instance {
    pub addr: SocketAddr,
    child: Child,
    log: std::path::PathBuf,
}

impl Instance {
    pub fn spawn(db: &TestDb, extra: &[(&str, &str)]) -> Instance {
        let port = crate::harness::free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_squid"));
        cmd.arg("serve")
            .env("DATABASE_URL", &db.url)
            .env("LEPTOS_SITE_ADDR", addr.to_string())
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("LEPTOS_OUTPUT_NAME", "squid")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null());
        let log = std::env::temp_dir().join(format!("squid-instance-{port}.log"));
        cmd.stderr(std::fs::File::create(&log).unwrap());
        if let Some(redis) = &db.redis {
            cmd.env("SESSION_STORE_URL", &redis.url);
        }
        if let Some(key) = &db.cookie_key {
            cmd.env("COOKIE_KEY", key);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        Instance {
            addr,
            child: cmd.spawn().expect("squid serve"),
            log,
        }
    }

    pub async fn ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                let mut c = Client::on(remote(self.addr));
                if c.get("/api/health").await.status == StatusCode::OK {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{} never became healthy",
                self.addr
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn router(&self) -> Router {
        remote(self.addr)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- squid on {} ---\n{log}", self.addr);
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Two instances started at once (their migrations race) on a fresh database and prefix;
/// `None` outside the `postgres+redis` suite.
async fn two(dir: &std::path::Path) -> Option<(TestDb, Instance, Instance)> {
    if engine() != Engine::Postgres || !sessions_in_redis() {
        eprintln!("SKIPPED here: runs in the postgres+redis suite");
        return None;
    }
    let db = TestDb::create(dir).await;
    let (a, b) = (Instance::spawn(&db, &[]), Instance::spawn(&db, &[]));
    a.ready().await;
    b.ready().await;
    Some((db, a, b))
}

pub fn user_pw() -> Value {
    json!({"email": "ann@example.com", "password": crate::harness::PW})
}

#[tokio::test]
async fn two_instances_share_sessions_pages_and_preferences() {
    let dir = tempfile::tempdir().unwrap();
    let Some((_db, a, b)) = two(dir.path()).await else {
        return;
    };
    // A session made on one is valid on the other.
    let mut c = Client::on(a.router());
    let made = c.start().await;
    c.router = b.router();
    let seen = c.get("/api/session").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.json()["id"], made["id"]);

    // A page logged on one appears in the session read from the other.
    c.router = a.router();
    let res = c
        .post("/api/session/page", json!({"page": "dashboard"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    c.router = b.router();
    let session = c.get("/api/session").await.json();
    assert_eq!(crate::harness::page_names(&session), ["dashboard"]);

    // 100 parallel visits on one session, spread over both, are 100 more.
    let visits = (0..100).map(|i| {
        let mut one = Client::on(if i % 2 == 0 { a.router() } else { b.router() });
        one.jar = c.jar.clone();
        tokio::spawn(async move {
            let res = one
                .post("/api/session/page", json!({"page": format!("p{i}")}))
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        })
    });
    for v in visits.collect::<Vec<_>>() {
        v.await.unwrap();
    }
    let session = c.get("/api/session?perPage=1").await.json();
    assert_eq!(session["pagesVisited"]["total"], 101, "{session}");

    // Preferences saved on one are served by the other, to another device of the user.
    let mut ann = Client::on(a.router());
    let res = ann.post("/api/auth/register", user_pw()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let res = ann
        .post(
            "/api/preferences",
            json!({"theme": "dark", "language": "fr"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let mut phone = Client::on(b.router());
    assert_eq!(
        phone.post("/api/auth/login", user_pw()).await.status,
        StatusCode::OK
    );
    let prefs = phone.get("/api/preferences").await.json();
    assert_eq!(
        (&prefs["theme"], &prefs["language"]),
        (&json!("dark"), &json!("fr"))
    );
}

#[tokio::test]
async fn what_ends_a_session_on_one_instance_is_seen_at_once_by_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let Some((_db, a, b)) = two(dir.path()).await else {
        return;
    };
    let mut laptop = Client::on(a.router());
    assert_eq!(
        laptop.post("/api/auth/register", user_pw()).await.status,
        StatusCode::CREATED
    );
    let mut phone = Client::on(b.router());
    assert_eq!(
        phone.post("/api/auth/login", user_pw()).await.status,
        StatusCode::OK
    );
    let mut tablet = Client::on(b.router());
    assert_eq!(
        tablet.post("/api/auth/login", user_pw()).await.status,
        StatusCode::OK
    );
    // Each device has been seen by both instances (and so is in both caches).
    for c in [&mut laptop, &mut phone, &mut tablet] {
        for r in [a.router(), b.router()] {
            c.router = r;
            assert_eq!(c.get("/api/auth/me").await.status, StatusCode::OK);
        }
    }

    // Sign-out on one: the other refuses the very next request with the old cookie.
    let kept = tablet.jar.clone();
    tablet.router = a.router();
    assert_eq!(
        tablet.post("/api/auth/logout", Value::Null).await.status,
        StatusCode::NO_CONTENT
    );
    let mut replay = Client::on(b.router());
    replay.jar = kept;
    assert_eq!(
        replay.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Revocation on one (the laptop ends the phone): the phone's next request on the other.
    laptop.router = a.router();
    let list = laptop.get("/api/sessions").await.json();
    let phone_id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .expect("the phone")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = laptop.delete(&format!("/api/sessions/{phone_id}")).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    phone.router = b.router();
    assert_eq!(
        phone.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Erasure on one: the other knows no such user at the next request.
    let mut other = Client::on(a.router());
    assert_eq!(
        other.post("/api/auth/login", user_pw()).await.status,
        StatusCode::OK
    );
    other.router = b.router();
    assert_eq!(other.get("/api/auth/me").await.status, StatusCode::OK);
    laptop.router = a.router();
    let res = laptop
        .json(
            axum::http::Method::DELETE,
            "/api/account",
            json!({"password": crate::harness::PW}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(
        other.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut again = Client::on(b.router());
    assert_eq!(
        again.post("/api/auth/login", user_pw()).await.status,
        StatusCode::UNAUTHORIZED
    );
}
