//! Consent, the export and erasure (`API.md`, "Consent, privacy and GDPR").

use super::extract::Body;
use crate::domain::accounts::validate::Secret;
use crate::domain::consent::{Choices, ConsentMethod};
use crate::domain::privacy::export_file_name;
use crate::error::ApiError;
use crate::model::{ConsentInput, PasswordInput};
use crate::web::ctx::SignedIn;
use crate::web::guard::CLEAR_SITE_DATA_ERASED;
use crate::web::{AppState, Ctx};
use axum::http::{header, HeaderName, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/consent", get(get_consent).post(set_consent))
        .route("/api/consent/history", get(consent_history))
        .route("/api/gdpr/export", get(export))
        .route("/api/gdpr/delete", delete(erase))
        .route("/api/account", delete(erase))
}

async fn get_consent(ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(ctx.state.domain.consents.state(&ctx.visitor).await?))
}

async fn set_consent(
    SignedIn(mut ctx): SignedIn,
    Body(input): Body<ConsentInput>,
) -> Result<impl IntoResponse, ApiError> {
    let choices = Choices::try_from(input)?;
    let domain = &ctx.state.domain;
    let (consent, _) = domain
        .consents
        .record(&mut ctx.visitor, &choices, ConsentMethod::Api, ctx.now)
        .await?;
    let kind = choices.0.first().map(|(kind, _)| *kind);
    let item = consent.items.into_iter().find(|i| Some(i.kind) == kind);
    Ok(Json(item))
}

async fn consent_history(ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    let items = ctx.state.domain.consents.history(&ctx.visitor).await?;
    Ok(Json(json!({ "items": items })))
}

async fn export(ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    let export = ctx
        .state
        .domain
        .privacy
        .export(&ctx.visitor, ctx.now)
        .await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        export_file_name(&export.exported_at)
    );
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(export)))
}

async fn erase(
    SignedIn(mut ctx): SignedIn,
    Body(input): Body<PasswordInput>,
) -> Result<impl IntoResponse, ApiError> {
    let password = Secret::optional(input);
    let domain = &ctx.state.domain;
    let happened = domain
        .privacy
        .erase(&mut ctx.visitor, password, ctx.now)
        .await?;
    Ok((
        StatusCode::NO_CONTENT,
        ctx.apply(&happened).await?,
        [(
            HeaderName::from_static("clear-site-data"),
            CLEAR_SITE_DATA_ERASED,
        )],
    ))
}
