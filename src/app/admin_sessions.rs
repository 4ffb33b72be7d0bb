//! `/admin/sessions`: everyone's live sessions for administrators, a "User" filter, a
//! "Sign out" button per row, and the session statistics. Guests go to `/login`; other
//! users get a 403 page.

use super::forms::{
    describe_user_agent, error_key, failed, readable_time, redirect_unless, redirected,
    typed_password_error_key,
};
use super::use_prefs;
use crate::error::{ApiError, ErrorCode};
use crate::i18n::{t, Key};
use crate::model::{AdminSession, AdminSessionsData, Outcome, PasswordInput, SessionStats};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The page's data; `None` for a guest, `403 forbidden` for a user who is not an admin.
#[server(prefix = "/api/fn", endpoint = "admin_sessions")]
pub async fn admin_sessions(
    user: String,
    page: u32,
) -> Result<Option<AdminSessionsData>, ApiError> {
    use crate::domain::oversight::SessionQuery;
    use crate::domain::Pagination;
    super::server::serve(|ctx| async move {
        if ctx.visitor.account.is_none() {
            return Ok(None);
        }
        let oversight = &ctx.state.domain.oversight;
        ctx.visitor.admin()?;
        let query = SessionQuery::parse(Some(&user), None)?;
        let page = Pagination {
            page: page.max(1),
            // Rows per page of the table.
            per_page: 20,
        };
        let sessions = oversight.list(&ctx.visitor, &query, page, ctx.now).await?;
        let stats = oversight.stats(&ctx.visitor, None, None, ctx.now).await?;
        Ok(Some(AdminSessionsData {
            sessions,
            stats,
            current: ctx.visitor.live()?.record.public_id.clone(),
            recent_auth: oversight.recently_authenticated(&ctx.visitor, ctx.now),
        }))
    })
    .await
}

/// Signs one session out (a row's "Sign out").
#[server(prefix = "/api/fn", endpoint = "admin_end_session")]
pub async fn admin_end_session(id: String) -> Result<(), ApiError> {
    use super::server::{form, send, Back};
    form(
        Back::to("/admin/sessions", Outcome::Ended, "/admin/sessions"),
        |mut ctx| async move {
            let oversight = &ctx.state.domain.oversight;
            let happened = oversight.end_session(&ctx.visitor, &id, ctx.now).await?;
            send(ctx.apply(&happened).await?);
            Ok(())
        },
    )
    .await
}

/// Confirms the admin's password, back to this page.
#[server(prefix = "/api/fn", endpoint = "admin_reauth")]
pub async fn admin_reauth(#[server(flatten)] input: PasswordInput) -> Result<(), ApiError> {
    super::devices::confirm_password(input, "/admin/sessions").await
}

/// A signed-in user who is not an administrator gets the page with status 403.
pub(super) fn forbid_non_admins() {
    #[cfg(feature = "ssr")]
    {
        let admin = super::with_visitor(|v| v.account.as_ref().map(|a| a.role == "admin"));
        if let (Some(Some(false)), Some(res)) =
            (admin, use_context::<leptos_axum::ResponseOptions>())
        {
            res.set_status(http::StatusCode::FORBIDDEN);
        }
    }
}

