//! The privacy page of `UI.md` (`/privacy`: consent, "Download my data", "Delete my
//! account") and the consent prompt every page shows while a user's choices are due under
//! the policy in force.

use super::forms::{failed, readable_time, redirect_unless, redirected, typed_password_error_key};
use super::{use_consent_due, use_prefs};
use crate::error::{ApiError, ErrorCode};
use crate::i18n::{t, Key};
use crate::model::{ConsentFormInput, ConsentRecord, ConsentType, Outcome, PasswordInput};
use crate::model::{ConsentState, PrivacyData};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The signed-in user's consent, its history and the retention period; `None` for a guest.
#[server(prefix = "/api/fn", endpoint = "privacy")]
pub async fn privacy_overview() -> Result<Option<PrivacyData>, ApiError> {
    super::server::serve(|ctx| async move {
        if ctx.visitor.account.is_none() {
            return Ok(None);
        }
        let consents = &ctx.state.domain.consents;
        Ok(Some(PrivacyData {
            consent: consents.state(&ctx.visitor).await?,
            history: consents.history(&ctx.visitor).await?,
            retention_days: ctx.state.domain.retention.days,
            due: ctx.visitor.consent_due,
            has_password: ctx.visitor.account()?.password_hash.is_some(),
        }))
    })
    .await
}

/// Saves the consent form: a ticked box is consent given, an empty one consent refused;
/// both choices are recorded under the policy in force.
#[server(prefix = "/api/fn", endpoint = "save_consent")]
pub async fn save_consent(
    #[server(flatten)] input: ConsentFormInput,
) -> Result<ConsentState, ApiError> {
    use super::server::{form, Back};
    use crate::domain::consent::{Choices, ConsentMethod};
    form(
        Back::to("/privacy", Outcome::Saved, "/privacy"),
        move |mut ctx| async move {
            let choices = Choices::from(input);
            let consents = &ctx.state.domain.consents;
            let (state, _) = consents
                .record(
                    &mut ctx.visitor,
                    &choices,
                    ConsentMethod::PrivacyPage,
                    ctx.now,
                )
                .await?;
            Ok(state)
        },
    )
    .await
}

/// The consent prompt's answer: the current choices, confirmed under the policy in force.
/// Without JavaScript, back to the page it was given on (`return_to`, a path of this site).
#[server(prefix = "/api/fn", endpoint = "confirm_consent")]
pub async fn confirm_consent(return_to: Option<String>) -> Result<(), ApiError> {
    use super::server::{form, local_path, Back};
    let page = local_path(return_to.as_deref());
    form(Back::url(page.clone(), &page), |mut ctx| async move {
        let consents = &ctx.state.domain.consents;
        consents.confirm(&mut ctx.visitor, ctx.now).await?;
        Ok(())
    })
    .await
}

/// Erases the account ("Delete my account", with the password).
#[server(prefix = "/api/fn", endpoint = "delete_account")]
pub async fn delete_account(#[server(flatten)] input: PasswordInput) -> Result<(), ApiError> {
    use super::server::{form, send, set_header, Back};
    use crate::domain::accounts::validate::Secret;
    use crate::web::guard::CLEAR_SITE_DATA_ERASED;
    form(
        Back::to("/", Outcome::Deleted, "/privacy"),
        move |mut ctx| async move {
            let password = Secret::optional(input);
            let privacy = &ctx.state.domain.privacy;
            let happened = privacy.erase(&mut ctx.visitor, password, ctx.now).await?;
            send(ctx.apply(&happened).await?);
            set_header("clear-site-data", CLEAR_SITE_DATA_ERASED);
            Ok(())
        },
    )
    .await
}

fn kind_key(kind: ConsentType) -> Key {
    match kind {
        ConsentType::Analytics => Key::ConsentAnalytics,
        ConsentType::Marketing => Key::ConsentMarketing,
    }
}

fn hint_key(kind: ConsentType) -> Key {
    match kind {
        ConsentType::Analytics => Key::ConsentAnalyticsHint,
        ConsentType::Marketing => Key::ConsentMarketingHint,
    }
}

fn method_key(method: &str) -> Key {
    match method {
        "privacy_page" => Key::MethodPrivacyPage,
        "prompt" => Key::MethodPrompt,
        _ => Key::MethodApi,
    }
}

