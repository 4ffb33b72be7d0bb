//! `/api/session` and what a session records: pages, actions, batches of both
//! (`/api/events`), the activity feed.

use super::extract::{Body, ListQuery};
use crate::domain::tracking::{ActivityKind, Label, NewAction};
use crate::domain::{Order, Pagination};
use crate::error::ApiError;
use crate::model::{ActionInput, EventsInput, PageInput};
use crate::web::ctx::Live;
use crate::web::{AppState, Ctx};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/session",
            get(get_session).post(start_session).delete(end_session),
        )
        .route("/api/session/page", post(log_page))
        .route("/api/session/action", post(log_action))
        .route("/api/session/actions", get(list_actions))
        .route("/api/activity", get(activity))
        .route("/api/events", post(log_events))
}

async fn start_session(mut ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    let domain = &ctx.state.domain;
    let happened = domain.auth.restart(&mut ctx.visitor, ctx.now).await?;
    let view = domain
        .tracking
        .session_view(&ctx.visitor, Pagination::default(), Order::Asc, ctx.now)
        .await?;
    let effects = ctx.apply(&happened).await?;
    Ok((StatusCode::CREATED, effects, Json(view)))
}

async fn get_session(ctx: Ctx, query: ListQuery) -> Result<impl IntoResponse, ApiError> {
    let (page, order) = (query.pagination()?, query.order()?);
    let view = ctx
        .state
        .domain
        .tracking
        .session_view(&ctx.visitor, page, order, ctx.now)
        .await?;
    Ok(Json(view))
}

async fn end_session(mut ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    let domain = &ctx.state.domain;
    let happened = domain.auth.end_session(&mut ctx.visitor, ctx.now).await?;
    Ok((ctx.apply(&happened).await?, StatusCode::NO_CONTENT))
}

async fn log_page(
    Live(ctx): Live,
    Body(input): Body<PageInput>,
) -> Result<impl IntoResponse, ApiError> {
    let page = Label::try_from(input)?;
    let record = &ctx.visitor.live()?.record;
    let logged = ctx
        .state
        .domain
        .tracking
        .log_page(record, &page, ctx.now)
        .await?;
    Ok((StatusCode::CREATED, Json(logged)))
}

async fn log_action(
    Live(ctx): Live,
    Body(input): Body<ActionInput>,
) -> Result<impl IntoResponse, ApiError> {
    let action = NewAction::try_from(input)?;
    let record = &ctx.visitor.live()?.record;
    let entry = ctx
        .state
        .domain
        .tracking
        .log_action(record, &action, ctx.now)
        .await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

async fn log_events(
    Live(ctx): Live,
    Body(input): Body<EventsInput>,
) -> Result<impl IntoResponse, ApiError> {
    let tracking = &ctx.state.domain.tracking;
    let accepted = tracking
        .log_batch(&ctx.visitor, input.events, ctx.now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "accepted": accepted })),
    ))
}

async fn list_actions(ctx: Ctx, query: ListQuery) -> Result<impl IntoResponse, ApiError> {
    let (page, order) = (query.pagination()?, query.order()?);
    let session_id = &ctx.visitor.live()?.record.public_id;
    let list = ctx
        .state
        .domain
        .tracking
        .actions(session_id, page, order)
        .await?;
    Ok(Json(list))
}

async fn activity(ctx: Ctx, query: ListQuery) -> Result<impl IntoResponse, ApiError> {
    let kind = ActivityKind::parse(query.get("type"))?;
    let list = ctx
        .state
        .domain
        .tracking
        .activity(&ctx.visitor, kind, query.pagination()?)
        .await?;
    Ok(Json(list))
}
