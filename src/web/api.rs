//! The JSON API of `API.md`: thin handlers that parse, call [`super::ops`], and answer.

use super::{ops, AppState, Visitor};
use crate::domain::preferences::PreferencesPatch;
use crate::domain::tracking::{validate_details, validate_label, ActivityKind};
use crate::domain::{Order, Pagination};
use crate::error::ApiError;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use tower_sessions::Session;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health))
        .route(
            "/api/preferences",
            get(get_preferences)
                .post(set_preferences)
                .put(set_preferences),
        )
        .route(
            "/api/session",
            get(get_session).post(start_session).delete(end_session),
        )
        .route("/api/session/page", post(log_page))
        .route("/api/session/action", post(log_action))
        .route("/api/session/actions", get(list_actions))
        .route("/api/activity", get(activity))
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/auth/password", post(change_password))
        .route("/api/auth/reauth", post(reauth))
        .route("/api/sessions", get(list_devices).delete(end_other_devices))
        .route("/api/sessions/{id}", axum::routing::delete(end_device))
        .route("/api/audit", get(audit_log))
        .route("/api/consent", get(get_consent).post(set_consent))
        .route("/api/consent/history", get(consent_history))
        .route("/api/gdpr/export", get(export))
        .route("/api/gdpr/delete", axum::routing::delete(erase))
        .route("/api/account", axum::routing::delete(erase))
        .route(
            "/api/{*rest}",
            any(|| async { ApiError::not_found("no such API route") }),
        )
        .method_not_allowed_fallback(|| async {
            ApiError::new(405, "bad_request", "method not allowed on this route")
        })
}

/// A JSON object body. Maps axum's rejections onto the contract: wrong content type `415`,
/// over 64 KiB `413`, anything malformed or not an object `400`.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<Value>::from_request(req, state).await {
            Ok(Json(Value::Object(map))) => Ok(JsonObject(map)),
            Ok(_) => Err(ApiError::bad_request("the body must be a JSON object")),
            Err(rejection) => Err(match rejection.status() {
                StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
                    415,
                    "unsupported_media_type",
                    "the body must be application/json",
                ),
                StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::new(413, "payload_too_large", "the body must be at most 64 KiB")
                }
                _ => ApiError::bad_request(format!("malformed JSON: {}", rejection.body_text())),
            }),
        }
    }
}

/// Query parameters of a list route: `page`, `perPage`, and route-specific ones.
pub struct ListQuery(HashMap<String, String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ListQuery {
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
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn pagination(&self) -> Result<Pagination, ApiError> {
        Ok(Pagination::parse(self.get("page"), self.get("perPage"))?)
    }

    fn order(&self) -> Result<Order, ApiError> {
        Ok(Order::parse(self.get("order"))?)
    }
}

async fn health(State(state): State<AppState>) -> Response {
    // Sessions live in the same database for now, so one ping answers for both.
    let database = state.db.ping().await.is_ok();
    let status = if database { "ok" } else { "degraded" };
    let part = |ok: bool| if ok { "ok" } else { "error" };
    let body = json!({
        "status": status,
        "database": part(database),
        "sessionStore": part(database),
        "version": env!("CARGO_PKG_VERSION"),
    });
    let code = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn get_preferences(Extension(visitor): Extension<Visitor>) -> Response {
    Json(ops::preferences(&visitor)).into_response()
}

async fn set_preferences(
    State(state): State<AppState>,
    Extension(mut visitor): Extension<Visitor>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let patch = PreferencesPatch::from_json(&body)?;
    let (prefs, cookie) = ops::update_preferences(&state, &mut visitor, patch).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(prefs)).into_response())
}