/// Asks a signed-in user whose consent choices are due (never chosen, or chosen under an
/// older policy version) on every page but `/privacy`, which asks in its own words:
/// "Keep my choices" confirms them as they stand, "Review choices" leads to `/privacy`.
#[component]
pub fn ConsentPrompt() -> impl IntoView {
    let prefs = use_prefs();
    let due = use_consent_due();
    let location = use_location();
    let confirm = ServerAction::<ConfirmConsent>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = confirm.value().get() {
            due.0.set(None);
        }
    });
    move || {
        let confirmed = matches!(confirm.value().get(), Some(Ok(())));
        match due.0.get() {
            Some(version) if location.pathname.get() != "/privacy" => view! {
                <aside id="consent-prompt" class="consent-prompt" aria-labelledby="consent-prompt-title">
                    <h2 id="consent-prompt-title">{prefs.text(Key::PromptTitle)}</h2>
                    <p>{prefs.text(Key::PromptText)} " " <strong>{version}</strong> "."</p>
                    <div class="row">
                        <ActionForm action=confirm attr:class="inline">
                            <input type="hidden" name="return_to" value=location.pathname.get_untracked() />
                            <button type="submit">{prefs.text(Key::KeepChoices)}</button>
                        </ActionForm>
                        <a href="/privacy" rel="external">{prefs.text(Key::ReviewChoices)}</a>
                    </div>
                    {move || confirm.value().get().and_then(Result::err).map(|_| view! {
                        <p role="alert" class="alert">{prefs.text(Key::Failed)}</p>
                    })}
                </aside>
            }
            .into_any(),
            _ if confirmed => view! {
                <p role="status" class="status consent-confirmed">{prefs.text(Key::ChoicesConfirmed)}</p>
            }
            .into_any(),
            _ => ().into_any(),
        }
    }
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    redirect_unless(true);
    let prefs = use_prefs();
    let due = use_consent_due();
    let redirected = redirected();
    let save = ServerAction::<SaveConsent>::new();
    let delete = ServerAction::<DeleteAccount>::new();
    let data = Resource::new(move || save.version().get(), |_| privacy_overview());

    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            due.0.set(None);
        }
    });
    // With JavaScript: once erased, load the home page afresh, as a guest.
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            #[cfg(feature = "hydrate")]
            super::reload_to("/?deleted=1");
        }
    });

    let status = move || {
        let saved = match save.value().get() {
            Some(result) => result.is_ok(),
            None => redirected() == Some(Ok(Outcome::Saved)),
        };
        saved.then(|| t(prefs.lang(), Key::ConsentSaved))
    };
    // Whether the account was made by a wallet (it has no password to type).
    let wallet_only = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(Some(d))) = data.get() {
            wallet_only.set(!d.has_password);
        }
    });
    // A password typed into the delete form that is wrong says so in those words; an
    // account made by a wallet is told to sign in with it again.
    let alert = move || {
        let code = failed(delete.value().get())
            .or_else(|| failed(save.value().get()))
            .map(Some)
            .or_else(|| redirected().and_then(Result::err))?;
        let key = match code {
            Some(ErrorCode::ReauthenticationRequired) if wallet_only.get() => Key::ErrWalletReauth,
            code => typed_password_error_key(code),
        };
        Some(t(prefs.lang(), key))
    };

    view! {
        <h1>{prefs.text(Key::PrivacyTitle)}</h1>
        <p>{prefs.text(Key::PrivacyIntro)}</p>
        <p role="status" class="status">{status}</p>
        <p role="alert" class="alert">{alert}</p>
        <Suspense fallback=move || view! { <p>{prefs.text(Key::Loading)}</p> }>
            {move || {
                data.get()
                    .map(|result| match result {
                        Ok(Some(d)) => view! { <ConsentSection data=d save /> }.into_any(),
                        Ok(None) => view! { <p class="empty">{prefs.text(Key::SignedOut)}</p> }.into_any(),
                        Err(_) => view! { <p role="alert">{prefs.text(Key::Failed)}</p> }.into_any(),
                    })
            }}
        </Suspense>
        <section class="delete-account" aria-labelledby="delete-heading">
            <h2 id="delete-heading">{prefs.text(Key::DeleteHeading)}</h2>
            <p>{prefs.text(Key::DeleteWarning)}</p>
            <ActionForm action=delete attr:class="stack">
                // An account made by a wallet has no password: its recent wallet sign-in
                // confirms (the server checks it).
                <Suspense fallback=|| ()>
                    {move || data.get().map(|result| {
                        let wallet_only = matches!(result, Ok(Some(d)) if !d.has_password);
                        if wallet_only {
                            view! { <p class="note">{prefs.text(Key::DeleteByWallet)}</p> }.into_any()
                        } else {
                            view! {
                                <label for="delete-password">{prefs.text(Key::Password)}</label>
                                <input id="delete-password" name="password" type="password"
                                    autocomplete="current-password" required />
                            }
                            .into_any()
                        }
                    })}
                </Suspense>
                <button type="submit" class="danger">{prefs.text(Key::DeleteAccount)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn ConsentSection(data: PrivacyData, save: ServerAction<SaveConsent>) -> impl IntoView {
    let prefs = use_prefs();
    let analytics = data.consent.granted(ConsentType::Analytics);
    let marketing = data.consent.granted(ConsentType::Marketing);
    let days = data.retention_days;
    let history = data.history;
    view! {
        <section class="consent" aria-labelledby="consent-heading">
            <h2 id="consent-heading">{prefs.text(Key::ConsentHeading)}</h2>
            {data.due.then(|| view! { <p class="notice">{prefs.text(Key::ConsentDueNote)}</p> })}
            <p class="policy">
                {prefs.text(Key::PolicyVersion)} ": " <strong>{data.consent.policy_version}</strong>
            </p>
            <ActionForm action=save attr:class="stack">
                <ConsentCheck kind=ConsentType::Analytics checked=analytics />
                <ConsentCheck kind=ConsentType::Marketing checked=marketing />
                <button type="submit">{prefs.text(Key::SaveConsent)}</button>
            </ActionForm>
            <h3>{prefs.text(Key::ConsentHistory)}</h3>
            {if history.is_empty() {
                view! { <p class="empty">{prefs.text(Key::NoConsentHistory)}</p> }.into_any()
            } else {
                view! { <ConsentHistory records=history /> }.into_any()
            }}
        </section>
        <section class="your-data" aria-labelledby="data-heading">
            <h2 id="data-heading">{prefs.text(Key::DataHeading)}</h2>
            <p>{prefs.text(Key::DataIntro)}</p>
            <p><a class="button" href="/api/gdpr/export" download rel="external">{prefs.text(Key::DownloadData)}</a></p>
            <p class="retention">
                {move || format!(
                    "{} {days} {}",
                    t(prefs.lang(), Key::RetentionBefore),
                    t(prefs.lang(), Key::RetentionAfter)
                )}
            </p>
        </section>
    }
}

/// One consent checkbox of the form: named by its kind (`analytics=on` when ticked), with
/// its hint.
#[component]
fn ConsentCheck(kind: ConsentType, checked: bool) -> impl IntoView {
    let prefs = use_prefs();
    let name = kind.as_str();
    let id = format!("consent-{name}");
    let hint = format!("consent-{name}-hint");
    view! {
        <div class="check">
            <input type="checkbox" id=id.clone() name=name value="on" checked=checked
                aria-describedby=hint.clone() />
            <label for=id>{prefs.text(kind_key(kind))}</label>
        </div>
        <small id=hint>{prefs.text(hint_key(kind))}</small>
    }
}

#[component]
fn ConsentHistory(records: Vec<ConsentRecord>) -> impl IntoView {
    let prefs = use_prefs();
    view! {
        <table class="consent-history">
            <thead>
                <tr>
                    <th scope="col">{prefs.text(Key::ConsentKind)}</th>
                    <th scope="col">{prefs.text(Key::ConsentChoice)}</th>
                    <th scope="col">{prefs.text(Key::PolicyVersion)}</th>
                    <th scope="col">{prefs.text(Key::ConsentWhen)}</th>
                    <th scope="col">{prefs.text(Key::ConsentHow)}</th>
                </tr>
            </thead>
            <tbody>
                {records
                    .into_iter()
                    .map(|r| {
                        let when = readable_time(&r.at);
                        let choice = if r.granted { Key::Given } else { Key::Refused };
                        view! {
                            <tr data-testid="consent-record">
                                <td>{prefs.text(kind_key(r.kind))}</td>
                                <td>{prefs.text(choice)}</td>
                                <td>{r.version}</td>
                                <td><time datetime=r.at.clone()>{when}</time></td>
                                <td>{prefs.text(method_key(&r.method))}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
