//! The pages of `UI.md`: `/`, `/preferences`, `/session`, and the not-found page.

use super::server_fns::{session_overview, EndSession, SavePreferences, SessionPageData};
use super::use_prefs;
use crate::i18n::{t, Key};
use crate::model::{Language, Notifications, Theme};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

fn theme_key(theme: Theme) -> Key {
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
pub fn HomePage() -> impl IntoView {
    let prefs = use_prefs();
    let me = super::use_me();
    let query = use_query_map();
    let theme = move || t(prefs.lang(), theme_key(prefs.0.get().theme));
    let signed_out = move || {
        let q = query.read();
        if q.get("deleted").is_some() {
            Some(t(prefs.lang(), Key::AccountDeleted))
        } else {
            q.get("signed_out").map(|_| t(prefs.lang(), Key::SignedOut))
        }
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
pub fn PreferencesPage() -> impl IntoView {
    let prefs = use_prefs();
    let save = ServerAction::<SavePreferences>::new();
    let query = use_query_map();

    // With JavaScript the saved preferences come back as data: apply them at once.
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            prefs.0.set(saved);
        }
    });

    // Outcome: of the action just run (JavaScript), else of the redirect (`?saved=1`).
    let outcome = move || match save.value().get() {
        Some(Ok(_)) => Some(true),
        Some(Err(_)) => Some(false),
        None => match (query.read().get("saved"), query.read().get("error")) {
            (Some(_), _) => Some(true),
            (_, Some(_)) => Some(false),
            _ => None,
        },
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

#[component]
pub fn SessionPage() -> impl IntoView {
    let prefs = use_prefs();
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    };
    let end = ServerAction::<EndSession>::new();
    // Refetches after "End session" (the action's version changes).
    let overview = Resource::new(
        move || (page(), end.version().get()),
        |(page, _)| session_overview(page),
    );

    let ended_now = move || matches!(end.value().get(), Some(Ok(())));
    let ended_by_redirect = move || query.read().get("ended").is_some();
    let status = move || {
        if ended_now() {
            Some(t(prefs.lang(), Key::SessionEnded))
        } else if ended_by_redirect() {
            Some(t(prefs.lang(), Key::SessionEndedNewStarted))
        } else {
            None
        }
    };
    let alert =
        move || matches!(end.value().get(), Some(Err(_))).then(|| t(prefs.lang(), Key::Failed));

    view! {
        <h1>{prefs.text(Key::SessionTitle)}</h1>
        <p role="status" class="status">{status}</p>
        <p role="alert" class="alert">{alert}</p>
        <Suspense fallback=move || view! { <p>{prefs.text(Key::Loading)}</p> }>
            {move || {
                overview
                    .get()
                    .map(|result| match result {
                        Ok(Some(o)) => view! { <SessionDetails overview=o /> }.into_any(),
                        Ok(None) => view! { <p class="empty">{prefs.text(Key::NoSession)}</p> }.into_any(),
                        Err(_) => view! { <p role="alert">{prefs.text(Key::Failed)}</p> }.into_any(),
                    })
            }}
        </Suspense>
        <ActionForm action=end>
            <button type="submit" class="danger">{prefs.text(Key::EndSession)}</button>
        </ActionForm>
    }
}

/// `2026-11-22T10:15:30.123Z` as `2026-11-22 10:15:30 UTC`.
pub fn readable_time(rfc3339: &str) -> String {
    let trimmed = rfc3339.get(..19).unwrap_or(rfc3339);
    format!("{} UTC", trimmed.replace('T', " "))
}

/// Seconds as `H:MM:SS`.
pub fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

#[component]
fn SessionDetails(overview: SessionPageData) -> impl IntoView {
    let prefs = use_prefs();
    let SessionPageData { session, actions } = overview;
    let visits = session.pages_visited;
    let (page, total_pages) = (visits.page, visits.total_pages);
    let first_number = (u64::from(visits.page) - 1) * u64::from(visits.per_page) + 1;
    view! {
        <dl class="facts">
            <dt>{prefs.text(Key::SessionId)}</dt>
            <dd data-testid="session-id"><code>{session.id.clone()}</code></dd>
            <dt>{prefs.text(Key::Started)}</dt>
            <dd><time datetime=session.start_time.clone() data-testid="start-time">{readable_time(&session.start_time)}</time></dd>
            <dt>{prefs.text(Key::Duration)}</dt>
            <dd><LiveDuration seconds=session.duration /></dd>
            <dt>{prefs.text(Key::Expires)}</dt>
            <dd><time datetime=session.expires_at.clone()>{readable_time(&session.expires_at)}</time></dd>
        </dl>

        <section aria-labelledby="visits-heading">
            <h2 id="visits-heading">{prefs.text(Key::PagesVisited)} " (" {visits.total} ")"</h2>
            {if visits.items.is_empty() {
                view! { <p class="empty">{prefs.text(Key::NoPages)}</p> }.into_any()
            } else {
                view! {
                    <ol class="visits" start=first_number.to_string()>
                        {visits
                            .items
                            .into_iter()
                            .map(|v| view! {
                                <li>
                                    <span class="page-name">{v.page}</span>
                                    " "
                                    <time datetime=v.visited_at.clone()>{readable_time(&v.visited_at)}</time>
                                </li>
                            })
                            .collect_view()}
                    </ol>
                }
                    .into_any()
            }}
            <nav class="pager" aria-label=prefs.text(Key::PagesVisited)>
                {(page > 1).then(|| view! {
                    <a href=format!("/session?page={}", page - 1) rel="external">{prefs.text(Key::Previous)}</a>
                })}
                <span>{move || t(prefs.lang(), Key::PageOf)} " " {page} " / " {total_pages.max(1)}</span>
                {(u64::from(page) < total_pages).then(|| view! {
                    <a href=format!("/session?page={}", page + 1) rel="external">{prefs.text(Key::Next)}</a>
                })}
            </nav>
        </section>

        <section aria-labelledby="actions-heading">
            <h2 id="actions-heading">{prefs.text(Key::Actions)} " (" {actions.total} ")"</h2>
            {if actions.items.is_empty() {
                view! { <p class="empty">{prefs.text(Key::NoActions)}</p> }.into_any()
            } else {
                view! {
                    <ul class="actions">
                        {actions
                            .items
                            .into_iter()
                            .map(|a| view! {
                                <li>{a.action} " " <time datetime=a.at.clone()>{readable_time(&a.at)}</time></li>
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}

/// The session's duration, ticking every second once the page has hydrated.
#[component]
fn LiveDuration(seconds: i64) -> impl IntoView {
    let elapsed = RwSignal::new(seconds);
    // Effects run only in the browser, so the server renders the value it was given.
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || elapsed.update(|s| *s += 1),
            std::time::Duration::from_secs(1),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    view! { <span data-testid="duration" class="duration">{move || clock(elapsed.get())}</span> }
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
