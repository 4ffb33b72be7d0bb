//! `/admin`: the analytics of the period for administrators, drawn on the server
//! ([`super::charts`]) so they read without JavaScript; a period picker and the funnel's
//! steps as plain GET forms (a full reload with or without JavaScript, and the URL says
//! what is shown); "Right now", which JavaScript refreshes. Guests go to `/login`; other
//! users get a 403 page.

use super::admin_sessions::{forbid_non_admins, Forbidden};
use super::charts::{self, scale, Caption, Datum};
use super::forms::{clock, redirect_unless};
use super::use_prefs;
use crate::error::{ApiError, ErrorCode};
use crate::i18n::{t, DashKey, Key};
use crate::model::{Dashboard, Language, Realtime, MAX_STEPS, PERIODS};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Step fields the form always shows.
const SHOWN_STEPS: usize = 3;
/// How often "Right now" asks again, in seconds.
#[cfg(feature = "hydrate")]
const REFRESH_SECONDS: u64 = 15;

/// The dashboard for `period` (`7d`, `30d`, `90d`; empty for the default) and the funnel
/// of `steps` (comma-separated pages; empty for the default); `None` for a guest,
/// `403 forbidden` for a user who is not an admin.
#[server(prefix = "/api/fn", endpoint = "admin_dashboard")]
pub async fn admin_dashboard(period: String, steps: String) -> Result<Option<Dashboard>, ApiError> {
    use crate::domain::insights::query::DashboardQuery;
    super::server::serve(|ctx| async move {
        if ctx.visitor.account.is_none() {
            return Ok(None);
        }
        // Refused before the query is read: a user gets 403 whatever they asked for.
        ctx.visitor.admin()?;
        let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let (period, steps) = (given(&period), given(&steps));
        let query = DashboardQuery::parse(period.as_deref(), steps.as_deref())?;
        let insights = &ctx.state.domain.insights;
        Ok(Some(
            insights.dashboard(&ctx.visitor, &query, ctx.now).await?,
        ))
    })
    .await
}

/// "Right now" again, for the browser's refresh.
#[server(prefix = "/api/fn", endpoint = "admin_realtime")]
pub async fn admin_realtime() -> Result<Realtime, ApiError> {
    super::server::serve(|ctx| async move {
        Ok(ctx
            .state
            .domain
            .insights
            .realtime(&ctx.visitor, ctx.now)
            .await?)
    })
    .await
}

