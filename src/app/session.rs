//! `/session` and its server functions.

use super::forms::{clock, readable_time, redirected};
use super::use_prefs;
use crate::error::ApiError;
use crate::i18n::{t, Key};
use crate::model::{DataSummary, Outcome, OwnAnalytics, SessionPageData};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The current session with one page of its visits (oldest first), its latest actions and
/// its stored data; `None` when there is no live session.
#[server(prefix = "/api/fn", endpoint = "session_overview")]
pub async fn session_overview(page: u32) -> Result<Option<SessionPageData>, ApiError> {
    use crate::domain::{Order, Pagination};
    use crate::model::VISITS_PER_PAGE;
    super::server::serve(|ctx| async move {
        let Some(live) = &ctx.visitor.session else {
            return Ok(None);
        };
        let tracking = &ctx.state.domain.tracking;
        let visits = Pagination {
            page: page.max(1),
            per_page: VISITS_PER_PAGE,
        };
        let session = tracking
            .session_view(&ctx.visitor, visits, Order::Asc, ctx.now)
            .await?;
        let actions = tracking
            .actions(&live.record.public_id, Pagination::default(), Order::Desc)
            .await?;
        let data = ctx.state.domain.data.summaries(&ctx.visitor).await?;
        let figures = ctx.state.domain.analytics.me(&ctx.visitor, ctx.now).await?;
        Ok(Some(SessionPageData {
            session,
            actions,
            data,
            figures,
        }))
    })
    .await
}

/// Ends the current session ("End session").
#[server(prefix = "/api/fn", endpoint = "end_session")]
pub async fn end_session() -> Result<(), ApiError> {
    use super::server::{form, send, Back};
    form(
        Back::to("/session", Outcome::Ended, "/session"),
        |mut ctx| async move {
            let auth = &ctx.state.domain.auth;
            let happened = auth.end_session(&mut ctx.visitor, ctx.now).await?;
            send(ctx.apply(&happened).await?);
            Ok(())
        },
    )
    .await
}

#[component]
pub fn SessionPage() -> impl IntoView {
    let prefs = use_prefs();
    let query = use_query_map();
    let redirected = redirected();
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

    let status = move || match (end.value().get(), redirected()) {
        (Some(Ok(())), _) => Some(t(prefs.lang(), Key::SessionEnded)),
        (None, Some(Ok(Outcome::Ended))) => Some(t(prefs.lang(), Key::SessionEndedNewStarted)),
        _ => None,
    };
    let alert = move || match (end.value().get(), redirected()) {
        (Some(Err(_)), _) | (None, Some(Err(_))) => Some(t(prefs.lang(), Key::Failed)),
        _ => None,
    };

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

#[component]
fn SessionDetails(overview: SessionPageData) -> impl IntoView {
    let prefs = use_prefs();
    let SessionPageData {
        session,
        actions,
        data,
        figures,
    } = overview;
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

        <StoredData data />
        <Figures figures />
    }
}

/// The visitor's own figures: a signed-in user's across every session and device.
#[component]
fn Figures(figures: OwnAnalytics) -> impl IntoView {
    let prefs = use_prefs();
    view! {
        <section aria-labelledby="figures-heading">
            <h2 id="figures-heading">{prefs.text(Key::YourActivity)}</h2>
            <dl class="facts">
                <dt>{prefs.text(Key::Sessions)}</dt><dd data-testid="total-sessions">{figures.total_sessions}</dd>
                <dt>{prefs.text(Key::PageViews)}</dt><dd data-testid="total-page-views">{figures.total_page_views}</dd>
                <dt>{prefs.text(Key::Actions)}</dt><dd>{figures.total_actions}</dd>
                <dt>{prefs.text(Key::AverageDuration)}</dt><dd>{clock(figures.avg_session_duration)}</dd>
            </dl>
            {(!figures.top_pages.is_empty()).then(|| view! {
                <h3>{prefs.text(Key::TopPages)}</h3>
                <ol class="top-pages">
                    {figures.top_pages.into_iter().map(|p| view! { <li>{p.page} " · " {p.views}</li> }).collect_view()}
                </ol>
            })}
        </section>
    }
}

/// The session's stored data: each key with its size and last change (not the value, which
/// belongs to the app that wrote it).
#[component]
fn StoredData(data: Vec<DataSummary>) -> impl IntoView {
    let prefs = use_prefs();
    view! {
        <section aria-labelledby="data-heading">
            <h2 id="data-heading">{prefs.text(Key::StoredData)} " (" {data.len()} ")"</h2>
            {if data.is_empty() {
                view! { <p class="empty">{prefs.text(Key::NoStoredData)}</p> }.into_any()
            } else {
                view! {
                    <table class="data">
                        <thead>
                            <tr>
                                <th scope="col">{prefs.text(Key::DataKeyName)}</th>
                                <th scope="col">{prefs.text(Key::DataSize)}</th>
                                <th scope="col">{prefs.text(Key::DataChanged)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {data
                                .into_iter()
                                .map(|d| view! {
                                    <tr>
                                        <th scope="row"><code>{d.key}</code></th>
                                        <td>{d.size} " " {prefs.text(Key::Bytes)}</td>
                                        <td><time datetime=d.updated_at.clone()>{readable_time(&d.updated_at)}</time></td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
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
