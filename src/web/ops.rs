//! The operations behind both the `/api` routes and the server functions of the pages.
//! Each takes the request's [`Visitor`] and returns plain values (plus, where a cookie must
//! change, the `Set-Cookie` value); the adapters only parse input and shape output, so a
//! route and a server function doing the same thing can never drift apart.

use super::session_store::{token_of, RECORD_KEY};
use super::{cookies, AppState, LiveSession, Visitor};
use crate::domain::accounts::Account;
use crate::domain::audit::{AuditEvent, AuditKind};
use crate::domain::consent::ConsentMethod;
use crate::domain::preferences::PreferencesPatch;
use crate::domain::privacy::Export;
use crate::domain::sessions::{EndReason, NewSession};
use crate::domain::tracking::{ActivityKind, Scope};
use crate::domain::{now_millis, rfc3339, Error, Millis, Order, Pagination};
use crate::error::ApiError;
use crate::model::{
    ActionEntry, ActivityItem, AuditEntry, ConsentRecord, ConsentState, ConsentType, DeviceSession,
    LoggedPage, Paged, PreferenceSource, Preferences, SessionView, User,
};
use serde_json::Value;
use tower_sessions::Session;

/// A tower-sessions failure is a storage failure: logged, answered as `503`.
pub fn session_error(e: tower_sessions::session::Error) -> ApiError {
    tracing::error!(error = %e, "session store failure");
    ApiError::unavailable()
}

/// Ends `old` for `reason` (audited with the request's `origin` where the reason calls for
/// it), then lets tower-sessions drop its id, so the response expires the cookie or the
/// next `insert` draws a new token. Every end a request causes goes through here.
pub async fn retire(
    state: &AppState,
    session: &Session,
    old: &LiveSession,
    reason: EndReason,
    origin: Option<&crate::domain::audit::Origin>,
) -> Result<(), ApiError> {
    state
        .sessions
        .end_from(&old.token, reason, now_millis(), origin)
        .await?;
    // The row is gone already; tower-sessions' own delete finds nothing to do.
    session.flush().await.map_err(session_error)
}

/// The visitor's live session, or `401 no_session`.
pub fn live(visitor: &Visitor) -> Result<&LiveSession, ApiError> {
    visitor.session.as_ref().ok_or_else(ApiError::no_session)
}

/// Starts a fresh session with a new token. A live session on the request is ended first;
/// a signed-in user stays signed in (the new session keeps the user and sign-in time).
pub async fn start_session(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
) -> Result<LiveSession, ApiError> {
    let carried = visitor
        .session
        .as_ref()
        .map(|s| (s.record.user_id.clone(), s.record.auth_at));
    if let Some(old) = visitor.session.take() {
        // A signed-in user's session is replaced, not signed out: no `logout` in the audit.
        let reason = match old.record.user_id {
            Some(_) => EndReason::Rotated,
            None => EndReason::Ended,
        };
        retire(state, session, &old, reason, None).await?;
    }
    let (user_id, auth_at) = carried.unwrap_or_default();
    new_session(session, visitor, user_id, auth_at).await
}

/// Stores a new session (new token) for `user_id` on the request's tower-sessions handle,
/// which must hold no live session.
async fn new_session(
    session: &Session,
    visitor: &mut Visitor,
    user_id: Option<String>,
    auth_at: Option<Millis>,
) -> Result<LiveSession, ApiError> {
    let record = NewSession {
        user_id,
        user_agent: visitor.user_agent.clone(),
        ip: visitor.ip.clone(),
        auth_at,
    }
    .into_record(now_millis());
    session
        .insert(RECORD_KEY, &record)
        .await
        .map_err(session_error)?;
    // Save now, not when the response leaves: the caller records against it at once.
    session.save().await.map_err(session_error)?;
    let id = session.id().ok_or_else(ApiError::unavailable)?;
    let live = LiveSession {
        token: token_of(id),
        record,
    };
    visitor.session = Some(live.clone());
    Ok(live)
}

/// Ends the visitor's session, if any (and with it a sign-in); its cookie is expired on
/// the way out.
pub async fn end_session(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
) -> Result<(), ApiError> {
    end_visit(state, session, visitor, EndReason::Ended).await
}

