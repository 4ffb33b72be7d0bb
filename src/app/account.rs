//! The account pages of `UI.md`: `/register`, `/login` and `/devices`.
//!
//! Like every form of the app they work without JavaScript (the server function redirects
//! back with `?error=<code>` and the email typed) and better with it (the result comes back
//! as data; a sign-in then loads the home page afresh, since the whole page changes).

use super::server_fns::{
    devices_overview, ChangePassword, DevicesData, EndDevice, EndOtherDevices, Login, Reauth,
    Register,
};
use super::{use_me, use_prefs};
use crate::error::ApiError;
use crate::i18n::{t, Key};
use crate::model::DeviceSession;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The message for an error code, in words a person understands.
pub fn error_key(code: &str) -> Key {
    match code {
        "invalid_credentials" => Key::ErrInvalidCredentials,
        "email_taken" => Key::ErrEmailTaken,
        "validation_failed" | "bad_request" => Key::ErrInvalidInput,
        "rate_limited" => Key::ErrRateLimited,
        "reauthentication_required" => Key::ErrReauth,
        _ => Key::Failed,
    }
}

/// The message for an error of a form where the user typed their password: there,
/// `reauthentication_required` means the password typed is wrong.
pub fn typed_password_error_key(code: &str) -> Key {
    match code {
        "reauthentication_required" => Key::ErrWrongPassword,
        code => error_key(code),
    }
}

/// On the server: sends a visitor who may not open this page elsewhere (guests to
/// `/login`, the signed-in away from the sign-in pages to `/`).
pub(super) fn redirect_unless(signed_in: bool) {
    let me = use_me();
    if me.0.get_untracked().is_some() != signed_in {
        // A real 302 whatever the request accepts (`leptos_axum::redirect` gives one only
        // to requests that accept HTML).
        #[cfg(feature = "ssr")]
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            let to = if signed_in { "/login" } else { "/" };
            res.set_status(http::StatusCode::FOUND);
            res.insert_header(http::header::LOCATION, http::HeaderValue::from_static(to));
        }
    }
}

/// The error to show: of the action just run (JavaScript), else of the redirect (`?error=`).
/// `outcome` is `None` before the action ran, else the error code it failed with, if any.
pub(super) fn error_message(
    outcome: impl Fn() -> Option<Option<String>> + Copy + 'static,
) -> impl Fn() -> Option<&'static str> + Copy {
    let prefs = use_prefs();
    let query = use_query_map();
    move || {
        let code = match outcome() {
            Some(code) => code,
            None => query.read().get("error"),
        };
        code.map(|c| t(prefs.lang(), error_key(&c)))
    }
}

fn failure<T>(result: Option<Result<T, ApiError>>) -> Option<Option<String>> {
    result.map(|r| r.err().map(|e| e.code))
}

/// What the register and login pages share: only guests may open them; after a failed
/// no-JavaScript attempt the email typed comes back in the address and fills the field
/// again; a success (with JavaScript) loads the home page afresh. Returns the email to
/// show and the alert.
fn sign_in_form(
    outcome: impl Fn() -> Option<Result<crate::model::User, ApiError>> + Copy + Send + Sync + 'static,
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
    (email, error_message(move || failure(outcome())))
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
            <input id="display_name" name="display_name" type="text" autocomplete="nickname"
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
    }
}

/// A user agent as a person would name it: "Chrome on Linux".
pub fn describe_user_agent(ua: &str) -> Option<String> {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(b), Some(s)) => Some(format!("{b} · {s}")),
        (Some(b), None) => Some(b.to_string()),
        (None, Some(s)) => Some(s.to_string()),
        (None, None) => (!ua.trim().is_empty()).then(|| ua.chars().take(60).collect()),
    }
}

