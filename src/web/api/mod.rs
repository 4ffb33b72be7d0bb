//! The JSON API of `API.md`, one router per resource. Handlers read their input into the
//! operation's type ([`extract`]), call one use case, apply what it reports, and answer.

pub mod extract;

mod admin;
mod analytics;
mod auth;
mod data;
mod devices;
mod insights;
mod preferences;
mod privacy;
mod session;
mod wallet;

use super::AppState;
use crate::error::{ApiError, ErrorCode};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health))
        .merge(preferences::router())
        .merge(session::router())
        .merge(data::router())
        .merge(auth::router())
        .merge(devices::router())
        .merge(privacy::router())
        .merge(wallet::router())
        .merge(admin::router())
        .merge(analytics::router())
        .merge(insights::router())
        .route(
            "/api/{*rest}",
            any(|| async { ApiError::not_found("no such API route") }),
        )
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                ErrorCode::MethodNotAllowed,
                "method not allowed on this route",
            )
        })
}

async fn health(State(state): State<AppState>) -> Response {
    let (database, sessions) = state.domain.store.health().await;
    let healthy = database && sessions;
    let status = if healthy { "ok" } else { "degraded" };
    let part = |ok: bool| if ok { "ok" } else { "error" };
    let body = serde_json::json!({
        "status": status,
        "database": part(database),
        "sessionStore": part(sessions),
        "version": env!("CARGO_PKG_VERSION"),
    });
    let code = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}
