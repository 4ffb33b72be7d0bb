//! `/devices` and its server functions: the user's sessions, signing them out,
//! re-authentication and the password form.

use super::forms::{
    describe_user_agent, error_key, failed, readable_time, redirect_unless, redirected,
    typed_password_error_key,
};
use super::use_prefs;
use super::wallet::{UnlinkWallet, WalletSection};
use crate::error::ApiError;
use crate::i18n::{t, Key};
use crate::model::{DeviceSession, DevicesData, Outcome, PasswordChangeInput, PasswordInput};
use leptos::prelude::*;

/// The signed-in user's devices; `None` for a guest.
#[server(prefix = "/api/fn", endpoint = "devices")]
pub async fn devices_overview() -> Result<Option<DevicesData>, ApiError> {
    super::server::serve(|ctx| async move {
        if ctx.visitor.account.is_none() {
            return Ok(None);
        }
        let devices = &ctx.state.domain.devices;
        let account = ctx.visitor.account()?;
        Ok(Some(DevicesData {
            wallet: account.wallet.clone(),
            has_password: account.password_hash.is_some(),
            items: devices.list(&ctx.visitor, ctx.now).await?,
            recent_auth: devices.recently_authenticated(&ctx.visitor, ctx.now),
        }))
    })
    .await
}

/// Signs one device out (a row's "Sign out").
#[server(prefix = "/api/fn", endpoint = "end_device")]
pub async fn end_device(id: String) -> Result<(), ApiError> {
    use super::server::{form, send, Back};
    form(
        Back::to("/devices", Outcome::Ended, "/devices"),
        |mut ctx| async move {
            let devices = &ctx.state.domain.devices;
            let happened = devices.end_one(&mut ctx.visitor, &id, ctx.now).await?;
            send(ctx.apply(&happened).await?);
            Ok(())
        },
    )
    .await
}

/// Signs every other device out.
#[server(prefix = "/api/fn", endpoint = "end_other_devices")]
pub async fn end_other_devices() -> Result<(), ApiError> {
    use super::server::{form, send, Back};
    form(
        Back::to("/devices", Outcome::OthersEnded, "/devices"),
        |mut ctx| async move {
            let devices = &ctx.state.domain.devices;
            let happened = devices.end_others(&ctx.visitor, ctx.now).await?;
            send(ctx.apply(&happened).await?);
            Ok(())
        },
    )
    .await
}

/// Changes the password; every other device is signed out.
#[server(prefix = "/api/fn", endpoint = "change_password")]
pub async fn change_password(
    #[server(flatten)] input: PasswordChangeInput,
) -> Result<(), ApiError> {
    use super::server::{form, send, Back};
    use crate::domain::accounts::validate::PasswordChange;
    form(
        Back::to("/devices", Outcome::PasswordChanged, "/devices"),
        move |mut ctx| async move {
            let change = PasswordChange::try_from(input)?;
            let auth = &ctx.state.domain.auth;
            let happened = auth
                .change_password(&mut ctx.visitor, change, ctx.now)
                .await?;
            send(ctx.apply(&happened).await?);
            Ok(())
        },
    )
    .await
}

/// Confirms the password (re-authentication).
#[server(prefix = "/api/fn", endpoint = "reauth")]
pub async fn reauth(#[server(flatten)] input: PasswordInput) -> Result<(), ApiError> {
    confirm_password(input, "/devices").await
}

/// Re-authentication from the form of `page`, back to it.
#[cfg(feature = "ssr")]
pub(super) async fn confirm_password(input: PasswordInput, page: &str) -> Result<(), ApiError> {
    use super::server::{form, send, Back};
    use crate::domain::accounts::validate::Secret;
    form(
        Back::to(page, Outcome::Confirmed, page),
        move |mut ctx| async move {
            let password = Secret::try_from(input)?;
            let auth = &ctx.state.domain.auth;
            let happened = auth.reauth(&mut ctx.visitor, password, ctx.now).await?;
            send(ctx.apply(&happened).await?);
            Ok(())
        },
    )
    .await
}

/// The message for an outcome of this page's forms.
fn outcome_key(outcome: Outcome) -> Option<Key> {
    match outcome {
        Outcome::Ended => Some(Key::DeviceSignedOut),
        Outcome::OthersEnded => Some(Key::OthersSignedOut),
        Outcome::Confirmed => Some(Key::Reauthenticated),
        Outcome::PasswordChanged => Some(Key::PasswordChanged),
        Outcome::WalletUnlinked => Some(Key::WalletUnlinked),
        _ => None,
    }
}

