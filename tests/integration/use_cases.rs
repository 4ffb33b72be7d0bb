//! The use cases report what they did (`domain::Happened`): the session the cookie must now
//! carry, every session they ended and why, what they wrote to the audit trail, and what
//! becomes of the preferences cookie. Driven straight through the domain, as an adapter
//! would, with the visitor a real request resolves to.

use crate::harness::{TestApp, PW};
use squid::domain::accounts::validate::Secret;
use squid::domain::{AuditKind, EndReason, PrefsCookie, SessionChange};
use squid::model::{LoginInput, PasswordInput};

#[tokio::test]
async fn signing_in_reports_the_new_session_the_ended_ones_and_the_audit() {
    let app = TestApp::with_env(&[("MAX_SESSIONS_PER_USER", "1")]).await;
    let mut laptop = app.client();
    laptop.register("ann@example.com", PW).await;
    let mut guest = app.client();
    guest.start().await;
    let mut visitor = app.visitor_of(&guest).await;
    let guest_id = visitor.session.as_ref().unwrap().record.public_id.clone();

    let credentials = LoginInput {
        email: Some("ann@example.com".into()),
        password: Some(PW.into()),
    };
    let (user, happened) = app
        .domain()
        .auth
        .login(&mut visitor, credentials.try_into().unwrap(), app.now())
        .await
        .unwrap();

    assert_eq!(user.email.as_deref(), Some("ann@example.com"));
    let new = visitor.session.as_ref().expect("signed in");
    assert!(matches!(happened.session, SessionChange::Started(token) if token == new.token));
    assert_ne!(new.record.public_id, guest_id);
    let ended: Vec<(EndReason, Option<AuditKind>)> = happened
        .ended
        .iter()
        .map(|e| (e.reason, e.audited))
        .collect();
    assert_eq!(
        ended,
        [
            (EndReason::Rotated, None),
            (EndReason::Evicted, Some(AuditKind::SessionRevoked)),
        ],
        "the guest's session is replaced, the laptop's evicted by the cap of one"
    );
    assert_eq!(happened.ended[0].public_id, guest_id);
    assert_eq!(
        happened.audited,
        [AuditKind::SessionRevoked, AuditKind::Login]
    );
    assert_eq!(happened.prefs_cookie, PrefsCookie::Kept);
    assert_eq!(
        laptop.get("/api/auth/me").await.status,
        axum::http::StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn erasure_reports_every_session_ended_and_both_cookies_gone() {
    let app = TestApp::new().await;
    let mut laptop = app.client();
    laptop.register("ann@example.com", PW).await;
    let mut phone = app.client();
    phone.login("ann@example.com", PW).await;
    let mut visitor = app.visitor_of(&laptop).await;

    let password = PasswordInput {
        password: Some(PW.into()),
    };
    let happened = app
        .domain()
        .privacy
        .erase(&mut visitor, Secret::optional(password), app.now())
        .await
        .unwrap();

    assert!(matches!(happened.session, SessionChange::Ended));
    assert_eq!(happened.prefs_cookie, PrefsCookie::Remove);
    assert_eq!(happened.ended.len(), 2);
    assert!(happened
        .ended
        .iter()
        .all(|e| e.reason == EndReason::Erased && e.audited.is_none()));
    assert_eq!(happened.audited, [AuditKind::AccountDeleted]);
    assert!(visitor.session.is_none() && visitor.account.is_none());
}