/// Ends the request's own session, if any, for `reason` (audited with the request's
/// origin): the visitor is a guest without a session from here on.
async fn end_visit(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
    reason: EndReason,
) -> Result<(), ApiError> {
    if let Some(live) = visitor.session.take() {
        let origin = visitor.origin();
        retire(state, session, &live, reason, Some(&origin)).await?;
    }
    visitor.account = None;
    Ok(())
}

/// The current session as the contract shows it, with one page of its visits.
pub async fn session_view(
    state: &AppState,
    visitor: &Visitor,
    page: Pagination,
    order: Order,
) -> Result<SessionView, ApiError> {
    let live = live(visitor)?;
    let r = &live.record;
    let pages = state.tracking.pages(&r.public_id, page, order).await?;
    let now = now_millis();
    Ok(SessionView {
        id: r.public_id.clone(),
        start_time: rfc3339(r.started_at),
        last_activity: rfc3339(r.last_activity),
        expires_at: rfc3339(r.expires_at(&state.sessions.policy)),
        duration: (now - r.started_at).max(0) / 1000,
        user: visitor.account.as_ref().map(Account::to_user),
        pages_visited: pages,
    })
}

/// Logs a page (already validated) for the visitor's live session.
pub async fn log_page(
    state: &AppState,
    visitor: &Visitor,
    page: &str,
) -> Result<LoggedPage, ApiError> {
    Ok(state
        .tracking
        .log_page(&live(visitor)?.record, page, now_millis())
        .await?)
}

/// A browser's page visit: starts a guest session when there is none, then logs the page.
pub async fn log_page_visit(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
    page: &str,
) -> Result<LoggedPage, ApiError> {
    if visitor.session.is_none() {
        start_session(state, session, visitor).await?;
    }
    log_page(state, visitor, page).await
}

/// Logs an action (name and details already validated).
pub async fn log_action(
    state: &AppState,
    visitor: &Visitor,
    action: &str,
    details: Option<Value>,
) -> Result<ActionEntry, ApiError> {
    Ok(state
        .tracking
        .log_action(&live(visitor)?.record, action, details, now_millis())
        .await?)
}

/// One page of the current session's actions.
pub async fn actions(
    state: &AppState,
    visitor: &Visitor,
    page: Pagination,
    order: Order,
) -> Result<Paged<ActionEntry>, ApiError> {
    Ok(state
        .tracking
        .actions(&live(visitor)?.record.public_id, page, order)
        .await?)
}

/// The visitor's activity: a signed-in user's whole history, a guest's current session.
pub async fn activity(
    state: &AppState,
    visitor: &Visitor,
    kind: Option<ActivityKind>,
    page: Pagination,
) -> Result<Paged<ActivityItem>, ApiError> {
    let record = &live(visitor)?.record;
    let scope = match &record.user_id {
        Some(user) => Scope::User(user.clone()),
        None => Scope::Session(record.public_id.clone()),
    };
    Ok(state.tracking.activity(&scope, kind, page).await?)
}

/// The preferences in effect for the visitor.
pub fn preferences(visitor: &Visitor) -> Preferences {
    visitor.prefs
}

/// Applies a validated change and returns the new preferences with the `Set-Cookie` value
/// that stores them (the cookie is always rewritten). A signed-in user's are saved to the
/// account too, so every device shows them from its next page.
pub async fn update_preferences(
    state: &AppState,
    visitor: &mut Visitor,
    patch: PreferencesPatch,
) -> Result<(Preferences, String), ApiError> {
    let mut prefs = patch.apply(visitor.prefs);
    match &visitor.account {
        Some(account) => {
            let now = now_millis();
            prefs.source = PreferenceSource::Account;
            state
                .accounts
                .save_preferences(&account.id, &prefs, now)
                .await?;
            let details = serde_json::json!({
                "theme": prefs.theme.as_str(),
                "notifications": prefs.notifications.as_str(),
                "language": prefs.language.code(),
            });
            audit(
                state,
                visitor,
                AuditKind::PreferencesChanged,
                now,
                Some(details),
            )
            .await?;
        }
        None => prefs.source = PreferenceSource::Cookie,
    }
    visitor.prefs = prefs;
    Ok((prefs, prefs_cookie(state, &prefs)))
}

