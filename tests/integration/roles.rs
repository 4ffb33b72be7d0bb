//! Roles: `ADMIN_EMAILS` and `squid admin grant|revoke`.

use crate::harness::{TestApp, PW};

#[tokio::test]
async fn admin_emails_and_the_cli_set_the_role() {
    let app = TestApp::with_env(&[("ADMIN_EMAILS", "Boss@Example.com, other@example.com")]).await;
    let boss = app.client().register("boss@example.com", PW).await;
    assert_eq!(boss["role"], "admin");
    let mut ann = app.client();
    assert_eq!(ann.register("ann@example.com", PW).await["role"], "user");

    use squid::cli::{admin, AdminAction};
    let config = &app.state.config;
    let line = admin(
        app.domain(),
        config,
        &AdminAction::Grant {
            email: "ANN@example.com".into(),
        },
    )
    .await
    .unwrap();
    assert!(line.contains("now an admin"), "{line}");
    // Takes effect on the next request, no new sign-in needed.
    assert_eq!(
        ann.get("/api/auth/me").await.json()["user"]["role"],
        "admin"
    );
    admin(
        app.domain(),
        config,
        &AdminAction::Revoke {
            email: "ann@example.com".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(ann.get("/api/auth/me").await.json()["user"]["role"], "user");
    let err = admin(
        app.domain(),
        config,
        &AdminAction::Grant {
            email: "nobody@example.com".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(err.contains("no account"), "{err}");
}
