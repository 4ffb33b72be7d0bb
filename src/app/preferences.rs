//! `/preferences` and its server functions.

use super::forms::redirected;
use super::use_prefs;
use crate::error::ApiError;
use crate::i18n::{t, Key};
use crate::model::{Language, Notifications, Preferences, PreferencesInput, Theme};
use leptos::prelude::*;

/// The preferences in effect.
#[server(prefix = "/api/fn", endpoint = "preferences")]
pub async fn get_preferences() -> Result<Preferences, ApiError> {
    super::server::serve(|ctx| async move { Ok(ctx.visitor.prefs) }).await
}

/// Saves the preferences form; the preferences cookie is rewritten.
#[server(prefix = "/api/fn", endpoint = "save_preferences")]
pub async fn save_preferences(
    #[server(flatten)] input: PreferencesInput,
) -> Result<Preferences, ApiError> {
    use super::server::{form, send, Back};
    use crate::model::Outcome;
    let back = Back::to("/preferences", Outcome::Saved, "/preferences");
    form(back, move |mut ctx| async move {
        let patch = crate::domain::preferences::PreferencesPatch::try_from(input)?;
        let domain = &ctx.state.domain;
        let (prefs, happened) = domain
            .preferences
            .update(&mut ctx.visitor, patch, ctx.now)
            .await?;
        send(ctx.apply(&happened).await?);
        Ok(prefs)
    })
    .await
}

pub fn theme_key(theme: Theme) -> Key {
    match theme {
        Theme::Light => Key::ThemeLight,
        Theme::Dark => Key::ThemeDark,
    }
}

fn notifications_key(n: Notifications) -> Key {
    match n {
        Notifications::Enabled => Key::NotificationsEnabled,
        Notifications::Disabled => Key::NotificationsDisabled,
    }
}

#[component]
pub fn PreferencesPage() -> impl IntoView {
    let prefs = use_prefs();
    let save = ServerAction::<SavePreferences>::new();
    let redirected = redirected();

    // With JavaScript the saved preferences come back as data: apply them at once.
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            prefs.0.set(saved);
        }
    });

    // Outcome: of the action just run (JavaScript), else of the redirect (`?saved=1`).
    let outcome = move || match save.value().get() {
        Some(result) => Some(result.is_ok()),
        None => redirected().map(|r| r.is_ok()),
    };
    let status = move || (outcome() == Some(true)).then(|| t(prefs.lang(), Key::PreferencesSaved));
    let alert = move || (outcome() == Some(false)).then(|| t(prefs.lang(), Key::PreferencesFailed));

    view! {
        <h1>{prefs.text(Key::PrefsTitle)}</h1>
        <p>{prefs.text(Key::PrefsIntro)}</p>
        <ActionForm action=save attr:class="stack">
            <label for="theme">{prefs.text(Key::Theme)}</label>
            <select id="theme" name="theme">
                {Theme::ALL
                    .into_iter()
                    .map(|theme| {
                        view! {
                            <option value=theme.as_str() selected=move || prefs.0.get().theme == theme>
                                {move || t(prefs.lang(), theme_key(theme))}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <label for="notifications">{prefs.text(Key::Notifications)}</label>
            <select id="notifications" name="notifications">
                {Notifications::ALL
                    .into_iter()
                    .map(|n| {
                        view! {
                            <option value=n.as_str() selected=move || prefs.0.get().notifications == n>
                                {move || t(prefs.lang(), notifications_key(n))}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <label for="language">{prefs.text(Key::Language)}</label>
            <select id="language" name="language">
                {Language::ALL
                    .into_iter()
                    .map(|l| {
                        view! {
                            <option value=l.code() lang=l.code() selected=move || prefs.lang() == l>
                                {l.native_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <button type="submit">{prefs.text(Key::SavePreferences)}</button>
        </ActionForm>
        <p role="status" class="status">{status}</p>
        <p role="alert" class="alert">{alert}</p>
    }
}