/// The `Set-Cookie` value of the preferences cookie holding `prefs`.
pub fn prefs_cookie(state: &AppState, prefs: &Preferences) -> String {
    cookies::prefs_set_cookie(
        prefs,
        &state.cookie_key,
        state.config.prefs_cookie_name(),
        state.config.production,
    )
}

/// A security event of the visitor's account at `now`, tied to the current session and
/// the request's origin.
fn audit_event(visitor: &Visitor, kind: AuditKind, now: Millis) -> AuditEvent {
    let event = AuditEvent::new(
        kind,
        visitor.account.as_ref().map(|a| a.id.clone()),
        now,
        visitor.origin(),
    );
    match &visitor.session {
        Some(live) => event.session(&live.record.public_id, live.token.hash().short()),
        None => event,
    }
}

/// Records a security event of the visitor's account, tied to the current session.
async fn audit(
    state: &AppState,
    visitor: &Visitor,
    kind: AuditKind,
    now: Millis,
    details: Option<serde_json::Value>,
) -> Result<(), ApiError> {
    let mut event = audit_event(visitor, kind, now);
    if let Some(details) = details {
        event = event.details(details);
    }
    Ok(state.audit.record(event).await?)
}

// ---- Accounts ----------------------------------------------------------------------

/// What a sign-in changes besides the session: the user, and the preferences cookie when
/// the account's preferences replace the device's.
pub struct SignedIn {
    pub user: User,
    pub prefs_cookie: Option<String>,
}

/// The visitor's account, or `401 unauthenticated`.
pub fn account(visitor: &Visitor) -> Result<&Account, ApiError> {
    visitor
        .account
        .as_ref()
        .ok_or_else(ApiError::unauthenticated)
}

/// Creates an account and signs the visitor in to it.
pub async fn register(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
    email: &str,
    password: &str,
    display_name: Option<&str>,
) -> Result<SignedIn, ApiError> {
    let account = state
        .accounts
        .register(email, password, display_name, now_millis())
        .await?;
    sign_in(state, session, visitor, account, None).await
}

/// Checks the credentials and signs the visitor in.
pub async fn login(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
    email: &str,
    password: &str,
) -> Result<SignedIn, ApiError> {
    let (account, prefs) = state
        .accounts
        .authenticate(email, password, now_millis(), &visitor.origin())
        .await?;
    sign_in(state, session, visitor, account, prefs).await
}

/// The session part of signing in, for a verified account:
/// - the request's session (a guest's, or another user's) ends, and a new one with a new
///   token begins for the user (fixation defence); a guest's history becomes the user's;
/// - beyond `MAX_SESSIONS_PER_USER`, the least recently active sessions end;
/// - preferences: the account's win and rewrite the cookie; an account without any adopts
///   the device's cookie.
async fn sign_in(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
    account: Account,
    account_prefs: Option<Preferences>,
) -> Result<SignedIn, ApiError> {
    let now = now_millis();
    if let Some(old) = visitor.session.take() {
        let reason = match &old.record.user_id {
            Some(other) if *other != account.id => EndReason::SignedOut,
            _ => EndReason::Rotated,
        };
        retire(state, session, &old, reason, Some(&visitor.origin())).await?;
        if old.record.user_id.is_none() {
            state
                .sessions
                .adopt_history(&old.record.public_id, &account.id)
                .await?;
        }
    }
    let live = new_session(session, visitor, Some(account.id.clone()), Some(now)).await?;
    state
        .sessions
        .enforce_cap(
            &account.id,
            &live.record.public_id,
            state.config.max_sessions_per_user as usize,
            now,
        )
        .await?;
    visitor.account = Some(account.clone());
    audit(state, visitor, AuditKind::Login, now, None).await?;

    let prefs_cookie = match account_prefs {
        Some(prefs) => {
            visitor.prefs = prefs;
            Some(prefs_cookie(state, &prefs))
        }
        None if visitor.prefs.source == PreferenceSource::Cookie => {
            state
                .accounts
                .save_preferences(&account.id, &visitor.prefs, now)
                .await?;
            visitor.prefs.source = PreferenceSource::Account;
            None
        }
        None => None,
    };
    Ok(SignedIn {
        user: account.to_user(),
        prefs_cookie,
    })
}

