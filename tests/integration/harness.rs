//! A tiny test client: sends requests through the router in-process, keeps a cookie jar
//! per client like a browser would, and hands back status, headers and body.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use squid::config::Config;
use squid::domain::sessions::{LiveSession, NewSession};
use squid::domain::visitor::{Presented, Visitor};
use squid::domain::{Clock, EndReason, Services};
use squid::store::Store;
use squid::web::{router, AppState};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

use crate::backend::TestDb;
use tower::ServiceExt;

/// A port nothing listens on now, for a server a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub const UA: &str = "squid-tests/1.0";
pub const PW: &str = "correct horse battery";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub dir: TempDir,
    store: Arc<dyn Store>,
    /// Another pool on the same database, for looking at the rows themselves.
    sql: sqlx::AnyPool,
    /// Last: the database outlives the pools on it.
    db: TestDb,
}

impl TestApp {
    /// A server over a fresh database with the default configuration.
    pub async fn new() -> TestApp {
        TestApp::with_env(&[]).await
    }

    /// A server over a fresh database, with extra environment variables.
    pub async fn with_env(vars: &[(&str, &str)]) -> TestApp {
        TestApp::in_dir(tempfile::tempdir().expect("temp dir"), vars).await
    }

    /// The server restarted over the same database (and cookie key), with other
    /// environment variables: clients keep their cookies and sessions.
    pub async fn restart(self, vars: &[(&str, &str)]) -> TestApp {
        let TestApp {
            dir,
            db,
            store,
            sql,
            ..
        } = self;
        store.close().await;
        sql.close().await;
        TestApp::on(dir, db, vars).await
    }

    async fn in_dir(dir: TempDir, vars: &[(&str, &str)]) -> TestApp {
        let db = TestDb::create(dir.path()).await;
        TestApp::on(dir, db, vars).await
    }

    /// A server over `db` as it is (migrated to the end first), in `dir`.
    pub async fn on(dir: TempDir, db: TestDb, vars: &[(&str, &str)]) -> TestApp {
        // The server's log, shown with a failing test's output (`RUST_LOG` as for the server).
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let url = db.url.clone();
        let mut env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.entry("DATABASE_URL".into())
            .or_insert_with(|| url.clone());
        if let Some(redis) = &db.redis {
            env.entry("SESSION_STORE_URL".into())
                .or_insert_with(|| redis.url.clone());
        }
        if let Some(key) = &db.cookie_key {
            // No file beside a PostgreSQL database for the development key: one per test.
            env.entry("COOKIE_KEY".into())
                .or_insert_with(|| key.clone());
        }
        let config =
            Config::from_lookup(|k| env.get(k).cloned()).expect("valid test configuration");
        let key = squid::web::cookies::load_key(&config.cookie_key).expect("cookie key");
        let store = squid::cli::open_store(&config)
            .await
            .expect("open and migrate the store");
        let options = leptos::prelude::LeptosOptions::builder()
            .output_name("squid")
            .site_root("target/site")
            .build();
        let state = AppState::new(config, store.clone(), key, options, Clock::default());
        TestApp {
            router: router(state.clone()),
            state,
            dir,
            sql: db.pool().await,
            store,
            db,
        }
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            jar: HashMap::new(),
            user_agent: UA.to_string(),
            extra: vec![],
        }
    }

    /// The store behind the server.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Every row of every table, and every Redis key of the test (see `backend::every_row`).
    pub async fn every_row(&self) -> (Vec<String>, Vec<(String, String)>) {
        crate::backend::every_row(&self.db, &self.sql).await
    }

    /// Fails when any of `needles` is stored anywhere (see `backend::assert_not_stored`).
    pub async fn assert_not_stored(&self, needles: &[&[u8]]) {
        crate::backend::assert_not_stored(&self.db, &self.sql, self.dir.path(), needles).await
    }

    /// The live sessions where they are stored: each one's key (its token's SHA-256, in
    /// lower-case hex) and public id.
    pub async fn live_sessions(&self) -> Vec<(String, String)> {
        if let Some(redis) = &self.db.redis {
            return redis.live().await;
        }
        use sqlx::Row;
        sqlx::query("SELECT token_hash, public_id FROM sessions")
            .fetch_all(&self.sql)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let hash: Vec<u8> = r.get(0);
                (hash.iter().map(|b| format!("{b:02x}")).collect(), r.get(1))
            })
            .collect()
    }

    /// The test's share of Redis, when the sessions are there.
    pub fn redis(&self) -> Option<&crate::backend::TestRedis> {
        self.db.redis.as_ref()
    }

    /// Deletes every live session behind the server's back, as another process could.
    pub async fn delete_live_sessions(&self) {
        match &self.db.redis {
            Some(redis) => {
                let mut c = redis.conn().await;
                for (hex, _) in redis.live().await {
                    let _: i64 = redis::cmd("DEL")
                        .arg(format!("{}rec:{hex}", redis.prefix))
                        .arg(format!("{}end:{hex}", redis.prefix))
                        .query_async(&mut c)
                        .await
                        .unwrap();
                }
            }
            None => {
                sqlx::query("DELETE FROM sessions")
                    .execute(&self.sql)
                    .await
                    .unwrap();
            }
        }
    }

    /// A pool of its own on the server's database (SQL both engines read: `$1`…).
    pub fn sql(&self) -> &sqlx::AnyPool {
        &self.sql
    }

    /// Every use case, as the server runs them.
    pub fn domain(&self) -> &Services {
        &self.state.domain
    }

    /// The server's time now.
    pub fn now(&self) -> i64 {
        self.state.clock.now()
    }

    /// Starts a session straight in the domain, as a request would, at `at`.
    pub async fn start_session(&self, new: NewSession, at: i64) -> LiveSession {
        let mut tx = self.store.begin().await.expect("begin");
        let live = self.domain().sessions.start(&mut *tx, new, at).await;
        tx.commit().await.expect("commit");
        live.expect("a session")
    }

    /// Ends a session straight in the domain at `at`.
    pub async fn end_session(&self, live: &LiveSession, reason: EndReason, at: i64) {
        let mut tx = self.store.begin().await.expect("begin");
        let hashes = [live.token.hash()];
        let ended = self
            .domain()
            .sessions
            .end(&mut *tx, &hashes, reason, None, at);
        ended.await.expect("ended");
        tx.commit().await.expect("commit");
    }

    /// The visitor a request of this client would be resolved to now.
    pub async fn visitor_of(&self, client: &Client) -> Visitor {
        let id: tower_sessions::session::Id =
            client.session_token().expect("a session").parse().unwrap();
        let presented = Presented {
            token: Some(squid::web::session_store::token_of(id)),
            user_agent: Some(client.user_agent.clone().into_bytes()),
            ..Presented::default()
        };
        let resolved = self.domain().visitors.resolve(presented, self.now());
        resolved.await.expect("a visitor").0
    }

    /// Moves the server's clock forward, as if that much time had passed.
    pub fn advance(&self, by: Duration) {
        self.state.clock.advance(by);
    }
}