async fn start_session(
    State(state): State<AppState>,
    session: Session,
    Extension(mut visitor): Extension<Visitor>,
) -> Result<Response, ApiError> {
    ops::start_session(&state, &session, &mut visitor).await?;
    let view = ops::session_view(&state, &visitor, Pagination::default(), Order::Asc).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn get_session(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    query: ListQuery,
) -> Result<Response, ApiError> {
    let view = ops::session_view(&state, &visitor, query.pagination()?, query.order()?).await?;
    Ok(Json(view).into_response())
}

async fn end_session(
    State(state): State<AppState>,
    session: Session,
    Extension(mut visitor): Extension<Visitor>,
) -> Result<StatusCode, ApiError> {
    ops::end_session(&state, &session, &mut visitor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rejects fields other than `allowed`, naming the first stranger.
fn only_fields(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(ApiError::validation(
            k.as_str(),
            format!("unknown field \"{k}\""),
        )),
        None => Ok(()),
    }
}

async fn log_page(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    ops::live(&visitor)?;
    only_fields(&body, &["page"])?;
    let page = validate_label("page", body.get("page"))?;
    let logged = ops::log_page(&state, &visitor, &page).await?;
    Ok((StatusCode::CREATED, Json(logged)).into_response())
}

async fn log_action(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    ops::live(&visitor)?;
    only_fields(&body, &["action", "details"])?;
    let action = validate_label("action", body.get("action"))?;
    let details = validate_details(body.get("details"))?;
    let entry = ops::log_action(&state, &visitor, &action, details).await?;
    Ok((StatusCode::CREATED, Json(entry)).into_response())
}

async fn list_actions(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    query: ListQuery,
) -> Result<Response, ApiError> {
    let list = ops::actions(&state, &visitor, query.pagination()?, query.order()?).await?;
    Ok(Json(list).into_response())
}

async fn activity(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    query: ListQuery,
) -> Result<Response, ApiError> {
    let kind = ActivityKind::parse(query.get("type"))?;
    let list = ops::activity(&state, &visitor, kind, query.pagination()?).await?;
    Ok(Json(list).into_response())
}

/// A string field of a body: `Ok(None)` when absent (or null and `optional`), `400` naming
/// the field when it has another type.
fn string_field<'a>(
    body: &'a Map<String, Value>,
    name: &str,
    required: bool,
) -> Result<Option<&'a str>, ApiError> {
    match body.get(name) {
        Some(Value::String(s)) => Ok(Some(s)),
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(ApiError::validation(name, format!("{name} is required"))),
        Some(_) => Err(ApiError::validation(
            name,
            format!("{name} must be a string"),
        )),
    }
}

fn required<'a>(body: &'a Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    Ok(string_field(body, name, true)?.unwrap_or_default())
}

/// A required boolean field of a body, `400` naming the field when absent or not one.
fn required_bool(body: &Map<String, Value>, name: &str) -> Result<bool, ApiError> {
    match body.get(name) {
        Some(Value::Bool(b)) => Ok(*b),
        None | Some(Value::Null) => Err(ApiError::validation(name, format!("{name} is required"))),
        Some(_) => Err(ApiError::validation(
            name,
            format!("{name} must be true or false"),
        )),
    }
}

/// The answer to a sign-in: `{"user": User}`, with the preferences cookie when it changed.
fn signed_in(status: StatusCode, signed: ops::SignedIn) -> Response {
    let mut res = (status, Json(json!({ "user": signed.user }))).into_response();
    if let Some(cookie) = signed.prefs_cookie.and_then(|c| c.parse().ok()) {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

async fn register(
    State(state): State<AppState>,
    session: Session,
    Extension(mut visitor): Extension<Visitor>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    only_fields(&body, &["email", "password", "displayName"])?;
    let email = required(&body, "email")?;
    let password = required(&body, "password")?;
    let display_name = string_field(&body, "displayName", false)?;
    let signed = ops::register(
        &state,
        &session,
        &mut visitor,
        email,
        password,
        display_name,
    )
    .await?;
    Ok(signed_in(StatusCode::CREATED, signed))
}

async fn login(
    State(state): State<AppState>,
    session: Session,
    Extension(mut visitor): Extension<Visitor>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    only_fields(&body, &["email", "password"])?;
    let email = required(&body, "email")?;
    let password = required(&body, "password")?;
    let signed = ops::login(&state, &session, &mut visitor, email, password).await?;
    Ok(signed_in(StatusCode::OK, signed))
}

/// `Clear-Site-Data` as the contract wants it on sign-out: not `"cookies"`, which would
/// also wipe the device's preferences cookie.
pub const CLEAR_SITE_DATA: &str = "\"cache\", \"storage\"";

/// `Clear-Site-Data` after an erasure: nothing of the account stays in the browser, the
/// preferences cookie included.
pub const CLEAR_SITE_DATA_ERASED: &str = "\"cache\", \"cookies\", \"storage\"";

async fn logout(
    State(state): State<AppState>,
    session: Session,
    Extension(mut visitor): Extension<Visitor>,
) -> Result<Response, ApiError> {
    ops::logout(&state, &session, &mut visitor).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::HeaderName::from_static("clear-site-data"),
            CLEAR_SITE_DATA,
        )],
    )
        .into_response())
}

