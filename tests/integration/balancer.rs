//! The two-instance setup once more, through a real balancer: nginx with
//! `deploy/nginx.conf` (its ports swapped for the test's) in front of two `squid serve`
//! processes on one PostgreSQL and one Redis. Sessions hold whichever instance answers, and
//! the client's address comes from `X-Forwarded-For` only as `TRUSTED_PROXIES` allows.

use crate::backend::{engine, sessions_in_redis, Engine, TestDb};
use crate::harness::Client;
use crate::instances::{remote, remote_from, user_pw, Instance};
use axum::http::StatusCode;
use serde_json::Value;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// nginx with `deploy/nginx.conf`, its ports swapped for the test's.
struct Nginx {
    addr: SocketAddr,
    child: Child,
}

impl Nginx {
    fn start(dir: &std::path::Path, a: &Instance, b: &Instance) -> Option<Nginx> {
        let bin = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(bin) = bin else {
            if std::env::var("REQUIRE_SERVICES").as_deref() == Ok("1") {
                panic!("nginx is not installed (make deps-nginx), and REQUIRE_SERVICES=1");
            }
            eprintln!("SKIPPED: nginx is not installed (make deps-nginx)");
            return None;
        };
        let port = crate::harness::free_port();
        let conf =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf"))
                .unwrap()
                .replace("127.0.0.1:3101", &a.addr.to_string())
                .replace("127.0.0.1:3102", &b.addr.to_string())
                .replace("listen 127.0.0.1:3000", &format!("listen 127.0.0.1:{port}"));
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let child = Command::new(bin)
            .arg("-p")
            .arg(format!("{}/", dir.display()))
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .args(["-e", "stderr"])
            .stdout(Stdio::null())
            .spawn()
            .expect("nginx");
        Some(Nginx {
            addr: format!("127.0.0.1:{port}").parse().unwrap(),
            child,
        })
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // TERM, so the master stops its workers too (a killed master leaves them running).
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// The `ip` the devices list shows for the client's current session.
async fn own_ip(c: &mut Client) -> String {
    let list = c.get("/api/sessions").await.json();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .expect("the current session")["ip"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn through_nginx_sessions_hold_and_the_client_address_cannot_be_forged() {
    if engine() != Engine::Postgres || !sessions_in_redis() {
        eprintln!("SKIPPED here: runs in the postgres+redis suite");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path()).await;
    let trusted = [("TRUSTED_PROXIES", "127.0.0.1")];
    let (a, b) = (
        Instance::spawn(&db, &trusted),
        Instance::spawn(&db, &trusted),
    );
    a.ready().await;
    b.ready().await;
    let Some(nginx) = Nginx::start(dir.path(), &a, &b) else {
        return;
    };
    let client_ip: std::net::IpAddr = "127.0.0.2".parse().unwrap();
    let mut c = Client::on(remote_from(nginx.addr, client_ip));
    // A forged header: nginx appends the real address, which is what Squid takes.
    c.extra.push(("x-forwarded-for".into(), "6.6.6.6".into()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(nginx.addr).await.is_err()
        || c.get("/api/health").await.status != StatusCode::OK
    {
        assert!(Instant::now() < deadline, "nginx never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        c.post("/api/auth/register", user_pw()).await.status,
        StatusCode::CREATED
    );
    assert_eq!(own_ip(&mut c).await, "127.0.0.2");

    // Round-robin over both instances: every request finds the session.
    for _ in 0..10 {
        assert_eq!(c.get("/api/auth/me").await.status, StatusCode::OK);
    }
    // A second device, straight to an instance: its header is not believed either.
    let mut direct = Client::on(remote_from(b.addr, client_ip));
    direct
        .extra
        .push(("x-forwarded-for".into(), "6.6.6.6".into()));
    assert_eq!(
        direct.post("/api/auth/login", user_pw()).await.status,
        StatusCode::OK
    );
    assert_eq!(own_ip(&mut direct).await, "127.0.0.2");

    // Signed out through nginx: no instance knows the session any more, even to a client
    // that kept the cookie.
    let kept = c.jar.clone();
    assert!(c.session_token().is_some());
    assert_eq!(
        c.post("/api/auth/logout", Value::Null).await.status,
        StatusCode::NO_CONTENT
    );
    let mut replay = Client::on(remote(nginx.addr));
    replay.jar = kept;
    for _ in 0..4 {
        assert_eq!(
            replay.get("/api/auth/me").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        direct.get("/api/auth/me").await.status,
        StatusCode::OK,
        "the other device stays"
    );
}