/// Signs out: the session ends (audited as `logout`) and its cookie is expired. Without a
/// session, nothing happens.
pub async fn logout(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
) -> Result<(), ApiError> {
    end_visit(state, session, visitor, EndReason::SignedOut).await
}

/// The signed-in user, or `401 unauthenticated`.
pub fn me(visitor: &Visitor) -> Result<User, ApiError> {
    Ok(account(visitor)?.to_user())
}

/// Whether the visitor signed in or re-authenticated within `REAUTH_WINDOW_SECS`.
pub fn recently_authenticated(state: &AppState, visitor: &Visitor, now: Millis) -> bool {
    let window = state.config.reauth_window_secs as i64 * 1000;
    visitor
        .session
        .as_ref()
        .and_then(|s| s.record.auth_at)
        .is_some_and(|at| now - at < window)
}

fn require_recent_auth(state: &AppState, visitor: &Visitor, now: Millis) -> Result<(), ApiError> {
    if recently_authenticated(state, visitor, now) {
        Ok(())
    } else {
        Err(Error::ReauthenticationRequired.into())
    }
}

/// Changes the password after checking the current one; every other session of the user
/// ends, and this one counts as freshly authenticated.
pub async fn change_password(
    state: &AppState,
    visitor: &mut Visitor,
    current: &str,
    new: &str,
) -> Result<(), ApiError> {
    let account = account(visitor)?.clone();
    let now = now_millis();
    state
        .accounts
        .change_password(&account, current, new, now, &visitor.origin())
        .await?;
    let live = live(visitor)?.clone();
    state
        .sessions
        .end_for_user(
            &account.id,
            |s| s.record.public_id != live.record.public_id,
            EndReason::PasswordChanged,
            now,
            Some(&visitor.origin()),
        )
        .await?;
    let mut record = live.record.clone();
    record.auth_at = Some(now);
    state.sessions.save_identity(&live.token, &record).await?;
    if let Some(s) = visitor.session.as_mut() {
        s.record.auth_at = Some(now);
    }
    audit(state, visitor, AuditKind::PasswordChanged, now, None).await
}

/// Re-authentication: checks the password, marks the session as freshly authenticated and
/// gives it a new token.
pub async fn reauth(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
    password: &str,
) -> Result<(), ApiError> {
    let account = account(visitor)?.clone();
    let now = now_millis();
    state
        .accounts
        .confirm_password(&account, password, now, &visitor.origin())
        .await?;
    let old = visitor
        .session
        .take()
        .ok_or_else(ApiError::unauthenticated)?;
    retire(state, session, &old, EndReason::Rotated, None).await?;
    new_session(session, visitor, Some(account.id.clone()), Some(now)).await?;
    audit(state, visitor, AuditKind::Reauth, now, None).await
}

/// The signed-in user's live sessions on every device, the current one marked.
pub async fn devices(state: &AppState, visitor: &Visitor) -> Result<Vec<DeviceSession>, ApiError> {
    let account = account(visitor)?;
    let current = visitor
        .session
        .as_ref()
        .map(|s| s.record.public_id.as_str());
    let policy = &state.sessions.policy;
    Ok(state
        .sessions
        .for_user(&account.id, now_millis())
        .await?
        .into_iter()
        .map(|s| {
            let r = s.record;
            DeviceSession {
                current: Some(r.public_id.as_str()) == current,
                start_time: rfc3339(r.started_at),
                last_activity: rfc3339(r.last_activity),
                expires_at: rfc3339(r.expires_at(policy)),
                id: r.public_id,
                ip: r.ip,
                user_agent: r.user_agent,
            }
        })
        .collect())
}

/// Ends one of the user's sessions by public id (`404` if it is not theirs). Ending the
/// current one is a sign-out.
pub async fn end_device(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
    id: &str,
) -> Result<(), ApiError> {
    let account = account(visitor)?.clone();
    let now = now_millis();
    require_recent_auth(state, visitor, now)?;
    if visitor
        .session
        .as_ref()
        .is_some_and(|s| s.record.public_id == id)
    {
        return logout(state, session, visitor).await;
    }
    let ended = state
        .sessions
        .end_for_user(
            &account.id,
            |s| s.record.public_id == id,
            EndReason::Revoked,
            now,
            Some(&visitor.origin()),
        )
        .await?;
    if ended.is_empty() {
        return Err(Error::NotFound("session").into());
    }
    Ok(())
}

