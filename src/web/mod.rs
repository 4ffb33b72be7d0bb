//! The HTTP side: application state, the router, the middleware every request passes
//! through, and the server's life cycle. Handlers stay thin: they parse, call [`ops`]
//! (which calls `domain`), and shape the answer.

pub mod api;
pub mod cookies;
pub mod guard;
pub mod ops;
pub mod session_store;
pub mod visitor;

use crate::app::{shell, App};
use crate::config::{Config, CookieKeySource};
use crate::domain::accounts::Accounts;
use crate::domain::audit::Audit;
use crate::domain::consent::Consents;
use crate::domain::privacy::Privacy;
use crate::domain::retention::Retention;
use crate::domain::sessions::{SessionPolicy, Sessions};
use crate::domain::tracking::Tracking;
use crate::store::Db;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::{middleware, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use visitor::{LiveSession, Visitor};

/// Largest request body accepted, API and server functions alike.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Everything a handler may need. Cloned for every extractor, so it is one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

// leptos_axum asks the state for the Leptos options.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub db: Db,
    pub sessions: Sessions,
    pub tracking: Tracking,
    pub accounts: Accounts,
    pub audit: Audit,
    pub consents: Consents,
    pub privacy: Privacy,
    pub retention: Retention,
    pub cookie_key: cookie::Key,
}

impl AppState {
    /// Builds the state over an opened, migrated database.
    pub fn new(
        config: Config,
        db: Db,
        cookie_key: cookie::Key,
        leptos_options: LeptosOptions,
    ) -> Self {
        let policy = SessionPolicy {
            idle: config.idle_timeout_secs as i64 * 1000,
            absolute: config.absolute_timeout_secs as i64 * 1000,
        };
        let sessions = Sessions::new(db.clone(), policy);
        let accounts = Accounts::new(db.clone(), config.admin_emails.clone());
        let consents = Consents::new(db.clone(), &config.consent_policy_version);
        AppState(Arc::new(Shared {
            leptos_options,
            privacy: Privacy::new(
                db.clone(),
                accounts.clone(),
                sessions.clone(),
                consents.clone(),
            ),
            retention: Retention::new(db.clone(), config.data_retention_days),
            sessions,
            tracking: Tracking::new(db.clone()),
            accounts,
            audit: Audit::new(db.clone()),
            consents,
            config: Arc::new(config),
            db,
            cookie_key,
        }))
    }
}

/// The signing key for cookies: `COOKIE_KEY`, or in development a key generated once and
/// kept (mode 0600) beside the database, so restarts keep visitors' preferences.
pub fn load_cookie_key(source: &CookieKeySource) -> Result<cookie::Key, String> {
    use base64::Engine;
    let engine = &base64::engine::general_purpose::STANDARD;
    let bytes = match source {
        CookieKeySource::Given(bytes) => bytes.clone(),
        CookieKeySource::File(path) => match std::fs::read_to_string(path) {
            Ok(text) => engine
                .decode(text.trim())
                .ok()
                .filter(|b| b.len() >= 64)
                .ok_or_else(|| {
                    format!(
                        "COOKIE_KEY: the key file {} is damaged; delete it to make a new one",
                        path.display()
                    )
                })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = vec![0u8; 64];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
                write_private(path, &engine.encode(&bytes)).map_err(|e| {
                    format!(
                        "COOKIE_KEY: cannot write the key file {}: {e}",
                        path.display()
                    )
                })?;
                tracing::info!(path = %path.display(), "generated a development cookie key");
                bytes
            }
            Err(e) => {
                return Err(format!(
                    "COOKIE_KEY: cannot read the key file {}: {e}",
                    path.display()
                ))
            }
        },
    };
    Ok(cookie::Key::derive_from(&bytes))
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

/// The whole application: `/api` routes, server functions, pages and static files, with
/// the middleware stack around them.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let options = state.leptos_options.clone();

    let session_layer = SessionManagerLayer::new(session_store::SqlSessionStore {
        sessions: state.sessions.clone(),
    })
    .with_name(state.config.session_cookie_name())
    .with_http_only(true)
    .with_same_site(SameSite::Lax)
    .with_path("/")
    .with_secure(state.config.production)
    // No Max-Age: the cookie dies with the browser; the server enforces the timeouts.
    .with_expiry(Expiry::OnSessionEnd);

    // Layers run outermost last-added: guard headers, CSRF, sessions, the visitor, pages.
    Router::new()
        .merge(api::routes())
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            visitor::record_page_view,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            visitor::visitor,
        ))
        .layer(session_layer)
        .layer(middleware::from_fn(guard::csrf))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::response_headers,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Runs the server until SIGTERM or SIGINT, then lets requests in flight finish.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let addr = state.config.site_addr;
    if let Err(e) = state.accounts.warm_up().await {
        tracing::warn!(error = %e, "could not prepare the dummy password hash");
    }
    let sweeper = tokio::spawn(sweep_expired(
        state.sessions.clone(),
        state.accounts.clone(),
    ));
    let purger = tokio::spawn(apply_retention(state.retention.clone()));
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{addr}");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    sweeper.abort();
    purger.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Deletes expired sessions and stale sign-in attempts every minute (more often for short
/// test timeouts).
async fn sweep_expired(sessions: Sessions, accounts: Accounts) {
    let period = Duration::from_millis((sessions.policy.idle as u64 / 2).clamp(1_000, 60_000));
    let mut tick = tokio::time::interval(period);
    loop {
        tick.tick().await;
        match sessions.sweep(crate::domain::now_millis()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(ended = n, "expired sessions deleted"),
            Err(e) => tracing::warn!(error = %e, "expired-session sweep failed; will retry"),
        }
        if let Err(e) = accounts.prune_attempts(crate::domain::now_millis()).await {
            tracing::warn!(error = %e, "pruning sign-in attempts failed; will retry");
        }
    }
}

/// How often the server applies the retention policy (the contract asks for at least
/// hourly); the first run is at start.
pub const RETENTION_PERIOD: Duration = Duration::from_secs(15 * 60);

/// Deletes what is older than `DATA_RETENTION_DAYS`, at start and every
/// [`RETENTION_PERIOD`]. A failed run is logged and tried again at the next tick.
pub async fn apply_retention(retention: Retention) {
    let mut tick = tokio::time::interval(RETENTION_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match retention.purge(crate::domain::now_millis()).await {
            Ok(report) if report.total() == 0 => {}
            Ok(report) => tracing::info!(
                page_views = report.page_views,
                actions = report.actions,
                audit = report.audit,
                ended_sessions = report.ended_sessions,
                days = retention.days,
                "retention: deleted data past its time"
            ),
            Err(e) => tracing::warn!(error = %e, "retention purge failed; will retry"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
