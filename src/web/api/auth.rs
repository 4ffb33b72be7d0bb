//! `/api/auth/*`: registration, sign-in and out, the user, password and re-authentication,
//! and tokens for apps.

use super::extract::Body;
use crate::domain::accounts::validate::{Credentials, PasswordChange, Registration, Secret};
use crate::domain::auth::Issued;
use crate::domain::rfc3339;
use crate::error::ApiError;
use crate::model::{
    IssuedToken, LoginInput, PasswordChangeInput, PasswordInput, RegisterInput, User,
};
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
        .route("/api/auth/token", post(issue_token))
        .route("/api/auth/token/refresh", post(refresh_token))
}

fn issued(issued: Issued) -> impl IntoResponse {
    let body = IssuedToken {
        token: issued.token.encode(),
        expires_at: rfc3339(issued.expires_at),
        user: issued.user,
    };
    (StatusCode::CREATED, Json(body))
}

/// No cookie is set: the token is the body's.
async fn issue_token(
    ctx: Ctx,
    Body(input): Body<LoginInput>,
) -> Result<impl IntoResponse, ApiError> {
    let credentials = Credentials::try_from(input)?;
    let domain = &ctx.state.domain;
    let token = domain
        .auth
        .issue_token(&ctx.visitor, credentials, ctx.now)
        .await?;
    Ok(issued(token))
}

async fn refresh_token(mut ctx: Ctx) -> Result<impl IntoResponse, ApiError> {
    if !ctx.bearer {
        return Err(ApiError::bad_request(
            "send the token to refresh as Authorization: Bearer",
        ));
    }
    let domain = &ctx.state.domain;
    let token = domain.auth.refresh(&mut ctx.visitor, ctx.now).await?;
    Ok(issued(token))
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
