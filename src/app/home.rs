//! `/` and the not-found page.

use super::forms::redirected;
use super::preferences::theme_key;
use super::{use_me, use_prefs};
use crate::i18n::{t, Key};
use crate::model::Outcome;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let prefs = use_prefs();
    let me = use_me();
    let redirected = redirected();
    let theme = move || t(prefs.lang(), theme_key(prefs.0.get().theme));
    let signed_out = move || match redirected() {
        Some(Ok(Outcome::Deleted)) => Some(t(prefs.lang(), Key::AccountDeleted)),
        Some(Ok(Outcome::SignedOut)) => Some(t(prefs.lang(), Key::SignedOut)),
        _ => None,
    };
    view! {
        <h1>{prefs.text(Key::HomeTitle)}</h1>
        <p role="status" class="status">{signed_out}</p>
        {me.0.get_untracked().map(|name| view! {
            <p class="hello">{prefs.text(Key::Hello)} ", " <strong>{name}</strong></p>
        })}
        <p class="greeting">{prefs.text(Key::HomeApplied)}</p>
        <dl class="facts">
            <dt>{prefs.text(Key::HomeThemeIs)}</dt>
            <dd data-testid="current-theme">{theme}</dd>
            <dt>{prefs.text(Key::HomeLanguageIs)}</dt>
            <dd data-testid="current-language">{move || prefs.lang().native_name()}</dd>
        </dl>
        <ul class="onward">
            <li><a href="/preferences" rel="external">{prefs.text(Key::HomeGoPreferences)}</a></li>
            <li><a href="/session" rel="external">{prefs.text(Key::HomeGoSession)}</a></li>
        </ul>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    let prefs = use_prefs();
    view! {
        <h1>{prefs.text(Key::NotFoundTitle)}</h1>
        <p>{prefs.text(Key::NotFoundText)}</p>
        <p><a href="/" rel="external">{prefs.text(Key::NavHome)}</a></p>
    }
}
