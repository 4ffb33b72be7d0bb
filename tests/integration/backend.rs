//! The backend a run of the suite tests: `SQUID_TEST_BACKEND` = `sqlite` (the default),
//! `postgres`, `sqlite+redis` or `postgres+redis` (sessions in Redis). `make test` runs the
//! whole suite once per combination, so every test holds on every backend.
//!
//! On PostgreSQL each test gets a database of its own, made from `TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`) and dropped when the test's
//! [`TestDb`] goes; on Redis (`TEST_REDIS_URL`, default `redis://127.0.0.1:6379/0`) a key
//! prefix of its own, whose keys are deleted with it. Runs share the machine's servers
//! without seeing each other.

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

fn backend() -> (Engine, bool) {
    let name = std::env::var("SQUID_TEST_BACKEND").unwrap_or_default();
    let (sql, redis) = match name.strip_suffix("+redis") {
        Some(sql) => (sql, true),
        None => (name.as_str(), false),
    };
    match sql {
        "" | "sqlite" => (Engine::Sqlite, redis),
        "postgres" => (Engine::Postgres, redis),
        _ => panic!(
            "SQUID_TEST_BACKEND is sqlite, postgres, sqlite+redis or postgres+redis, not {name:?}"
        ),
    }
}

/// The SQL engine this run tests.
pub fn engine() -> Engine {
    backend().0
}

/// Whether this run keeps the sessions in Redis.
pub fn sessions_in_redis() -> bool {
    backend().1
}

fn redis_base_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".to_string())
}

fn admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// One test's database: a file in the test's directory, or a PostgreSQL database of its
/// own, dropped with this value.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    /// A `COOKIE_KEY` for the test's server, where no key file lies beside the database.
    pub cookie_key: Option<String>,
    postgres_name: Option<String>,
    /// `SESSION_STORE_URL` when the sessions are in Redis, with this test's key prefix.
    pub redis: Option<TestRedis>,
}

/// One test's share of Redis: the keys under its prefix.
#[derive(Debug)]
pub struct TestRedis {
    pub url: String,
    pub prefix: String,
}

impl TestRedis {
    fn create() -> TestRedis {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let prefix = format!(
            "squid_test_{}_{}_{:08x}:",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        TestRedis {
            url: format!("{}?prefix={prefix}", redis_base_url()),
            prefix,
        }
    }

    pub async fn conn(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(redis_base_url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "SQUID_TEST_BACKEND names Redis but {} cannot be reached: {e}",
                    redis_base_url()
                )
            })
    }

    /// Every key under the prefix.
    pub async fn keys(&self) -> Vec<String> {
        let mut c = self.conn().await;
        let mut keys = vec![];
        let mut cursor = 0u64;
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{}*", self.prefix))
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut c)
                .await
                .unwrap();
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        keys.sort();
        keys
    }

    /// Every key under the prefix with all it holds, as text.
    pub async fn dump(&self) -> Vec<(String, String)> {
        let mut c = self.conn().await;
        let mut out = vec![];
        for key in self.keys().await {
            let kind: String = redis::cmd("TYPE")
                .arg(&key)
                .query_async(&mut c)
                .await
                .unwrap();
            let text = match kind.as_str() {
                "hash" => {
                    // Values may be binary (sealed session data): shown lossily, so
                    // any text in them still shows.
                    let all: Vec<(String, Vec<u8>)> = redis::cmd("HGETALL")
                        .arg(&key)
                        .query_async(&mut c)
                        .await
                        .unwrap();
                    all.iter()
                        .map(|(k, v)| format!("{k}={}", String::from_utf8_lossy(v)))
                        .collect::<Vec<_>>()
                        .join("|")
                }
                "set" => {
                    let all: Vec<String> = redis::cmd("SMEMBERS")
                        .arg(&key)
                        .query_async(&mut c)
                        .await
                        .unwrap();
                    all.join("|")
                }
                "zset" => {
                    let all: Vec<String> = redis::cmd("ZRANGE")
                        .arg(&key)
                        .arg(0)
                        .arg(-1)
                        .arg("WITHSCORES")
                        .query_async(&mut c)
                        .await
                        .unwrap();
                    all.join("|")
                }
                _ => {
                    let v: Option<String> = redis::cmd("GET")
                        .arg(&key)
                        .query_async(&mut c)
                        .await
                        .unwrap_or(None);
                    v.unwrap_or_default()
                }
            };
            out.push((key, text));
        }
        out
    }

    /// The live sessions' keys (the token hashes, in hex) and public ids.
    pub async fn live(&self) -> Vec<(String, String)> {
        let mut c = self.conn().await;
        let mut out = vec![];
        let rec = format!("{}rec:", self.prefix);
        for key in self.keys().await {
            if let Some(hex) = key.strip_prefix(&rec) {
                let pid: String = redis::cmd("HGET")
                    .arg(&key)
                    .arg("pid")
                    .query_async(&mut c)
                    .await
                    .unwrap();
                out.push((hex.to_string(), pid));
            }
        }
        out
    }

    async fn delete_all(&self) {
        let keys = self.keys().await;
        if !keys.is_empty() {
            let mut c = self.conn().await;
            let _: i64 = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut c)
                .await
                .unwrap();
        }
    }
}

