//! The HTTP side: application state, the router, the middleware every request passes
//! through, and the server's life cycle. Adapters stay thin: they parse input into the
//! domain's types, call one use case, and apply what it reports ([`ctx::Ctx::apply`]).
//!
//! - [`ctx`]: the typed request context (state, visitor, the cookie's session handle) and
//!   the one place a use case's outcome becomes cookies.
//! - [`api`]: the JSON routes, one router per resource.
//! - [`visitor`]: the middleware that resolves who is asking, and records page views.
//! - [`forwarded`]: the client's address behind the balancers of `TRUSTED_PROXIES`.
//! - [`guard`]: CSRF, cache and security headers, the Content-Security-Policy.
//! - [`session_store`]: tower-sessions as the carrier of the session cookie.
//! - [`cookies`]: the signed preferences cookie.
//! - [`server_fns`]: server functions answer malformed input as the `/api` routes do.
//! - [`conn`]: the accept loop, its timeouts, graceful shutdown, keep-alive after refusals.

pub mod api;
pub mod bearer;
pub mod conn;
pub mod cookies;
pub mod ctx;
pub mod forwarded;
pub mod guard;
pub mod server_fns;
pub mod session_store;
pub mod visitor;

use crate::app::{shell, App};
use crate::config::Config;
use crate::domain::{Clock, Services};
use crate::store::Store;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::{middleware, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use ctx::Ctx;

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
    pub cookie_key: cookie::Key,
    /// The time every request reads once; tests move it.
    pub clock: Clock,
    /// Every use case.
    pub domain: Services,
}

impl AppState {
    /// Builds the state over an opened, migrated store.
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        cookie_key: cookie::Key,
        leptos_options: LeptosOptions,
        clock: Clock,
    ) -> Self {
        AppState(Arc::new(Shared {
            leptos_options,
            domain: Services::new(store, config.settings(&cookie_key)),
            config: Arc::new(config),
            cookie_key,
            clock,
        }))
    }
}

/// The whole application: `/api` routes, server functions, pages and static files, with
/// the middleware stack around them.
pub fn router(state: AppState) -> Router {
    let routes = app_routes();
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let options = state.leptos_options.clone();

    let session_layer = SessionManagerLayer::new(session_store::CookieCarrier {
        sessions: state.domain.sessions.clone(),
        clock: state.clock.clone(),
    })
    .with_name(state.config.session_cookie_name())
    .with_http_only(true)
    .with_same_site(SameSite::Lax)
    .with_path("/")
    .with_secure(state.config.production)
    // No Max-Age: the cookie dies with the browser; the server enforces the timeouts.
    .with_expiry(Expiry::OnSessionEnd);

    // Layers run outermost last-added: the edge, sessions, the visitor, pages.
    let app = Router::new()
        .merge(api::routes())
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(middleware::from_fn(server_fns::answers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            visitor::record_page_view,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            visitor::visitor,
        ))
        .layer(session_layer);
    edge(app, state)
}

/// The layers every request passes first, whatever route it is for: the log, the
/// panic-catching last line, keep-alive after an unread body, the body limit, the guard
/// headers and the CSRF rule. Public so a test can put a route of its own behind them.
pub fn edge(app: Router<AppState>, state: AppState) -> Router {
    app.layer(middleware::from_fn_with_state(state.clone(), guard::csrf))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::response_headers,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(conn::close_after_unread_body))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            guard::panicked,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// The app's routes, listed once per process. Listing them runs the app with a
/// process-wide flag set that parks, forever, every resource first polled meanwhile by
/// *any* render (leptos#4773): a second listing while pages render, as when the tests
/// build one router per test, hung about 1 run in 15 of the page tests under load.
fn app_routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Runs the server until SIGTERM or SIGINT, then lets requests in flight finish (for
/// [`conn::LIMITS`]'s grace period at most).
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let addr = state.config.site_addr;
    if let Err(e) = state.domain.accounts.hasher.warm_up().await {
        tracing::warn!(error = %e, "could not prepare the dummy password hash");
    }
    let sweeper = tokio::spawn(sweep_expired(state.clone()));
    let purger = tokio::spawn(apply_retention(state.clone()));
    let indexer = tokio::spawn(index_events(state.clone()));
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{addr}");
    conn::serve_on(listener, app, conn::LIMITS, shutdown_signal()).await?;
    sweeper.abort();
    purger.abort();
    indexer.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Deletes expired sessions and stale sign-in attempts every minute (more often for short
/// test timeouts).
async fn sweep_expired(state: AppState) {
    let domain = &state.domain;
    let idle = domain.sessions.policy.idle as u64;
    let mut tick = tokio::time::interval(Duration::from_millis((idle / 2).clamp(1_000, 60_000)));
    loop {
        tick.tick().await;
        match domain.sessions.sweep(state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(ended = n, "expired sessions deleted"),
            Err(e) => tracing::warn!(error = %e, "expired-session sweep failed; will retry"),
        }
        if let Err(e) = domain.accounts.prune_attempts(state.clock.now()).await {
            tracing::warn!(error = %e, "pruning sign-in attempts failed; will retry");
        }
        if let Err(e) = domain.wallets.prune_nonces(state.clock.now()).await {
            tracing::warn!(error = %e, "pruning expired nonces failed; will retry");
        }
    }
}

/// How often the server copies new events into the reports' index of events by name, off
/// the requests' commits (`migrations/sqlite/0010_event_index.sql` says why). Each copy
/// rewrites the index pages its rows land on, so rarer, larger copies cost less. `make
/// bench`, three 10 s runs of each build alternately: copying every 0.2 s 56.6-59.0 µs a
/// request (p99 18.3-20.4 ms) against 54.9-61.0 every second; every 5 s 53.3-55.1 µs
/// (p99 14.0-15.2 ms) against 56.7-65.4 every second and 52.7-54.8 before the analytics.
/// A report copies what is left before it reads, so none is ever behind.
pub const INDEX_PERIOD: Duration = Duration::from_secs(5);

async fn index_events(state: AppState) {
    let mut tick = tokio::time::interval(INDEX_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = state.domain.insights.index_events().await {
            tracing::warn!(error = %e, "indexing events failed; will retry");
        }
    }
}

/// How often the server applies the retention policy (the contract asks for at least
/// hourly); the first run is at start.
pub const RETENTION_PERIOD: Duration = Duration::from_secs(15 * 60);

/// Deletes what is older than `DATA_RETENTION_DAYS`, at start and every
/// [`RETENTION_PERIOD`]. A failed run is logged and tried again at the next tick.
pub async fn apply_retention(state: AppState) {
    let retention = &state.domain.retention;
    let mut tick = tokio::time::interval(RETENTION_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match retention.purge(state.clock.now()).await {
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