/// The funnel's steps as the page's query gives them: the form's `step1`…`step5`, else a
/// comma-separated `steps` (as the API takes it), blanks left out.
fn steps_of(get: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let fields: Vec<String> = (1..=MAX_STEPS)
        .filter_map(|i| get(&format!("step{i}")))
        .collect();
    let raw = if fields.is_empty() {
        get("steps").map(|s| s.split(',').map(str::to_string).collect())
    } else {
        Some(fields)
    };
    raw.unwrap_or_default()
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The visitor's language as this render starts: the page is drawn once, in it (reading
/// the signal untracked spares the warning of a read outside a reactive context).
fn lang_now() -> Language {
    use_prefs().0.get_untracked().language
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    redirect_unless(true);
    forbid_non_admins();
    let prefs = use_prefs();
    let query = use_query_map();
    let period = move || query.read().get("period").unwrap_or_default();
    let steps = move || {
        let q = query.read();
        steps_of(|key| q.get(key))
    };
    let data = Resource::new(
        move || (period(), steps()),
        |(period, steps)| admin_dashboard(period, steps.join(",")),
    );
    let d = move |key: DashKey| prefs.text(key.into());
    view! {
        <h1>{d(DashKey::Title)}</h1>
        <p><a href="/admin/sessions" rel="external">{prefs.text(Key::LiveSessions)}</a></p>
        <Suspense fallback=move || view! { <p>{prefs.text(Key::Loading)}</p> }>
            {move || {
                data.get()
                    .map(|result| match result {
                        Ok(Some(board)) => view! { <Board board chosen=steps() /> }.into_any(),
                        Ok(None) => view! { <p class="empty">{prefs.text(Key::SignedOut)}</p> }.into_any(),
                        Err(e) if e.code == ErrorCode::Forbidden => view! { <Forbidden /> }.into_any(),
                        Err(e) if e.code == ErrorCode::ValidationFailed => view! {
                            <p role="alert" class="alert">{d(DashKey::BadQuery)}</p>
                            <p><a href="/admin" rel="external">{d(DashKey::Title)}</a></p>
                        }
                        .into_any(),
                        Err(_) => view! { <p role="alert" class="alert">{prefs.text(Key::Failed)}</p> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

/// The dashboard itself. `chosen`: the steps the query asked for, which the period
/// picker carries on.
#[component]
fn Board(board: Dashboard, chosen: Vec<String>) -> impl IntoView {
    let lang = lang_now();
    let w = |key: DashKey| t(lang, key.into());
    let caption = |id, title: DashKey, columns: &[DashKey]| Caption {
        id,
        title: w(title).to_string(),
        columns: columns.iter().map(|c| w(*c).to_string()).collect(),
        lang,
    };
    let o = board.overview;
    let active = board
        .active_users
        .points
        .iter()
        .map(|p| Datum::new(scale::day(&p.t), p.value))
        .collect();
    let pages = o
        .popular_pages
        .iter()
        .map(|p| Datum::new(&p.page, p.views))
        .collect();
    let mut events: Vec<Datum> = o
        .event_breakdown
        .iter()
        .map(|(k, v)| Datum::new(k, *v))
        .collect();
    events.sort_by_key(|d| std::cmp::Reverse(d.value));
    let features: Vec<Datum> = o
        .feature_usage
        .iter()
        .map(|f| Datum::new(&f.action, f.count))
        .collect();
    let durations = board
        .durations
        .buckets
        .iter()
        .map(|b| Datum::new(scale::duration_range(b.from, b.to), b.sessions))
        .collect();
    let paths = board
        .paths
        .items
        .iter()
        .map(|p| Datum::new(p.path.join(" → "), p.sessions))
        .collect();
    let section = |id: &'static str, title: DashKey, chart: AnyView| {
        view! {
            <section class="panel" aria-labelledby=format!("{id}-heading")>
                <h2 id=format!("{id}-heading")>{w(title)}</h2>
                {chart}
            </section>
        }
        .into_any()
    };
    use DashKey as K;
    let funnel_steps = board.funnel.steps.iter().map(|s| s.step.clone()).collect();
    let funnel = view! {
        <p class="hint">{w(K::FunnelIntro)}</p>
        <FunnelForm period=board.period.clone() steps=funnel_steps />
        {charts::funnel(
            caption("funnel", K::Funnel, &[K::Step, K::SessionCount, K::Conversion, K::DropOff]),
            board.funnel.steps,
        )}
    };
    // One part after the other, each erased to `AnyView`: as one view the page's type
    // outgrows the compiler's recursion limit.
    let mut parts = vec![
        view! { <PeriodPicker period=board.period.clone() steps=chosen /> }.into_any(),
        view! {
            <p class="range">
                {format!("{} {} {} {}", w(K::From), scale::day(&board.from), w(K::To), scale::day(&board.to))}
            </p>
        }
        .into_any(),
        view! { <RightNow initial=board.realtime /> }.into_any(),
        section("overview", K::Overview, view! {
            <dl class="facts">
                <dt>{t(lang, Key::Sessions)}</dt><dd>{o.total_sessions}</dd>
                <dt>{t(lang, Key::AverageDuration)}</dt><dd class="duration">{clock(o.avg_session_duration)}</dd>
                <dt>{w(K::ActiveToday)}</dt><dd>{o.active_users.day}</dd>
                <dt>{w(K::ActiveWeek)}</dt><dd>{o.active_users.week}</dd>
                <dt>{w(K::ActiveMonth)}</dt><dd>{o.active_users.month}</dd>
            </dl>
        }.into_any()),
        section("active", K::ActiveUsersOverTime,
            charts::line(caption("active-users", K::ActiveUsersOverTime, &[K::Day, K::ActiveUsers]), active)),
        section("pages", K::PopularPages,
            charts::bars(caption("popular-pages", K::PopularPages, &[K::Page, K::Views]), pages)),
        section("durations", K::SessionDurations,
            charts::columns(caption("session-durations", K::SessionDurations, &[K::DurationRange, K::SessionCount]), durations)),
        section("events", K::EventBreakdown,
            charts::bars(caption("event-breakdown", K::EventBreakdown, &[K::Event, K::Count]), events)),
    ];
    if !features.is_empty() {
        parts.push(section(
            "features",
            K::FeatureUsage,
            charts::bars(
                caption("feature-usage", K::FeatureUsage, &[K::Action, K::Count]),
                features,
            ),
        ));
    }
    parts.extend([
        section(
            "paths",
            K::CommonPaths,
            charts::bars(
                caption("common-paths", K::CommonPaths, &[K::Path, K::SessionCount]),
                paths,
            ),
        ),
        section("funnel", K::Funnel, funnel.into_any()),
        section(
            "retention",
            K::RetentionCohorts,
            charts::retention_grid(
                caption("retention", K::RetentionCohorts, &[K::Cohort, K::Users]),
                board.retention.cohorts,
            ),
        ),
    ]);
    view! { <div class="dashboard">{parts}</div> }
}

/// The period picker: a GET form back to `/admin`, keeping the funnel's steps.
#[component]
fn PeriodPicker(period: String, steps: Vec<String>) -> impl IntoView {
    let lang = lang_now();
    view! {
        <form method="get" action="/admin" class="filter period">
            <label for="period">{t(lang, DashKey::Period.into())}</label>
            <select id="period" name="period">
                {PERIODS.iter().map(|(value, days)| view! {
                    <option value=*value selected=period == *value>{t(lang, last_days(*days).into())}</option>
                }).collect_view()}
            </select>
            {steps.into_iter().enumerate().map(|(i, step)| view! {
                <input type="hidden" name=format!("step{}", i + 1) value=step />
            }).collect_view()}
            <button type="submit">{t(lang, DashKey::Show.into())}</button>
        </form>
    }
}

/// The picker's label of a period of `days`.
fn last_days(days: i64) -> DashKey {
    match days {
        7 => DashKey::Last7Days,
        90 => DashKey::Last90Days,
        _ => DashKey::Last30Days,
    }
}

/// The funnel's steps: "Step 1" to "Step 3" (more when the funnel has more), keeping the
/// period.
#[component]
fn FunnelForm(period: String, steps: Vec<String>) -> impl IntoView {
    let lang = lang_now();
    let shown = steps.len().clamp(SHOWN_STEPS, MAX_STEPS);
    view! {
        <form method="get" action="/admin" class="funnel-form">
            <input type="hidden" name="period" value=period />
            {(1..=shown).map(|i| {
                let id = format!("step{i}");
                view! {
                    <span class="field">
                        <label for=id.clone()>{format!("{} {i}", t(lang, DashKey::Step.into()))}</label>
                        <input id=id.clone() name=id type="text" autocomplete="off"
                            value=steps.get(i - 1).cloned().unwrap_or_default() />
                    </span>
                }
            }).collect_view()}
            <button type="submit">{t(lang, DashKey::UpdateFunnel.into())}</button>
        </form>
    }
}

/// Active sessions now, from the server; with JavaScript, asked again every
/// [`REFRESH_SECONDS`] while the tab is visible, and announced politely when it changes.
#[component]
fn RightNow(initial: Realtime) -> impl IntoView {
    let lang = lang_now();
    let live = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    {
        let refresh = move || {
            if document().hidden() {
                return;
            }
            leptos::task::spawn_local(async move {
                if let Ok(now) = admin_realtime().await {
                    live.try_set(now);
                }
            });
        };
        let every = std::time::Duration::from_secs(REFRESH_SECONDS);
        if let Ok(handle) = set_interval_with_handle(refresh, every) {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <section class="panel right-now" aria-labelledby="right-now-heading">
            <h2 id="right-now-heading">{t(lang, DashKey::RightNow.into())}</h2>
            <p aria-live="polite">
                <strong class="big" data-testid="right-now">{move || live.read().active_sessions}</strong>
                " " {t(lang, DashKey::ActiveSessionsNow.into())}
            </p>
            {move || sparkline(lang, &live.read())}
        </section>
    }
}

/// Page views per minute of the last half hour.
fn sparkline(lang: Language, realtime: &Realtime) -> AnyView {
    let points = realtime
        .page_views
        .iter()
        .map(|p| Datum::new(scale::minute(&p.t), p.value))
        .collect();
    let caption = Caption {
        id: "per-minute",
        title: t(lang, DashKey::PageViewsPerMinute.into()).to_string(),
        columns: vec![
            t(lang, DashKey::Minute.into()).to_string(),
            t(lang, Key::PageViews).to_string(),
        ],
        lang,
    };
    charts::line_of_height(caption, points, 120.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn query(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn the_funnel_form_and_a_steps_list_give_the_same_steps() {
        let form = query(&[("step1", "home"), ("step2", " pricing "), ("step3", "")]);
        assert_eq!(steps_of(form), vec!["home", "pricing"]);
        let list = query(&[("steps", "home, pricing,,signup")]);
        assert_eq!(steps_of(list), vec!["home", "pricing", "signup"]);
        // The form's fields win over a list left in the URL.
        let both = query(&[("steps", "a,b"), ("step1", "c"), ("step2", "d")]);
        assert_eq!(steps_of(both), vec!["c", "d"]);
        assert!(steps_of(query(&[])).is_empty());
    }
}
