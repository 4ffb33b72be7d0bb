//! `/api/admin/*`: the administration of sessions.

use super::extract::ListQuery;
use crate::domain::oversight::{parse_time, SessionQuery};
use crate::error::ApiError;
use crate::web::{AppState, Ctx};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/sessions", get(list))
        .route("/api/admin/sessions/stats", get(stats))
        .route("/api/admin/sessions/{id}", delete(end_session))
        .route("/api/admin/users/{id}/sessions", delete(end_user_sessions))
}

async fn list(ctx: Ctx, query: ListQuery) -> Result<impl IntoResponse, ApiError> {
    ctx.visitor.admin()?;
    let page = query.pagination()?;
    let filter = SessionQuery::parse(query.get("user"), query.get("kind"))?;
    let oversight = &ctx.state.domain.oversight;
    Ok(Json(
        oversight.list(&ctx.visitor, &filter, page, ctx.now).await?,
    ))
}

async fn stats(ctx: Ctx, query: ListQuery) -> Result<impl IntoResponse, ApiError> {
    ctx.visitor.admin()?;
    let from = parse_time("from", query.get("from"))?;
    let to = parse_time("to", query.get("to"))?;
    let oversight = &ctx.state.domain.oversight;
    Ok(Json(
        oversight.stats(&ctx.visitor, from, to, ctx.now).await?,
    ))
}

async fn end_session(mut ctx: Ctx, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let oversight = &ctx.state.domain.oversight;
    let happened = oversight.end_session(&ctx.visitor, &id, ctx.now).await?;
    Ok((ctx.apply(&happened).await?, StatusCode::NO_CONTENT))
}

async fn end_user_sessions(
    mut ctx: Ctx,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let oversight = &ctx.state.domain.oversight;
    let happened = oversight
        .end_user_sessions(&ctx.visitor, &id, ctx.now)
        .await?;
    Ok((ctx.apply(&happened).await?, StatusCode::NO_CONTENT))
}