/// One browser-like client with its own cookies.
#[derive(Clone)]
pub struct Client {
    /// Where requests go: the app in-process, or a server over the network
    /// (`instances::remote`).
    pub router: Router,
    pub jar: HashMap<String, String>,
    pub user_agent: String,
    /// Headers added to every request (e.g. Accept-Language).
    pub extra: Vec<(String, String)>,
}

pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }

    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// Asserts the contract's error shape and returns (code, field).
    pub fn error(&self) -> (String, Option<String>) {
        let v = self.json();
        let e = &v["error"];
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error without message: {v}"
        );
        (
            e["code"].as_str().expect("error code").to_string(),
            e["field"].as_str().map(str::to_string),
        )
    }
}

impl Client {
    /// A client of whatever `router` answers (a real server, through `instances::remote`).
    pub fn on(router: Router) -> Client {
        Client {
            router,
            jar: HashMap::new(),
            user_agent: UA.to_string(),
            extra: vec![],
        }
    }

    /// Points this client (its cookies kept) at another server, e.g. after a restart.
    pub fn attach(&mut self, app: &TestApp) {
        self.router = app.router.clone();
    }

    pub fn request(&self, method: Method, path: &str) -> axum::http::request::Builder {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::USER_AGENT, &self.user_agent);
        if !self.jar.is_empty() {
            let cookie = self
                .jar
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            b = b.header(header::COOKIE, cookie);
        }
        for (k, v) in &self.extra {
            b = b.header(k.as_str(), v.as_str());
        }
        b
    }

    pub async fn send(&mut self, req: Request<Body>) -> Res {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        for set in headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = set.contains("Max-Age=0") || value.is_empty();
            if expired {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_string(), value.to_string());
            }
        }
        Res {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Res {
        let req = self.request(Method::GET, path).body(Body::empty()).unwrap();
        self.send(req).await
    }

    pub async fn delete(&mut self, path: &str) -> Res {
        let req = self
            .request(Method::DELETE, path)
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// Posts a form to a server function: as a browser without JavaScript would
    /// (`html`: it asks for a page back) or as the app's own fetch.
    pub async fn form(&mut self, path: &str, body: &str, html: bool) -> Res {
        let accept = if html {
            "text/html"
        } else {
            "application/json"
        };
        let req = self
            .request(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept)
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> Res {
        self.json(Method::POST, path, body).await
    }

    pub async fn json(&mut self, method: Method, path: &str, body: Value) -> Res {
        let req = self
            .request(method, path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    /// Starts a session and returns its JSON.
    pub async fn start(&mut self) -> Value {
        let res = self.post("/api/session", Value::Null).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        res.json()
    }

    /// Logs a visit to each page in turn, each one acknowledged.
    pub async fn visit(&mut self, pages: &[&str]) {
        for page in pages {
            let res = self
                .post("/api/session/page", serde_json::json!({ "page": page }))
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        }
    }

    /// Registers (and so signs in) an account; returns the user.
    pub async fn register(&mut self, email: &str, password: &str) -> Value {
        let res = self
            .post(
                "/api/auth/register",
                serde_json::json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        res.json()["user"].clone()
    }

    /// Signs in; returns the response.
    pub async fn login(&mut self, email: &str, password: &str) -> Res {
        self.post(
            "/api/auth/login",
            serde_json::json!({ "email": email, "password": password }),
        )
        .await
    }

    pub fn session_token(&self) -> Option<String> {
        self.jar.get("squid_session").cloned()
    }
}

/// The page names of a `Session` body's `pagesVisited`, in order.
pub fn page_names(session: &Value) -> Vec<String> {
    session["pagesVisited"]["items"]
        .as_array()
        .expect("pagesVisited.items")
        .iter()
        .map(|v| v["page"].as_str().expect("page").to_string())
        .collect()
}
