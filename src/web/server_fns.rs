//! The adapter around server functions (`/api/fn/*`): they answer malformed input as the
//! `/api` routes do. server_fn itself reads any body whole and answers every failure to
//! decode its arguments (an empty body, a repeated form key, `page=abc`) with `500`; an
//! attack run found 297 of 468 malformed requests answered so.

use super::MAX_BODY_BYTES;
use crate::error::{ApiError, ErrorCode};
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses a body over [`MAX_BODY_BYTES`] with `413` before the function runs, and gives a
/// failure the status of its error code (a decoding failure is `bad_request`, so `400`).
pub async fn answers(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/fn/") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let body = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(e) if is_length_limit(&e) => {
            return ApiError::new(ErrorCode::PayloadTooLarge, "the body is larger than 64 KiB")
                .into_response()
        }
        Err(_) => return ApiError::bad_request("the body could not be read").into_response(),
    };
    let res = next.run(Request::from_parts(parts, Body::from(body))).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    // A failure's body is one serialised `ApiError`: small.
    let (mut parts, body) = res.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::new(ErrorCode::Internal, "internal error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<ApiError>(&body) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(parts.status);
    }
    Response::from_parts(parts, Body::from(body))
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}
