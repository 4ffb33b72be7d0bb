//! `/api/admin/analytics/*`: everyone's figures, for administrators.

use super::extract::ListQuery;
use crate::domain::insights::query::{period, weeks, PathQuery, SeriesQuery, Steps};
use crate::error::ApiError;
use crate::web::{AppState, Ctx};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/analytics/overview", get(overview))
        .route("/api/admin/analytics/paths", get(paths))
        .route("/api/admin/analytics/funnel", get(funnel))
        .route("/api/admin/analytics/retention", get(retention))
        .route("/api/admin/analytics/timeseries", get(timeseries))
        .route("/api/admin/analytics/realtime", get(realtime))
        .route("/api/admin/analytics/durations", get(durations))
}

// Each checks the role before it reads the query: a guest or a user learns nothing from a
// `400` about a route they may not use.

async fn overview(ctx: Ctx, q: ListQuery) -> Result<impl IntoResponse, ApiError> {
    ctx.visitor.admin()?;
    let w = period(q.get("from"), q.get("to"), ctx.now)?;
    let insights = &ctx.state.domain.insights;
    Ok(Json(insights.overview(&ctx.visitor, w, ctx.now).await?))
}

async fn paths(ctx: Ctx, q: ListQuery) -> Result<impl IntoResponse, ApiError> {
    ctx.visitor.admin()?;
    let w = period(q.get("from"), q.get("to"), ctx.now)?;
    let paths = PathQuery::parse(q.get("length"), q.get("limit"))?;
    let insights = &ctx.state.domain.insights;
    Ok(Json(insights.paths(&ctx.visitor, w, paths).await?))
}

async fn funnel(ctx: Ctx, q: ListQuery) -> Result<impl IntoResponse, ApiError> {
    ctx.visitor.admin()?;
    let w = period(q.get("from"), q.get("to"), ctx.now)?;
    let steps = Steps::parse(q.get("steps"))?;
    let insights = &ctx.state.domain.insights;
    Ok(Json(insights.funnel(&ctx.visitor, w, &steps).await?))
}

async fn retention(ctx: Ctx, q: ListQuery) -> Result<impl IntoResponse, ApiError> {
    ctx.visitor.admin()?;
    let w = period(q.get("from"), q.get("to"), ctx.now)?;
    let weeks = weeks(q.get("weeks"))?;
    let insights = &ctx.state.domain.insights;
    Ok(Json(insights.retention(&ctx.visitor, weeks, w.to).await?))
}

async fn timeseries(ctx: Ctx, q: ListQuery) -> Result<impl IntoResponse, ApiError> {
    ctx.visitor.admin()?;
    let w = period(q.get("from"), q.get("to"), ctx.now)?;
    let series = SeriesQuery::parse(q.get("metric"), q.get("interval"))?;
    let insights = &ctx.state.domain.insights;
    Ok(Json(insights.timeseries(&ctx.visitor, w, series).await?))
}

async fn realtime(ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    let insights = &ctx.state.domain.insights;
    Ok(Json(insights.realtime(&ctx.visitor, ctx.now).await?))
}

async fn durations(ctx: Ctx, q: ListQuery) -> Result<impl IntoResponse, ApiError> {
    ctx.visitor.admin()?;
    let w = period(q.get("from"), q.get("to"), ctx.now)?;
    let insights = &ctx.state.domain.insights;
    Ok(Json(insights.durations(&ctx.visitor, w, ctx.now).await?))
}
