//! `/api/preferences`.

use super::extract::Body;
use crate::domain::preferences::PreferencesPatch;
use crate::error::ApiError;
use crate::model::PreferencesInput;
use crate::web::{AppState, Ctx};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/preferences",
        get(get_preferences)
            .post(set_preferences)
            .put(set_preferences),
    )
}

async fn get_preferences(ctx: Ctx) -> impl IntoResponse {
    Json(ctx.visitor.prefs)
}

async fn set_preferences(
    mut ctx: Ctx,
    Body(input): Body<PreferencesInput>,
) -> Result<impl IntoResponse, ApiError> {
    let patch = PreferencesPatch::try_from(input)?;
    let (prefs, happened) = ctx
        .state
        .domain
        .preferences
        .update(&mut ctx.visitor, patch, ctx.now)
        .await?;
    Ok((ctx.apply(&happened).await?, Json(prefs)))
}