#[component]
pub fn DevicesPage() -> impl IntoView {
    redirect_unless(true);
    let prefs = use_prefs();
    let redirected = redirected();
    let end_one = ServerAction::<EndDevice>::new();
    let end_others = ServerAction::<EndOtherDevices>::new();
    let reauth = ServerAction::<Reauth>::new();
    let change = ServerAction::<ChangePassword>::new();
    let unlink = ServerAction::<UnlinkWallet>::new();
    let wallet_linked = RwSignal::new(None::<Key>);
    let wallet_alert = RwSignal::new(None::<Key>);
    let data = Resource::new(
        move || {
            (
                end_one.version().get(),
                end_others.version().get(),
                reauth.version().get(),
                change.version().get(),
                unlink.version().get(),
                wallet_linked.get(),
            )
        },
        |_| devices_overview(),
    );

    let status = move || {
        let done = |r: Option<Result<(), ApiError>>| matches!(r, Some(Ok(())));
        let outcome = if done(end_one.value().get()) {
            Some(Outcome::Ended)
        } else if done(end_others.value().get()) {
            Some(Outcome::OthersEnded)
        } else if done(reauth.value().get()) {
            Some(Outcome::Confirmed)
        } else if done(change.value().get()) {
            Some(Outcome::PasswordChanged)
        } else if done(unlink.value().get()) {
            Some(Outcome::WalletUnlinked)
        } else {
            redirected().and_then(Result::ok)
        };
        outcome
            .and_then(outcome_key)
            .or_else(|| wallet_linked.get())
            .map(|key| t(prefs.lang(), key))
    };
    let alert = move || {
        // A wrong password typed into a form is "not correct"; a sign-in too old for
        // signing devices out is "confirm your password first".
        let typed = |r| failed(r).map(|code| typed_password_error_key(Some(code)));
        let untyped = |r| failed(r).map(|code| error_key(Some(code)));
        typed(reauth.value().get())
            .or_else(|| typed(change.value().get()))
            .or_else(|| untyped(end_one.value().get()))
            .or_else(|| untyped(end_others.value().get()))
            .or_else(|| untyped(unlink.value().get()))
            .or_else(|| wallet_alert.get())
            .or_else(|| redirected().and_then(Result::err).map(error_key))
            .map(|key| t(prefs.lang(), key))
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
                        Ok(Some(d)) => view! {
                            <WalletSection wallet=d.wallet.clone() has_password=d.has_password
                                unlink linked=wallet_linked alert=wallet_alert />
                            <DeviceList data=d end_one end_others reauth />
                        }
                        .into_any(),
                        Ok(None) => view! { <p class="empty">{prefs.text(Key::SignedOut)}</p> }.into_any(),
                        Err(_) => view! { <p role="alert">{prefs.text(Key::Failed)}</p> }.into_any(),
                    })
            }}
        </Suspense>
        // An account made by a wallet has no password to change.
        <Suspense fallback=|| ()>
            {move || data.get().map(|result| {
                let wallet_only = matches!(result, Ok(Some(d)) if !d.has_password);
                (!wallet_only).then(|| view! {
            <section class="change-password" aria-labelledby="password-heading">
                <h2 id="password-heading">{prefs.text(Key::ChangePassword)}</h2>
                <ActionForm action=change attr:class="stack">
                    <label for="current_password">{prefs.text(Key::CurrentPassword)}</label>
                    <input id="current_password" name="currentPassword" type="password"
                        autocomplete="current-password" required />
                    <label for="new_password">{prefs.text(Key::NewPassword)}</label>
                    <input id="new_password" name="newPassword" type="password"
                        autocomplete="new-password" required aria-describedby="new-password-hint" />
                    <small id="new-password-hint">{prefs.text(Key::PasswordHint)}</small>
                    <button type="submit">{prefs.text(Key::ChangePassword)}</button>
                </ActionForm>
            </section>
                })
            })}
        </Suspense>
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
        // An account made by a wallet has no password: a new wallet sign-in confirms.
        {(!data.recent_auth && data.has_password).then(|| view! {
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
    let when = readable_time(&device.last_activity);
    view! {
        <tr class:current=device.current data-testid="device-row">
            <td>
                {match name {
                    Some(n) => view! { <span title=device.user_agent.clone()>{n}</span> }.into_any(),
                    None => view! { <span>{prefs.text(Key::Unknown)}</span> }.into_any(),
                }}
                {device.app.then(|| view! { " " <strong class="badge app">{prefs.text(Key::AppToken)}</strong> })}
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