async fn me(Extension(visitor): Extension<Visitor>) -> Result<Response, ApiError> {
    Ok(Json(json!({ "user": ops::me(&visitor)? })).into_response())
}

async fn change_password(
    State(state): State<AppState>,
    Extension(mut visitor): Extension<Visitor>,
    JsonObject(body): JsonObject,
) -> Result<StatusCode, ApiError> {
    ops::account(&visitor)?;
    only_fields(&body, &["currentPassword", "newPassword"])?;
    let current = required(&body, "currentPassword")?;
    let new = required(&body, "newPassword")?;
    ops::change_password(&state, &mut visitor, current, new).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn reauth(
    State(state): State<AppState>,
    session: Session,
    Extension(mut visitor): Extension<Visitor>,
    JsonObject(body): JsonObject,
) -> Result<StatusCode, ApiError> {
    ops::account(&visitor)?;
    only_fields(&body, &["password"])?;
    let password = required(&body, "password")?;
    ops::reauth(&state, &session, &mut visitor, password).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_devices(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, ApiError> {
    let items = ops::devices(&state, &visitor).await?;
    Ok(Json(json!({ "items": items })).into_response())
}

async fn end_device(
    State(state): State<AppState>,
    session: Session,
    Extension(mut visitor): Extension<Visitor>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    ops::end_device(&state, &session, &mut visitor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn end_other_devices(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<StatusCode, ApiError> {
    ops::end_other_devices(&state, &visitor).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn audit_log(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    query: ListQuery,
) -> Result<Response, ApiError> {
    let list = ops::audit_log(&state, &visitor, query.pagination()?).await?;
    Ok(Json(list).into_response())
}

async fn get_consent(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, ApiError> {
    Ok(Json(ops::consent(&state, &visitor).await?).into_response())
}

async fn set_consent(
    State(state): State<AppState>,
    Extension(mut visitor): Extension<Visitor>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    ops::account(&visitor)?;
    only_fields(&body, &["type", "granted"])?;
    let kind = crate::domain::consent::parse_type(required(&body, "type")?)?;
    let granted = required_bool(&body, "granted")?;
    let consent = ops::set_consent(
        &state,
        &mut visitor,
        &[(kind, granted)],
        crate::domain::consent::ConsentMethod::Api,
    )
    .await?;
    let item = consent.items.into_iter().find(|i| i.kind == kind);
    Ok(Json(item).into_response())
}

async fn consent_history(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, ApiError> {
    let items = ops::consent_history(&state, &visitor).await?;
    Ok(Json(json!({ "items": items })).into_response())
}

async fn export(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, ApiError> {
    let export = ops::export(&state, &visitor).await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        ops::export_file_name(&export.exported_at)
    );
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(export)).into_response())
}

async fn erase(
    State(state): State<AppState>,
    session: Session,
    Extension(mut visitor): Extension<Visitor>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    ops::account(&visitor)?;
    only_fields(&body, &["password"])?;
    let password = required(&body, "password")?;
    let removal = ops::erase(&state, &session, &mut visitor, password).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [
            (header::SET_COOKIE, removal),
            (
                header::HeaderName::from_static("clear-site-data"),
                CLEAR_SITE_DATA_ERASED.to_string(),
            ),
        ],
    )
        .into_response())
}
