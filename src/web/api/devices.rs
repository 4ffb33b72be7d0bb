//! `/api/sessions` (the user's devices) and `/api/audit` (their security events).

use super::extract::ListQuery;
use crate::error::ApiError;
use crate::web::{AppState, Ctx};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/sessions", get(list).delete(end_others))
        .route("/api/sessions/{id}", delete(end_one))
        .route("/api/audit", get(audit_log))
}

async fn list(ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    let items = ctx.state.domain.devices.list(&ctx.visitor, ctx.now).await?;
    Ok(Json(json!({ "items": items })))
}

async fn end_one(mut ctx: Ctx, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let domain = &ctx.state.domain;
    let happened = domain
        .devices
        .end_one(&mut ctx.visitor, &id, ctx.now)
        .await?;
    Ok((ctx.apply(&happened).await?, StatusCode::NO_CONTENT))
}

async fn end_others(mut ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    let domain = &ctx.state.domain;
    let happened = domain.devices.end_others(&ctx.visitor, ctx.now).await?;
    Ok((ctx.apply(&happened).await?, StatusCode::NO_CONTENT))
}

async fn audit_log(ctx: Ctx, query: ListQuery) -> Result<impl IntoResponse, ApiError> {
    let page = query.pagination()?;
    let user_id = &ctx.visitor.account()?.id;
    Ok(Json(ctx.state.domain.audit.list(user_id, page).await?))
}
