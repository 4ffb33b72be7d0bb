//! `/api/session/data`: the session's own values under keys, with versions as ETags.

use super::extract::Body;
use crate::domain::session_data::validate::{expect_of, DataKey, DataValue};
use crate::domain::session_data::Expect;
use crate::error::ApiError;
use crate::model::{DataEntry, DataInput, DataList};
use crate::web::ctx::Live;
use crate::web::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/session/data", get(list)).route(
        "/api/session/data/{key}",
        get(read).put(write).delete(remove),
    )
}

/// The key in the path, checked (a path that does not decode is refused like a bad key).
fn key_of(path: Result<Path<String>, PathRejection>) -> Result<DataKey, ApiError> {
    let raw = path.map(|Path(k)| k).unwrap_or_default();
    Ok(DataKey::parse(&raw)?)
}

/// The key's version as its strong ETag, `"3"`.
fn etag(entry: &DataEntry) -> [(header::HeaderName, HeaderValue); 1] {
    let tag = HeaderValue::from_str(&format!("\"{}\"", entry.version))
        .expect("a number is a valid header value");
    [(header::ETAG, tag)]
}

fn condition(headers: &HeaderMap) -> Result<Expect, ApiError> {
    let text = |name| headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"));
    Ok(expect_of(
        text(header::IF_MATCH),
        text(header::IF_NONE_MATCH),
    )?)
}

async fn list(Live(ctx): Live) -> Result<impl IntoResponse, ApiError> {
    let items = ctx.state.domain.data.list(&ctx.visitor).await?;
    Ok(Json(DataList { items }))
}

async fn read(
    Live(ctx): Live,
    path: Result<Path<String>, PathRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let key = key_of(path)?;
    let entry = ctx.state.domain.data.get(&ctx.visitor, &key).await?;
    Ok((etag(&entry), Json(entry)))
}

async fn write(
    Live(ctx): Live,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    Body(input): Body<DataInput>,
) -> Result<impl IntoResponse, ApiError> {
    let key = key_of(path)?;
    let expect = condition(&headers)?;
    let value = DataValue::parse(input.value)?;
    let written = ctx
        .state
        .domain
        .data
        .put(&ctx.visitor, &key, value, expect, ctx.now)
        .await?;
    let status = if written.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, etag(&written.entry), Json(written.entry)))
}

async fn remove(
    Live(ctx): Live,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let key = key_of(path)?;
    let expect = condition(&headers)?;
    ctx.state
        .domain
        .data
        .delete(&ctx.visitor, &key, expect)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
