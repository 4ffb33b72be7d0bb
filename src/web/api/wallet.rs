//! Sign-In with Ethereum: `/api/auth/siwe/*` (the nonce, signing in) and
//! `/api/account/wallet` (linking and unlinking a wallet).

use super::extract::Body;
use crate::domain::wallet::check::SiweProof;
use crate::error::ApiError;
use crate::model::SiweInput;
use crate::web::ctx::{Reached, SignedIn};
use crate::web::{AppState, Ctx};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/siwe/nonce", get(nonce))
        .route("/api/auth/siwe", post(sign_in))
        .route("/api/account/wallet", post(link).delete(unlink))
}

async fn nonce(mut ctx: Ctx, Reached(site): Reached) -> Result<impl IntoResponse, ApiError> {
    let wallets = &ctx.state.domain.wallets;
    let (challenge, happened) = wallets.challenge(&mut ctx.visitor, &site, ctx.now).await?;
    Ok((ctx.apply(&happened).await?, Json(challenge)))
}

async fn sign_in(
    mut ctx: Ctx,
    Reached(site): Reached,
    Body(input): Body<SiweInput>,
) -> Result<impl IntoResponse, ApiError> {
    let proof = SiweProof::try_from(input)?;
    let wallets = &ctx.state.domain.wallets;
    let (user, happened) = wallets
        .sign_in(&mut ctx.visitor, proof, &site, ctx.now)
        .await?;
    Ok((ctx.apply(&happened).await?, Json(json!({ "user": user }))))
}

async fn link(
    SignedIn(mut ctx): SignedIn,
    Reached(site): Reached,
    Body(input): Body<SiweInput>,
) -> Result<impl IntoResponse, ApiError> {
    let proof = SiweProof::try_from(input)?;
    let wallets = &ctx.state.domain.wallets;
    let (user, happened) = wallets
        .link(&mut ctx.visitor, proof, &site, ctx.now)
        .await?;
    Ok((ctx.apply(&happened).await?, Json(json!({ "user": user }))))
}

async fn unlink(SignedIn(mut ctx): SignedIn) -> Result<impl IntoResponse, ApiError> {
    let wallets = &ctx.state.domain.wallets;
    let (_, happened) = wallets.unlink(&mut ctx.visitor, ctx.now).await?;
    Ok((ctx.apply(&happened).await?, StatusCode::NO_CONTENT))
}
