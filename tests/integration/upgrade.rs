//! Upgrading a database that holds data: the migration that rebuilds `users` on SQLite
//! (0006, wallets) keeps every account with its preferences and consents, and with them
//! the foreign keys that delete those with the account.

use crate::backend::{engine, Engine, TestDb};
use crate::harness::{TestApp, PW};
use axum::http::{Method, StatusCode};
use serde_json::json;

/// The migrations before wallets, run on their own from a copy of the directory.
async fn migrate_to_0005(db: &TestDb, dir: &std::path::Path) {
    let source = match engine() {
        Engine::Sqlite => "migrations/sqlite",
        Engine::Postgres => "migrations/postgres",
    };
    let old = dir.join("old-migrations");
    std::fs::create_dir(&old).unwrap();
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < "0006" {
            std::fs::copy(&path, old.join(&name)).unwrap();
        }
    }
    if matches!(engine(), Engine::Sqlite) {
        std::fs::File::create(db.url.trim_start_matches("sqlite://")).unwrap();
    }
    let pool = db.pool().await;
    let migrator = sqlx::migrate::Migrator::new(old.as_path()).await.unwrap();
    migrator.run(&pool).await.expect("migrate to 0005");
    for sql in [
        "INSERT INTO users (id, email, password_hash, display_name, role, created_at)
         VALUES ('u1', 'old@example.com', 'x', 'Old', 'admin', 1)",
        "INSERT INTO user_preferences (user_id, theme, notifications, language, updated_at)
         VALUES ('u1', 'dark', 'disabled', 'de', 2)",
        "INSERT INTO consents (user_id, type, granted, version, at, method)
         VALUES ('u1', 'analytics', TRUE, '1', 3, 'api')",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
}

#[tokio::test]
async fn upgrading_keeps_accounts_with_their_preferences_and_consents() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path()).await;
    migrate_to_0005(&db, dir.path()).await;
    let app = TestApp::on(dir, db, &[]).await;
    let pool = app.sql().clone();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM users WHERE email = 'old@example.com' AND wallet IS NULL")
            .await,
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM user_preferences WHERE user_id = 'u1'").await,
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM consents WHERE user_id = 'u1'").await,
        1
    );

    // The rebuilt table keeps its rules: one account per email, a way in for each, and
    // erasure still takes the preferences and consents with the account.
    let dup = sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, created_at)
         VALUES ('u2', 'old@example.com', 'y', 'user', 4)",
    )
    .execute(app.sql())
    .await;
    assert!(dup.is_err(), "email stays unique");
    let no_way_in =
        sqlx::query("INSERT INTO users (id, role, created_at) VALUES ('u3', 'user', 5)")
            .execute(app.sql())
            .await;
    assert!(no_way_in.is_err(), "an account needs an email or a wallet");

    let mut c = app.client();
    c.register("new@example.com", PW).await;
    c.post("/api/preferences", json!({ "theme": "dark" })).await;
    c.post(
        "/api/consent",
        json!({ "type": "analytics", "granted": true }),
    )
    .await;
    let res = c
        .json(Method::DELETE, "/api/account", json!({ "password": PW }))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(count("SELECT COUNT(*) FROM user_preferences").await, 1);
    assert_eq!(count("SELECT COUNT(*) FROM consents").await, 1);
    sqlx::query("DELETE FROM users WHERE id = 'u1'")
        .execute(app.sql())
        .await
        .unwrap();
    assert_eq!(
        count("SELECT COUNT(*) FROM user_preferences").await,
        0,
        "cascade kept"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM consents").await,
        0,
        "cascade kept"
    );
}