#[component]
pub fn AdminSessionsPage() -> impl IntoView {
    redirect_unless(true);
    forbid_non_admins();
    let prefs = use_prefs();
    let query = use_query_map();
    let redirected = redirected();
    let end_one = ServerAction::<AdminEndSession>::new();
    let reauth = ServerAction::<AdminReauth>::new();
    let user = move || query.read().get("user").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(1)
    };
    let data = Resource::new(
        move || {
            (
                user(),
                page(),
                end_one.version().get(),
                reauth.version().get(),
            )
        },
        |(user, page, _, _)| admin_sessions(user, page),
    );
    let status = move || {
        let done = |r: Option<Result<(), ApiError>>| matches!(r, Some(Ok(())));
        let outcome = if done(end_one.value().get()) {
            Some(Outcome::Ended)
        } else if done(reauth.value().get()) {
            Some(Outcome::Confirmed)
        } else {
            redirected().and_then(Result::ok)
        };
        outcome
            .and_then(|o| match o {
                Outcome::Ended => Some(Key::SessionSignedOut),
                Outcome::Confirmed => Some(Key::Reauthenticated),
                _ => None,
            })
            .map(|key| t(prefs.lang(), key))
    };
    let alert = move || {
        failed(reauth.value().get())
            .map(|code| typed_password_error_key(Some(code)))
            .or_else(|| failed(end_one.value().get()).map(|code| error_key(Some(code))))
            .or_else(|| redirected().and_then(Result::err).map(error_key))
            .map(|key| t(prefs.lang(), key))
    };

    view! {
        <h1>{prefs.text(Key::AdminSessionsTitle)}</h1>
        <p role="status" class="status">{status}</p>
        <p role="alert" class="alert">{alert}</p>
        <Suspense fallback=move || view! { <p>{prefs.text(Key::Loading)}</p> }>
            {move || {
                data.get()
                    .map(|result| match result {
                        Ok(Some(d)) => view! {
                            <UserFilter user=user() />
                            <SessionTable data=d.clone() user=user() end_one reauth />
                            <Stats stats=d.stats />
                        }
                        .into_any(),
                        Ok(None) => view! { <p class="empty">{prefs.text(Key::SignedOut)}</p> }.into_any(),
                        Err(e) if e.code == ErrorCode::Forbidden => view! { <Forbidden /> }.into_any(),
                        Err(_) => view! { <p role="alert">{prefs.text(Key::Failed)}</p> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

/// What a signed-in user who is not an administrator sees instead of an admin page.
#[component]
pub(super) fn Forbidden() -> impl IntoView {
    let prefs = use_prefs();
    view! {
        <section class="forbidden" aria-labelledby="forbidden-heading">
            <h2 id="forbidden-heading">"403 · " {prefs.text(Key::ForbiddenTitle)}</h2>
            <p>{prefs.text(Key::ForbiddenText)}</p>
        </section>
    }
}

/// A plain GET form: works the same with and without JavaScript.
#[component]
fn UserFilter(user: String) -> impl IntoView {
    let prefs = use_prefs();
    view! {
        <form method="get" action="/admin/sessions" class="filter" role="search">
            <label for="user-filter">{prefs.text(Key::UserFilter)}</label>
            <input id="user-filter" name="user" type="search" value=user
                placeholder="name@example.com" />
            <button type="submit">{prefs.text(Key::Filter)}</button>
        </form>
    }
}

#[component]
fn SessionTable(
    data: AdminSessionsData,
    user: String,
    end_one: ServerAction<AdminEndSession>,
    reauth: ServerAction<AdminReauth>,
) -> impl IntoView {
    let prefs = use_prefs();
    let list = data.sessions;
    let (page, total_pages) = (list.page, list.total_pages);
    let link = move |p: u32| {
        let user = percent_encoding::utf8_percent_encode(&user, percent_encoding::NON_ALPHANUMERIC);
        format!("/admin/sessions?user={user}&page={p}")
    };
    let (prev, next) = (link(page.saturating_sub(1)), link(page + 1));
    let current = data.current;
    view! {
        <table class="devices admin-sessions">
            <caption>{prefs.text(Key::LiveSessions)} " (" {list.total} ")"</caption>
            <thead>
                <tr>
                    <th scope="col">{prefs.text(Key::UserFilter)}</th>
                    <th scope="col">{prefs.text(Key::Device)}</th>
                    <th scope="col">{prefs.text(Key::Place)}</th>
                    <th scope="col">{prefs.text(Key::LastActivity)}</th>
                    <th scope="col">{prefs.text(Key::PageViews)}</th>
                    <th scope="col"><span class="visually-hidden">{prefs.text(Key::SignOut)}</span></th>
                </tr>
            </thead>
            <tbody>
                {list
                    .items
                    .into_iter()
                    .map(|s| {
                        let own = s.id == current;
                        view! { <SessionRow session=s own end_one /> }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label=prefs.text(Key::LiveSessions)>
            {(page > 1).then(|| view! { <a href=prev rel="external">{prefs.text(Key::Previous)}</a> })}
            <span>{move || t(prefs.lang(), Key::PageOf)} " " {page} " / " {total_pages.max(1)}</span>
            {(u64::from(page) < total_pages).then(|| view! { <a href=next rel="external">{prefs.text(Key::Next)}</a> })}
        </nav>
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
    }
}

#[component]
fn SessionRow(
    session: AdminSession,
    own: bool,
    end_one: ServerAction<AdminEndSession>,
) -> impl IntoView {
    let prefs = use_prefs();
    let who = session.user.as_ref().map(|u| {
        u.display_name
            .clone()
            .or_else(|| u.email.clone())
            .or_else(|| u.wallet.clone())
            .unwrap_or_else(|| u.id.clone())
    });
    let device = describe_user_agent(&session.user_agent);
    view! {
        <tr class:current=own data-testid="session-row">
            <td>{match who {
                Some(who) => view! { <span>{who}</span> }.into_any(),
                None => view! { <span class="guest">{prefs.text(Key::Guest)}</span> }.into_any(),
            }}
            {own.then(|| view! { " " <strong class="badge">{prefs.text(Key::ThisDevice)}</strong> })}</td>
            <td>{match device {
                Some(d) => view! { <span title=session.user_agent.clone()>{d}</span> }.into_any(),
                None => view! { <span>{prefs.text(Key::Unknown)}</span> }.into_any(),
            }}</td>
            <td>{session.ip.clone().unwrap_or_default()}</td>
            <td><time datetime=session.last_activity.clone()>{readable_time(&session.last_activity)}</time></td>
            <td>{session.page_views}</td>
            <td>{(!own).then(|| view! {
                <ActionForm action=end_one>
                    <input type="hidden" name="id" value=session.id.clone() />
                    <button type="submit" class="danger">{prefs.text(Key::SignOut)}</button>
                </ActionForm>
            })}</td>
        </tr>
    }
}

#[component]
fn Stats(stats: SessionStats) -> impl IntoView {
    let prefs = use_prefs();
    let reason = |key: &str| match key {
        "logout" => Some(Key::ReasonLogout),
        "expired" => Some(Key::ReasonExpired),
        "revoked" => Some(Key::ReasonRevoked),
        "evicted" => Some(Key::ReasonEvicted),
        _ => None,
    };
    view! {
        <section class="stats" aria-labelledby="stats-heading">
            <h2 id="stats-heading">{prefs.text(Key::SessionStats)}</h2>
            <dl class="facts">
                <dt>{prefs.text(Key::LiveSessions)}</dt><dd data-testid="stat-live">{stats.live}</dd>
                <dt>{prefs.text(Key::Guests)}</dt><dd>{stats.guests}</dd>
                <dt>{prefs.text(Key::SignedInSessions)}</dt><dd>{stats.signed_in}</dd>
                <dt>{prefs.text(Key::Users)}</dt><dd>{stats.users}</dd>
            </dl>
            <h3>{prefs.text(Key::ByBrowser)}</h3>
            <ul class="by-browser">
                {stats.by_browser.into_iter().map(|(b, n)| view! { <li>{b} ": " {n}</li> }).collect_view()}
            </ul>
            <h3>{prefs.text(Key::EndedLastDay)}</h3>
            <ul class="ended">
                {stats.ended.into_iter().map(|(k, n)| {
                    let label = match reason(&k) {
                        Some(key) => view! { <span>{prefs.text(key)}</span> }.into_any(),
                        None => view! { <code>{k}</code> }.into_any(),
                    };
                    view! { <li>{label} ": " {n}</li> }
                }).collect_view()}
            </ul>
        </section>
    }
}
