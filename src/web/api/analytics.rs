//! `/api/analytics/*`: each visitor's own figures.

use super::extract::ListQuery;
use crate::error::ApiError;
use crate::web::{AppState, Ctx};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/analytics/me", get(me))
        .route("/api/analytics/journey", get(journey))
}

async fn me(ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    let analytics = &ctx.state.domain.analytics;
    Ok(Json(analytics.me(&ctx.visitor, ctx.now).await?))
}

async fn journey(ctx: Ctx, query: ListQuery) -> Result<impl IntoResponse, ApiError> {
    let analytics = &ctx.state.domain.analytics;
    Ok(Json(
        analytics
            .journey(&ctx.visitor, query.get("session"))
            .await?,
    ))
}
