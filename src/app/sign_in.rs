//! `/register` and `/login`, and the server functions that sign in and out.
//!
//! Like every form of the app they work without JavaScript (the server function redirects
//! back with `?error=<code>` and the email typed) and better with it (the result comes back
//! as data; a sign-in then loads the home page afresh, since the whole page changes).

use super::forms::{error_message, failed, redirect_unless};
use super::use_prefs;
use crate::error::ApiError;
use crate::i18n::Key;
use crate::model::{LoginInput, RegisterInput, User};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Creates an account and signs in (the register form).
#[server(prefix = "/api/fn", endpoint = "register")]
pub async fn register(#[server(flatten)] input: RegisterInput) -> Result<User, ApiError> {
    use super::server::{form, send, Back};
    use crate::domain::accounts::validate::Registration;
    let back = Back::signed_in("/register", input.email.as_deref());
    form(back, move |mut ctx| async move {
        let registration = Registration::try_from(input)?;
        let auth = &ctx.state.domain.auth;
        let (user, happened) = auth
            .register(&mut ctx.visitor, registration, ctx.now)
            .await?;
        send(ctx.apply(&happened).await?);
        Ok(user)
    })
    .await
}

/// Signs in (the login form).
#[server(prefix = "/api/fn", endpoint = "login")]
pub async fn login(#[server(flatten)] input: LoginInput) -> Result<User, ApiError> {
    use super::server::{form, send, Back};
    use crate::domain::accounts::validate::Credentials;
    let back = Back::signed_in("/login", input.email.as_deref());
    form(back, move |mut ctx| async move {
        let credentials = Credentials::try_from(input)?;
        let auth = &ctx.state.domain.auth;
        let (user, happened) = auth.login(&mut ctx.visitor, credentials, ctx.now).await?;
        send(ctx.apply(&happened).await?);
        Ok(user)
    })
    .await
}

/// Signs out (the navigation's button).
#[server(prefix = "/api/fn", endpoint = "logout")]
pub async fn logout() -> Result<(), ApiError> {
    use super::server::{form, send, set_header, Back};
    use crate::model::Outcome;
    use crate::web::guard::CLEAR_SITE_DATA_SIGNED_OUT;
    form(
        Back::to("/", Outcome::SignedOut, "/"),
        |mut ctx| async move {
            let auth = &ctx.state.domain.auth;
            let happened = auth.logout(&mut ctx.visitor, ctx.now).await?;
            send(ctx.apply(&happened).await?);
            set_header("clear-site-data", CLEAR_SITE_DATA_SIGNED_OUT);
            Ok(())
        },
    )
    .await
}

/// What the register and login pages share: only guests may open them; after a failed
/// no-JavaScript attempt the email typed comes back in the address and fills the field
/// again; a success (with JavaScript) loads the home page afresh. Returns the email to
/// show and the alert.
fn sign_in_form(
    outcome: impl Fn() -> Option<Result<User, ApiError>> + Copy + Send + Sync + 'static,
) -> (String, impl Fn() -> Option<&'static str> + Copy) {
    redirect_unless(false);
    let email = use_query_map()
        .read_untracked()
        .get("email")
        .unwrap_or_default();
    Effect::new(move |_| {
        if let Some(Ok(_)) = outcome() {
            #[cfg(feature = "hydrate")]
            super::reload_to("/");
        }
    });
    let failure = move || outcome().map(|r| failed(Some(r)));
    (email, error_message(failure))
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let prefs = use_prefs();
    let action = ServerAction::<Register>::new();
    let (email, alert) = sign_in_form(move || action.value().get());
    view! {
        <h1>{prefs.text(Key::RegisterTitle)}</h1>
        <p>{prefs.text(Key::RegisterIntro)}</p>
        <ActionForm action attr:class="stack">
            <label for="email">{prefs.text(Key::Email)}</label>
            <input id="email" name="email" type="email" autocomplete="email" required value=email />
            <label for="password">{prefs.text(Key::Password)}</label>
            <input id="password" name="password" type="password" autocomplete="new-password"
                required aria-describedby="password-hint" />
            <small id="password-hint">{prefs.text(Key::PasswordHint)}</small>
            <label for="display_name">
                {prefs.text(Key::DisplayName)}
            </label>
            <input id="display_name" name="displayName" type="text" autocomplete="nickname"
                aria-describedby="display-name-hint" />
            <small id="display-name-hint">"(" {prefs.text(Key::Optional)} ")"</small>
            <button type="submit">{prefs.text(Key::CreateAccount)}</button>
        </ActionForm>
        <p role="alert" class="alert">{alert}</p>
        <p><a href="/login" rel="external">{prefs.text(Key::HaveAccount)}</a></p>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let prefs = use_prefs();
    let action = ServerAction::<Login>::new();
    let (email, alert) = sign_in_form(move || action.value().get());
    let wallet_alert = RwSignal::new(None::<Key>);
    let alert = move || {
        alert().or_else(|| {
            wallet_alert
                .get()
                .map(|key| crate::i18n::t(prefs.lang(), key))
        })
    };
    view! {
        <h1>{prefs.text(Key::LoginTitle)}</h1>
        <ActionForm action attr:class="stack">
            <label for="email">{prefs.text(Key::Email)}</label>
            <input id="email" name="email" type="email" autocomplete="username" required value=email />
            <label for="password">{prefs.text(Key::Password)}</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
            <button type="submit">{prefs.text(Key::SignIn)}</button>
        </ActionForm>
        <p role="alert" class="alert">{alert}</p>
        <p><a href="/register" rel="external">{prefs.text(Key::NoAccount)}</a></p>
        <super::wallet::WalletSignIn alert=wallet_alert />
    }
}