impl TestDb {
    pub async fn create(dir: &Path) -> TestDb {
        let mut db = TestDb::sql(dir).await;
        if sessions_in_redis() {
            db.redis = Some(TestRedis::create());
        }
        db
    }

    async fn sql(dir: &Path) -> TestDb {
        match engine() {
            Engine::Sqlite => TestDb {
                url: format!("sqlite://{}", dir.join("squid.db").display()),
                cookie_key: None,
                postgres_name: None,
                redis: None,
            },
            Engine::Postgres => {
                static NEXT: AtomicU64 = AtomicU64::new(0);
                let name = format!(
                    "squid_test_{}_{}_{:08x}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed),
                    rand::random::<u32>()
                );
                let admin = admin_pool().await;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create the test database");
                admin.close().await;
                let base = admin_url();
                let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
                use base64::Engine as _;
                let key: Vec<u8> = (0..64).map(|_| rand::random::<u8>()).collect();
                TestDb {
                    url: format!("{server}/{name}"),
                    cookie_key: Some(base64::engine::general_purpose::STANDARD.encode(key)),
                    postgres_name: Some(name),
                    redis: None,
                }
            }
        }
    }

    /// A pool of its own on the same database, for looking at (or changing) rows as
    /// another process would. SQL here is what both engines read: `$1` placeholders.
    pub async fn pool(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPoolOptions::new()
            .max_connections(2)
            .connect(&self.url)
            .await
            .expect("open the test database")
    }
}

async fn admin_pool() -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(1)
        .connect(&admin_url())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "SQUID_TEST_BACKEND=postgres but PostgreSQL at {} cannot be reached: {e}",
                admin_url()
            )
        })
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(redis) = self.redis.take() {
            let deleted = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime")
                    .block_on(redis.delete_all())
            })
            .join();
            if deleted.is_err() && !std::thread::panicking() {
                panic!("could not delete a test's Redis keys");
            }
        }
        let Some(name) = self.postgres_name.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread with a
        // runtime of its own. FORCE ends the connections the server's pool still holds.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(async move {
                    let admin = admin_pool().await;
                    let done = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&admin)
                        .await;
                    admin.close().await;
                    done.map(|_| ())
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) && !std::thread::panicking() {
            panic!("could not drop a test database: {dropped:?}");
        }
    }
}

/// The tables of Squid's, and every row of each as the text of all its columns (byte
/// strings as upper-case hex, text quoted) with the table's name; with the sessions in
/// Redis, each of the test's keys too, as a row of the "table" `redis`.
pub async fn every_row(test: &TestDb, db: &AnyPool) -> (Vec<String>, Vec<(String, String)>) {
    let (tables, mut rows) = sql_rows(db).await;
    if let Some(redis) = &test.redis {
        for (key, text) in redis.dump().await {
            rows.push(("redis".to_string(), format!("{key}|{text}")));
        }
    }
    (tables, rows)
}

async fn sql_rows(db: &AnyPool) -> (Vec<String>, Vec<(String, String)>) {
    let (tables_sql, columns_sql) = match engine() {
        Engine::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table'
               AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
            "SELECT name, type FROM pragma_table_info($1)",
        ),
        Engine::Postgres => (
            "SELECT table_name::text FROM information_schema.tables
              WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
                AND table_name NOT LIKE '_sqlx%' ORDER BY 1",
            "SELECT column_name::text, data_type::text FROM information_schema.columns
              WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        ),
    };
    let tables: Vec<String> = sqlx::query_scalar(tables_sql).fetch_all(db).await.unwrap();
    let mut rows = vec![];
    for table in &tables {
        let columns: Vec<(String, String)> = sqlx::query(columns_sql)
            .bind(table)
            .fetch_all(db)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let shown = |(name, kind): &(String, String)| match engine() {
            Engine::Sqlite => format!("quote({name})"),
            Engine::Postgres if kind == "bytea" => {
                format!("coalesce('X''' || upper(encode({name}, 'hex')) || '''', 'NULL')")
            }
            Engine::Postgres => format!("quote_nullable({name}::text)"),
        };
        let concat = columns
            .iter()
            .map(shown)
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        for text in sqlx::query_scalar::<_, String>(&format!("SELECT {concat} FROM {table}"))
            .fetch_all(db)
            .await
            .unwrap()
        {
            rows.push((table.clone(), text));
        }
    }
    (tables, rows)
}

/// Fails when any of `needles` is stored: in a row (as text, or as upper-case hex of its
/// bytes) and, on SQLite, anywhere in the database's files, free pages and WAL included.
pub async fn assert_not_stored(test: &TestDb, db: &AnyPool, dir: &Path, needles: &[&[u8]]) {
    let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02X}")).collect::<String>();
    for (table, row) in every_row(test, db).await.1 {
        let upper = row.to_uppercase();
        for needle in needles {
            let text = String::from_utf8_lossy(needle);
            assert!(
                !row.contains(text.as_ref()) && !upper.contains(&hex(needle)),
                "{table} holds {text:?}: {row}"
            );
        }
    }
    if engine() != Engine::Sqlite {
        return;
    }
    for file in ["squid.db", "squid.db-wal"] {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_default();
        for needle in needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == *needle),
                "{file} holds {:?}",
                String::from_utf8_lossy(needle)
            );
        }
    }
}