/// Ends every session of the user but the current one; returns how many ended.
pub async fn end_other_devices(state: &AppState, visitor: &Visitor) -> Result<usize, ApiError> {
    let account = account(visitor)?;
    let now = now_millis();
    require_recent_auth(state, visitor, now)?;
    let current = live(visitor)?.record.public_id.clone();
    Ok(state
        .sessions
        .end_for_user(
            &account.id,
            |s| s.record.public_id != current,
            EndReason::Revoked,
            now,
            Some(&visitor.origin()),
        )
        .await?
        .len())
}

/// One page of the signed-in user's own security events, newest first.
pub async fn audit_log(
    state: &AppState,
    visitor: &Visitor,
    page: Pagination,
) -> Result<Paged<AuditEntry>, ApiError> {
    Ok(state.audit.list(&account(visitor)?.id, page).await?)
}

// ---- Consent and privacy ----------------------------------------------------------

/// The signed-in user's consent state under the policy in force.
pub async fn consent(state: &AppState, visitor: &Visitor) -> Result<ConsentState, ApiError> {
    Ok(state.consents.state(&account(visitor)?.id).await?)
}

/// Records consent choices (each audited as `consent_changed`); the user is no longer
/// asked. Returns the state afterwards.
pub async fn set_consent(
    state: &AppState,
    visitor: &mut Visitor,
    choices: &[(ConsentType, bool)],
    method: ConsentMethod,
) -> Result<ConsentState, ApiError> {
    let user_id = account(visitor)?.id.clone();
    let event = audit_event(visitor, AuditKind::ConsentChanged, now_millis());
    let consent = state
        .consents
        .record(&user_id, choices, method, &event)
        .await?;
    visitor.consent_due = false;
    Ok(consent)
}

/// The prompt's answer: the user's current choices, recorded again under the policy in
/// force (so they are no longer due).
pub async fn confirm_consent(
    state: &AppState,
    visitor: &mut Visitor,
) -> Result<ConsentState, ApiError> {
    let current = consent(state, visitor).await?.choices();
    set_consent(state, visitor, &current, ConsentMethod::Prompt).await
}

/// Every consent choice of the signed-in user, newest first.
pub async fn consent_history(
    state: &AppState,
    visitor: &Visitor,
) -> Result<Vec<ConsentRecord>, ApiError> {
    Ok(state.consents.history(&account(visitor)?.id).await?)
}

/// Everything held about the signed-in user (audited as `data_exported`).
pub async fn export(state: &AppState, visitor: &Visitor) -> Result<Export, ApiError> {
    let account = account(visitor)?;
    let event = audit_event(visitor, AuditKind::DataExported, now_millis());
    Ok(state.privacy.export(account, event).await?)
}

/// The file name of an export made at `exported_at` (RFC 3339): `squid-export-<date>.json`.
pub fn export_file_name(exported_at: &str) -> String {
    format!(
        "squid-export-{}.json",
        exported_at.get(..10).unwrap_or("unknown")
    )
}

/// Erases the signed-in user's account once the password is confirmed: every session on
/// every device ends with it; this request's cookie is expired on the way out. Returns
/// the `Set-Cookie` value that removes the preferences cookie too.
pub async fn erase(
    state: &AppState,
    session: &Session,
    visitor: &mut Visitor,
    password: &str,
) -> Result<String, ApiError> {
    let account = account(visitor)?.clone();
    state
        .privacy
        .erase(&account, password, now_millis(), &visitor.origin())
        .await?;
    visitor.session = None;
    visitor.account = None;
    visitor.consent_due = false;
    // The row went with the account; this only has tower-sessions expire the cookie.
    session.flush().await.map_err(session_error)?;
    Ok(cookies::prefs_removal_cookie(
        state.config.prefs_cookie_name(),
        state.config.production,
    ))
}
