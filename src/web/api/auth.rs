//! `/api/auth/*`: registration, sign-in and out, the user, password and re-authentication.

use super::extract::Body;
use crate::domain::accounts::validate::{Credentials, PasswordChange, Registration, Secret};
use crate::error::ApiError;
use crate::model::{LoginInput, PasswordChangeInput, PasswordInput, RegisterInput, User};
use crate::web::ctx::SignedIn;
use crate::web::guard::CLEAR_SITE_DATA_SIGNED_OUT;
use crate::web::{AppState, Ctx};
use axum::http::{HeaderName, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/auth/password", post(change_password))
        .route("/api/auth/reauth", post(reauth))
}

/// `{"user": User}`.
fn user(user: User) -> Json<serde_json::Value> {
    Json(json!({ "user": user }))
}

async fn register(
    mut ctx: Ctx,
    Body(input): Body<RegisterInput>,
) -> Result<impl IntoResponse, ApiError> {
    let registration = Registration::try_from(input)?;
    let domain = &ctx.state.domain;
    let (signed_in, happened) = domain
        .auth
        .register(&mut ctx.visitor, registration, ctx.now)
        .await?;
    Ok((
        StatusCode::CREATED,
        ctx.apply(&happened).await?,
        user(signed_in),
    ))
}

async fn login(mut ctx: Ctx, Body(input): Body<LoginInput>) -> Result<impl IntoResponse, ApiError> {
    let credentials = Credentials::try_from(input)?;
    let domain = &ctx.state.domain;
    let (signed_in, happened) = domain
        .auth
        .login(&mut ctx.visitor, credentials, ctx.now)
        .await?;
    Ok((ctx.apply(&happened).await?, user(signed_in)))
}

async fn logout(mut ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    let happened = ctx
        .state
        .domain
        .auth
        .logout(&mut ctx.visitor, ctx.now)
        .await?;
    Ok((
        StatusCode::NO_CONTENT,
        ctx.apply(&happened).await?,
        [(
            HeaderName::from_static("clear-site-data"),
            CLEAR_SITE_DATA_SIGNED_OUT,
        )],
    ))
}

async fn me(ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    Ok(user(ctx.visitor.account()?.to_user()))
}

async fn change_password(
    SignedIn(mut ctx): SignedIn,
    Body(input): Body<PasswordChangeInput>,
) -> Result<impl IntoResponse, ApiError> {
    let change = PasswordChange::try_from(input)?;
    let domain = &ctx.state.domain;
    let happened = domain
        .auth
        .change_password(&mut ctx.visitor, change, ctx.now)
        .await?;
    Ok((ctx.apply(&happened).await?, StatusCode::NO_CONTENT))
}

async fn reauth(
    SignedIn(mut ctx): SignedIn,
    Body(input): Body<PasswordInput>,
) -> Result<impl IntoResponse, ApiError> {
    let password = Secret::try_from(input)?;
    let happened = ctx
        .state
        .domain
        .auth
        .reauth(&mut ctx.visitor, password, ctx.now)
        .await?;
    Ok((ctx.apply(&happened).await?, StatusCode::NO_CONTENT))
}
