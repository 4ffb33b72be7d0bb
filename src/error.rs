//! The one error shape that leaves the server: `{"error": {"code", "message", "field"?}}`.
//!
//! [`ApiError`] is what the `/api` routes answer and what server functions return, so the
//! pages and the JSON API report failures alike. Domain errors become an `ApiError` in exactly
//! one place (`From<domain::Error>`, below); nothing else decides status codes.

use serde::{Deserialize, Serialize};

/// An error as the client sees it. `status` is the HTTP status; it travels with server
/// function errors but is not part of the JSON body of an API error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds for the `Retry-After` header of a `429` or `503` (not part of the body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "bad_request", message)
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(400, "validation_failed", message).with_field(field)
    }

    pub fn no_session() -> Self {
        Self::new(
            401,
            "no_session",
            "there is no live session; start one with POST /api/session",
        )
    }

    pub fn unauthenticated() -> Self {
        Self::new(401, "unauthenticated", "sign in first")
    }

    pub fn csrf() -> Self {
        Self::new(403, "csrf", "cross-site requests may not change state")
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }

    pub fn unavailable() -> Self {
        Self::new(
            503,
            "unavailable",
            "the service is temporarily unavailable; try again shortly",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

// Server functions may return `Result<T, ApiError>`: failures of the server-function
// machinery itself (a lost connection, a body that does not decode) become `bad_request` or
// `unavailable` in the same shape.
impl leptos::server_fn::error::FromServerFnError for ApiError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(m) | E::Deserialization(m) | E::Serialization(m) | E::MissingArg(m) => {
                ApiError::bad_request(m)
            }
            E::Request(_) | E::Response(_) => ApiError::unavailable(),
            other => ApiError::new(500, "bad_request", other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::ApiError;
    use crate::domain;
    use axum::http::{header, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Response};

    impl From<domain::Error> for ApiError {
        fn from(err: domain::Error) -> Self {
            use domain::Error as E;
            match err {
                E::Validation {
                    field: Some(field),
                    message,
                } => ApiError::validation(field, message),
                E::Validation {
                    field: None,
                    message,
                } => ApiError::new(400, "validation_failed", message),
                E::BadRequest(message) => ApiError::bad_request(message),
                E::NoSession => ApiError::no_session(),
                E::NotFound(what) => ApiError::not_found(format!("{what} not found")),
                E::Unauthenticated => ApiError::unauthenticated(),
                E::InvalidCredentials => ApiError::new(
                    401,
                    "invalid_credentials",
                    "the email or password is incorrect",
                ),
                E::ReauthenticationRequired => ApiError::new(
                    401,
                    "reauthentication_required",
                    "confirm your password to do this",
                ),
                E::EmailTaken => ApiError::new(
                    409,
                    "email_taken",
                    "an account with this email already exists",
                )
                .with_field("email"),
                E::RateLimited(seconds) => ApiError {
                    retry_after: Some(seconds),
                    ..ApiError::new(
                        429,
                        "rate_limited",
                        "too many failed sign-ins for this email; try again later",
                    )
                },
                E::Forbidden => ApiError::new(403, "forbidden", "you may not do this"),
                E::Unavailable(source) => {
                    // The cause goes to the log, never to the client.
                    tracing::error!(error = %source, "storage failure");
                    ApiError::unavailable()
                }
            }
        }
    }

    impl IntoResponse for ApiError {
        fn into_response(self) -> Response {
            let status =
                StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut body = serde_json::json!({ "code": self.code, "message": self.message });
            if let Some(field) = self.field {
                body["field"] = field.into();
            }
            let mut res =
                (status, axum::Json(serde_json::json!({ "error": body }))).into_response();
            let retry_after = match (status, self.retry_after) {
                (_, Some(seconds)) => Some(seconds),
                (StatusCode::SERVICE_UNAVAILABLE, None) => Some(5),
                _ => None,
            };
            if let Some(seconds) = retry_after {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            res
        }
    }
}
