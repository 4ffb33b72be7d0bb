//! The one error shape that leaves the server: `{"error": {"code", "message", "field"?}}`.
//!
//! [`ApiError`] is what the `/api` routes answer and what server functions return, so the
//! pages and the JSON API report failures alike. Its [`ErrorCode`] decides the HTTP status,
//! so a code can never travel with the wrong one. Domain errors become an `ApiError` in
//! exactly one place (`From<domain::Error>`, below).

use serde::{Deserialize, Serialize};

/// The error codes of `API.md`, each with its one status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    ValidationFailed,
    NoSession,
    Unauthenticated,
    InvalidCredentials,
    ReauthenticationRequired,
    Forbidden,
    Csrf,
    NotFound,
    /// Not in the contract's list: a route that exists, asked with another method.
    MethodNotAllowed,
    EmailTaken,
    WalletTaken,
    PreconditionFailed,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    /// Not in the contract's list: a failure of the server-function machinery itself.
    Internal,
    Unavailable,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 18] = [
        ErrorCode::BadRequest,
        ErrorCode::ValidationFailed,
        ErrorCode::NoSession,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::ReauthenticationRequired,
        ErrorCode::Forbidden,
        ErrorCode::Csrf,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::EmailTaken,
        ErrorCode::WalletTaken,
        ErrorCode::PreconditionFailed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::Unavailable,
    ];

    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::ValidationFailed => 400,
            ErrorCode::NoSession
            | ErrorCode::Unauthenticated
            | ErrorCode::InvalidCredentials
            | ErrorCode::ReauthenticationRequired => 401,
            ErrorCode::Forbidden | ErrorCode::Csrf => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::EmailTaken | ErrorCode::WalletTaken => 409,
            ErrorCode::PreconditionFailed => 412,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }

    /// The code as it appears in the body and in a form's `?error=` redirect.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::NoSession => "no_session",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::ReauthenticationRequired => "reauthentication_required",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Csrf => "csrf",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::WalletTaken => "wallet_taken",
            ErrorCode::PreconditionFailed => "precondition_failed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
        }
    }

    pub fn parse(raw: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as the client sees it. Serialised in the contract's shape,
/// `{"error": {"code", "message", "field"?}}`, by the `/api` routes and server functions
/// alike.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Envelope", from = "Envelope")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    /// Seconds for the `Retry-After` header of a `429` or `503` (not part of the body).
    pub retry_after: Option<u64>,
}

/// The body of an error response.
#[derive(Serialize, Deserialize)]
struct Envelope {
    error: Shown,
}

#[derive(Serialize, Deserialize)]
struct Shown {
    code: ErrorCode,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

impl From<ApiError> for Envelope {
    fn from(e: ApiError) -> Self {
        Envelope {
            error: Shown {
                code: e.code,
                message: e.message,
                field: e.field,
            },
        }
    }
}

impl From<Envelope> for ApiError {
    fn from(Envelope { error }: Envelope) -> Self {
        ApiError {
            field: error.field,
            ..ApiError::new(error.code, error.message)
        }
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// The HTTP status, from the code.
    pub fn status(&self) -> u16 {
        self.code.status()
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, message).with_field(field)
    }

    pub fn no_session() -> Self {
        Self::new(
            ErrorCode::NoSession,
            "there is no live session; start one with POST /api/session",
        )
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "sign in first")
    }

    pub fn csrf() -> Self {
        Self::new(ErrorCode::Csrf, "cross-site requests may not change state")
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "the service is temporarily unavailable; try again shortly",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status(), self.message)
    }
}

impl std::error::Error for ApiError {}

// Server functions may return `Result<T, ApiError>`: failures of the server-function
// machinery itself (a lost connection, a body that does not decode) become `bad_request`,
// `unavailable` or `internal` in the same shape.
impl leptos::server_fn::error::FromServerFnError for ApiError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(m) | E::Deserialization(m) | E::Serialization(m) | E::MissingArg(m) => {
                ApiError::bad_request(m)
            }
            E::Request(_) | E::Response(_) => ApiError::unavailable(),
            other => ApiError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::{ApiError, ErrorCode};
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
                } => ApiError::new(ErrorCode::ValidationFailed, message),
                E::NoSession => ApiError::no_session(),
                E::NotFound(what) => ApiError::not_found(format!("{what} not found")),
                E::Unauthenticated => ApiError::unauthenticated(),
                E::Forbidden => ApiError::new(ErrorCode::Forbidden, "this is for administrators"),
                E::InvalidCredentials => ApiError::new(
                    ErrorCode::InvalidCredentials,
                    "the email or password is incorrect",
                ),
                E::ReauthenticationRequired => ApiError::new(
                    ErrorCode::ReauthenticationRequired,
                    "confirm your password to do this",
                ),
                E::EmailTaken => ApiError::new(
                    ErrorCode::EmailTaken,
                    "an account with this email already exists",
                )
                .with_field("email"),
                E::WalletTaken => {
                    ApiError::new(ErrorCode::WalletTaken, "another account has this wallet")
                        .with_field("wallet")
                }
                E::WalletRefused => ApiError::new(
                    ErrorCode::InvalidCredentials,
                    "the signed message does not sign in here",
                ),
                E::PreconditionFailed => ApiError::new(
                    ErrorCode::PreconditionFailed,
                    "the key's version is not the one the request expects",
                ),
                E::TooLarge(message) => ApiError::new(ErrorCode::PayloadTooLarge, message),
                E::RateLimited(seconds) => ApiError {
                    retry_after: Some(seconds),
                    ..ApiError::new(
                        ErrorCode::RateLimited,
                        "too many failed sign-ins for this email or wallet; try again later",
                    )
                },
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
                StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let retry_after = self.retry_after;
            let mut res = (status, axum::Json(self)).into_response();
            let retry_after = match (status, retry_after) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_name_and_one_status() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
            assert!((400..600).contains(&code.status()), "{code}");
        }
        assert_eq!(ErrorCode::RateLimited.status(), 429);
        assert_eq!(ErrorCode::parse("nonsense"), None);
    }

    #[test]
    fn the_body_is_the_contracts_shape_and_reads_back() {
        let e = ApiError {
            retry_after: Some(30),
            ..ApiError::validation("email", "bad")
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "validation_failed", "message": "bad", "field": "email"}})
        );
        let back: ApiError = serde_json::from_value(json).unwrap();
        assert_eq!(
            back,
            ApiError {
                retry_after: None,
                ..e
            }
        );
    }
}
