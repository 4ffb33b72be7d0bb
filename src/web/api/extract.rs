//! Reading a request the way the contract wants: a JSON body into an operation's input
//! type ([`Body`]) and the query of a list route ([`ListQuery`]), every failure in the
//! error shape.
//!
//! Bodies: wrong content type `415`, over 64 KiB `413`, not JSON (or not an object) `400
//! bad_request`; a field of the wrong type or an unknown field `400 validation_failed`
//! naming the field, by its path in the document.

use crate::domain::{Order, Pagination};
use crate::error::{ApiError, ErrorCode};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// A JSON object body, read into `T`.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "the body must be application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    "the body must be at most 64 KiB",
                ),
                _ => ApiError::bad_request("the body could not be read"),
            }
        })?;
        parse(&bytes).map(Body)
    }
}

/// `application/json`, or any `application/…+json`.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads a JSON object into `T`, naming the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let starts_as_object = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    if !starts_as_object {
        // A struct would also accept a JSON array of its fields: refuse anything else.
        return Err(match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(_) => ApiError::bad_request("the body must be a JSON object"),
            Err(e) => malformed(&e),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data if path != "." && path != "?" => {
                ApiError::validation(
                    path.clone(),
                    format!("{path}: {}", without_position(&inner)),
                )
            }
            serde_json::error::Category::Data => ApiError::bad_request(without_position(&inner)),
            _ => malformed(&inner),
        }
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::bad_request(format!("malformed JSON: {e}"))
}

/// serde_json's message without its " at line 1 column 11".
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Query parameters of a list route: `page`, `perPage`, and route-specific ones.
pub struct ListQuery(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ListQuery(q))
            .map_err(|_| ApiError::bad_request("the query string is malformed"))
    }
}

impl ListQuery {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn pagination(&self) -> Result<Pagination, ApiError> {
        Ok(Pagination::parse(self.get("page"), self.get("perPage"))?)
    }

    pub fn order(&self) -> Result<Order, ApiError> {
        Ok(Order::parse(self.get("order"))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActionInput, PreferencesInput, RegisterInput};

    fn field<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> (ErrorCode, Option<String>) {
        let e = parse::<T>(body.as_bytes()).unwrap_err();
        (e.code, e.field)
    }

    #[test]
    fn a_wrong_type_or_an_unknown_field_is_named() {
        let invalid = |f: &str| (ErrorCode::ValidationFailed, Some(f.to_string()));
        assert_eq!(
            field::<PreferencesInput>(r#"{"theme": 3}"#),
            invalid("theme")
        );
        assert_eq!(
            field::<PreferencesInput>(r#"{"font": "serif"}"#),
            invalid("font")
        );
        assert_eq!(field::<ActionInput>(r#"{"action": 5}"#), invalid("action"));
        assert_eq!(
            field::<RegisterInput>(r#"{"email": "a@b.c", "role": "admin"}"#),
            invalid("role")
        );
    }

    #[test]
    fn what_is_not_one_json_object_is_a_bad_request() {
        for body in [
            r#"["a", "b", "c"]"#,
            r#"{"theme": "dark""#,
            "",
            "{} {}",
            "null",
        ] {
            assert_eq!(
                field::<PreferencesInput>(body),
                (ErrorCode::BadRequest, None),
                "{body}"
            );
        }
        let ok: PreferencesInput = parse(br#" {"theme": "dark"} "#).unwrap();
        assert_eq!(ok.theme.as_deref(), Some("dark"));
    }

    #[test]
    fn a_number_in_action_details_is_read_exactly() {
        // Found by the fuzzer (fuzz/fuzz_targets/json_input.rs): without serde_json's
        // `float_roundtrip` this read as 9.999999999999999e41, and changed again when the
        // details were written and read back.
        let body =
            br#"{"action": "a", "details": {"n": 999999999999999999999999999999999999999999}}"#;
        let input: ActionInput = parse(body).unwrap();
        assert_eq!(input.details.as_ref().unwrap()["n"].as_f64(), Some(1e42));
        let again: ActionInput = parse(&serde_json::to_vec(&input).unwrap()).unwrap();
        assert_eq!(again, input);
    }

    #[test]
    fn only_json_content_types_are_read() {
        let with = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, ct.parse().unwrap());
            is_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