#[component]
pub fn DevicesPage() -> impl IntoView {
    redirect_unless(true);
    let prefs = use_prefs();
    let query = use_query_map();
    let end_one = ServerAction::<EndDevice>::new();
    let end_others = ServerAction::<EndOtherDevices>::new();
    let reauth = ServerAction::<Reauth>::new();
    let change = ServerAction::<ChangePassword>::new();
    let data = Resource::new(
        move || {
            (
                end_one.version().get(),
                end_others.version().get(),
                reauth.version().get(),
                change.version().get(),
            )
        },
        |_| devices_overview(),
    );

    let status = move || {
        let lang = prefs.lang();
        if matches!(end_one.value().get(), Some(Ok(()))) {
            return Some(t(lang, Key::DeviceSignedOut));
        }
        if matches!(end_others.value().get(), Some(Ok(()))) {
            return Some(t(lang, Key::OthersSignedOut));
        }
        if matches!(reauth.value().get(), Some(Ok(()))) {
            return Some(t(lang, Key::Reauthenticated));
        }
        if matches!(change.value().get(), Some(Ok(()))) {
            return Some(t(lang, Key::PasswordChanged));
        }
        let q = query.read();
        if q.get("ended").is_some() {
            Some(t(lang, Key::DeviceSignedOut))
        } else if q.get("others").is_some() {
            Some(t(lang, Key::OthersSignedOut))
        } else if q.get("confirmed").is_some() {
            Some(t(lang, Key::Reauthenticated))
        } else if q.get("password").is_some() {
            Some(t(lang, Key::PasswordChanged))
        } else {
            None
        }
    };
    let alert = move || {
        let lang = prefs.lang();
        // A wrong password typed into a form is "not correct"; a sign-in too old for
        // signing devices out is "confirm your password first".
        let typed = |r: Option<Result<(), ApiError>>| {
            r.and_then(Result::err)
                .map(|e| typed_password_error_key(&e.code))
        };
        let untyped =
            |r: Option<Result<(), ApiError>>| r.and_then(Result::err).map(|e| error_key(&e.code));
        typed(reauth.value().get())
            .or_else(|| typed(change.value().get()))
            .or_else(|| untyped(end_one.value().get()))
            .or_else(|| untyped(end_others.value().get()))
            .map(|key| t(lang, key))
            .or_else(|| query.read().get("error").map(|c| t(lang, error_key(&c))))
    };

    view! {
        <h1>{prefs.text(Key::DevicesTitle)}</h1>
        <p>{prefs.text(Key::DevicesIntro)}</p>
        <p role="status" class="status">{status}</p>
        <p role="alert" class="alert">{alert}</p>
        <Suspense fallback=move || view! { <p>{prefs.text(Key::Loading)}</p> }>
            {move || {
                data.get()
                    .map(|result| match result {
                        Ok(Some(d)) => view! { <DeviceList data=d end_one end_others reauth /> }.into_any(),
                        Ok(None) => view! { <p class="empty">{prefs.text(Key::SignedOut)}</p> }.into_any(),
                        Err(_) => view! { <p role="alert">{prefs.text(Key::Failed)}</p> }.into_any(),
                    })
            }}
        </Suspense>
        <section class="change-password" aria-labelledby="password-heading">
            <h2 id="password-heading">{prefs.text(Key::ChangePassword)}</h2>
            <ActionForm action=change attr:class="stack">
                <label for="current_password">{prefs.text(Key::CurrentPassword)}</label>
                <input id="current_password" name="current_password" type="password"
                    autocomplete="current-password" required />
                <label for="new_password">{prefs.text(Key::NewPassword)}</label>
                <input id="new_password" name="new_password" type="password"
                    autocomplete="new-password" required aria-describedby="new-password-hint" />
                <small id="new-password-hint">{prefs.text(Key::PasswordHint)}</small>
                <button type="submit">{prefs.text(Key::ChangePassword)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn DeviceList(
    data: DevicesData,
    end_one: ServerAction<EndDevice>,
    end_others: ServerAction<EndOtherDevices>,
    reauth: ServerAction<Reauth>,
) -> impl IntoView {
    let prefs = use_prefs();
    let others = data.items.iter().filter(|d| !d.current).count();
    view! {
        <table class="devices">
            <thead>
                <tr>
                    <th scope="col">{prefs.text(Key::Device)}</th>
                    <th scope="col">{prefs.text(Key::Place)}</th>
                    <th scope="col">{prefs.text(Key::LastActivity)}</th>
                    <th scope="col"><span class="visually-hidden">{prefs.text(Key::SignOut)}</span></th>
                </tr>
            </thead>
            <tbody>
                {data
                    .items
                    .into_iter()
                    .map(|d| view! { <DeviceRow device=d end_one /> })
                    .collect_view()}
            </tbody>
        </table>
        {(others == 0).then(|| view! { <p class="empty">{prefs.text(Key::NoDevices)}</p> })}
        {(!data.recent_auth).then(|| view! {
            <section class="reauth" aria-labelledby="reauth-heading">
                <h2 id="reauth-heading">{prefs.text(Key::ConfirmPassword)}</h2>
                <p>{prefs.text(Key::ErrReauth)}</p>
                <ActionForm action=reauth attr:class="stack">
                    <label for="reauth-password">{prefs.text(Key::Password)}</label>
                    <input id="reauth-password" name="password" type="password"
                        autocomplete="current-password" required />
                    <button type="submit">{prefs.text(Key::ConfirmPassword)}</button>
                </ActionForm>
            </section>
        })}
        <ActionForm action=end_others>
            <button type="submit" class="danger">{prefs.text(Key::SignOutOthers)}</button>
        </ActionForm>
    }
}

#[component]
fn DeviceRow(device: DeviceSession, end_one: ServerAction<EndDevice>) -> impl IntoView {
    let prefs = use_prefs();
    let name = describe_user_agent(&device.user_agent);
    let place = device.ip.clone();
    let when = super::pages::readable_time(&device.last_activity);
    view! {
        <tr class:current=device.current data-testid="device-row">
            <td>
                {match name {
                    Some(n) => view! { <span title=device.user_agent.clone()>{n}</span> }.into_any(),
                    None => view! { <span>{prefs.text(Key::Unknown)}</span> }.into_any(),
                }}
                {device.current.then(|| view! { " " <strong class="badge">{prefs.text(Key::ThisDevice)}</strong> })}
            </td>
            <td>{match place {
                Some(ip) => view! { <span>{ip}</span> }.into_any(),
                None => view! { <span>{prefs.text(Key::Unknown)}</span> }.into_any(),
            }}</td>
            <td><time datetime=device.last_activity.clone()>{when}</time></td>
            <td>
                {(!device.current).then(|| view! {
                    <ActionForm action=end_one>
                        <input type="hidden" name="id" value=device.id.clone() />
                        <button type="submit">{prefs.text(Key::SignOut)}</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_get_a_human_name() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(
            describe_user_agent(chrome).as_deref(),
            Some("Chrome · Linux")
        );
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(safari).as_deref(), Some("Safari · iOS"));
        assert_eq!(describe_user_agent("curl/8.5.0").as_deref(), Some("curl"));
        assert_eq!(describe_user_agent(""), None);
        assert_eq!(
            describe_user_agent("squid-tests/1.0").as_deref(),
            Some("squid-tests/1.0")
        );
    }

    #[test]
    fn every_error_code_has_words() {
        assert_eq!(error_key("invalid_credentials"), Key::ErrInvalidCredentials);
        assert_eq!(error_key("rate_limited"), Key::ErrRateLimited);
        assert_eq!(error_key("something_new"), Key::Failed);
    }
}
