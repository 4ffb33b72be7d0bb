//! The Leptos app: the HTML shell, the router and the navigation. Each page lives beside
//! the server functions it calls: [`home`], [`preferences`], [`session`], [`sign_in`]
//! (`/register`, `/login`, sign-out), [`devices`], [`privacy`] (with the consent prompt).
//! [`dashboard`] (`/admin`, drawn by [`charts`]), [`admin_sessions`] (`/admin/sessions`).
//! [`forms`] holds what the pages share about forms; `server` (server only) is the one
//! wrapper every server function runs its body in.
//!
//! Theme and language come from the server in the very first response: the shell writes
//! them on `<html>` from the request's `Visitor`, and the browser, when it hydrates, reads
//! them back from there, so both sides render the same thing without another round trip.

pub mod admin_sessions;
pub mod charts;
pub mod dashboard;
pub mod devices;
pub mod forms;
pub mod home;
pub mod preferences;
pub mod privacy;
#[cfg(feature = "ssr")]
pub mod server;
pub mod session;
pub mod sign_in;
pub mod wallet;

use crate::i18n::{t, DashKey, Key};
use crate::model::{Language, Preferences};
#[cfg(not(feature = "ssr"))]
use crate::model::{Notifications, Theme};
use admin_sessions::AdminSessionsPage;
use dashboard::DashboardPage;
use devices::DevicesPage;
use home::{HomePage, NotFound};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment};
use preferences::PreferencesPage;
use privacy::{ConsentPrompt, PrivacyPage};
use session::SessionPage;
use sign_in::{LoginPage, Logout, RegisterPage};

/// The app's pages: path and the name a visit is recorded under.
pub const PAGES: &[(&str, &str)] = &[
    ("/", "home"),
    ("/preferences", "preferences"),
    ("/session", "session"),
    ("/register", "register"),
    ("/login", "login"),
    ("/devices", "devices"),
    ("/privacy", "privacy"),
    ("/admin", "admin"),
    ("/admin/sessions", "admin_sessions"),
];

/// The recorded name of the page at `path`, if it is one of the app's pages.
pub fn page_name(path: &str) -> Option<&'static str> {
    PAGES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, name)| *name)
}

/// The visitor's preferences, shared by every component; a saved change updates it.
#[derive(Clone, Copy)]
pub struct Prefs(pub RwSignal<Preferences>);

impl Prefs {
    pub fn lang(&self) -> Language {
        self.0.get().language
    }

    /// A reactive translation of `key`.
    pub fn text(self, key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || t(self.0.get().language, key)
    }
}

pub fn use_prefs() -> Prefs {
    expect_context::<Prefs>()
}

/// On the server: reads the request's visitor (none outside a request).
#[cfg(feature = "ssr")]
fn with_visitor<T>(read: impl FnOnce(&crate::domain::visitor::Visitor) -> T) -> Option<T> {
    use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<crate::domain::visitor::Visitor>()
            .map(read)
    })
}

/// The preferences this render starts from.
fn initial_prefs() -> Preferences {
    #[cfg(feature = "ssr")]
    {
        with_visitor(|v| v.prefs).unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        // In the browser: what the server wrote on <html>.
        let root = document().document_element();
        let attr = |name: &str| {
            root.as_ref()
                .and_then(|r| r.get_attribute(name))
                .unwrap_or_default()
        };
        Preferences {
            theme: if attr("data-theme") == "dark" {
                Theme::Dark
            } else {
                Theme::Light
            },
            notifications: if attr("data-notifications") == "disabled" {
                Notifications::Disabled
            } else {
                Notifications::Enabled
            },
            language: Language::parse(&attr("lang")).unwrap_or_default(),
            ..Preferences::default()
        }
    }
}

/// Who is signed in: the name to show (display name, else email), or `None` for a guest.
#[derive(Clone, Copy)]
pub struct Me(pub RwSignal<Option<String>>);

pub fn use_me() -> Me {
    expect_context::<Me>()
}

/// The signed-in user this render starts from: on the server from the request's visitor,
/// in the browser from `<html data-user>`, which the server wrote.
fn initial_user() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        with_visitor(|v| v.account.as_ref().map(|a| a.label())).flatten()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|r| r.get_attribute("data-user"))
            .filter(|u| !u.is_empty())
    }
}

/// Whether the signed-in user is an administrator (the nav then links the dashboard): on
/// the server from the request's visitor, in the browser from `<html data-admin>`.
fn initial_admin() -> bool {
    #[cfg(feature = "ssr")]
    {
        with_visitor(|v| v.account.as_ref().is_some_and(|a| a.role == "admin")).unwrap_or(false)
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|r| r.get_attribute("data-admin"))
            .is_some_and(|v| v == "true")
    }
}

/// The consent policy version a signed-in user has yet to make their choices under, or
/// `None` when nothing is due (and for guests). While it is `Some`, every page asks.
#[derive(Clone, Copy)]
pub struct ConsentDue(pub RwSignal<Option<String>>);

pub fn use_consent_due() -> ConsentDue {
    expect_context::<ConsentDue>()
}

/// On the server from the request's visitor, in the browser from `<html data-consent-due>`.
fn initial_consent_due() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let state = use_context::<crate::web::AppState>()?;
        with_visitor(|v| v.consent_due)
            .filter(|due| *due)
            .map(|_| state.domain.consents.policy_version().to_string())
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|r| r.get_attribute("data-consent-due"))
            .filter(|v| !v.is_empty())
    }
}

/// Loads `path` from the server (after a sign-in or sign-out the whole page changes).
#[cfg(feature = "hydrate")]
pub fn reload_to(path: &str) {
    let _ = window().location().assign(path);
}

/// The document title in `lang`.
fn page_title(lang: Language) -> String {
    format!("Squid · {}", t(lang, Key::HomeTitle))
}

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let prefs = initial_prefs();
    let user = initial_user();
    let consent_due = initial_consent_due();
    // The page's Content-Security-Policy, with this render's nonce, which leptos_axum puts
    // on the hydration scripts.
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        let nonce = leptos::nonce::use_nonce();
        let csp = crate::web::guard::page_csp(nonce.as_deref());
        if let Ok(value) = http::HeaderValue::from_str(&csp) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    view! {
        <!DOCTYPE html>
        <html
            lang=prefs.language.code()
            data-theme=prefs.theme.as_str()
            data-notifications=prefs.notifications.as_str()
            data-user=user.unwrap_or_default()
            data-consent-due=consent_due.unwrap_or_default()
            data-admin=initial_admin().then_some("true")
        >
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let prefs = Prefs(RwSignal::new(initial_prefs()));
    provide_context(prefs);
    provide_context(Me(RwSignal::new(initial_user())));
    provide_context(ConsentDue(RwSignal::new(initial_consent_due())));

    // Mark the page as interactive, for people's scripts and our browser tests alike.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    // After a change saved without a reload, keep <html> in step.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let p = prefs.0.get();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", p.language.code());
            let _ = root.set_attribute("data-theme", p.theme.as_str());
            let _ = root.set_attribute("data-notifications", p.notifications.as_str());
        }
        document().set_title(&page_title(p.language));
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/squid.css" />
        // A plain string, not a closure: leptos_axum reads the title after rendering, outside
        // the reactive owner, where reading a signal panics. The browser keeps it in step below.
        <Title text=page_title(prefs.0.get_untracked().language) />
        <Router>
            <Nav />
            <ConsentPrompt />
            <main id="main">
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("preferences") view=PreferencesPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("session") view=SessionPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("register") view=RegisterPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("devices") view=DevicesPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("privacy") view=PrivacyPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("admin") view=DashboardPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("admin"), StaticSegment("sessions")) view=AdminSessionsPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// The navigation on every page. Links load pages from the server (`rel="external"`), so
/// every page visit is recorded the same way with or without JavaScript. Guests get
/// "Sign in" and "Create account"; a signed-in user gets "Devices", "Privacy" and a
/// "Sign out" button; an administrator also "Dashboard".
#[component]
fn Nav() -> impl IntoView {
    let prefs = use_prefs();
    let me = use_me();
    let logout = ServerAction::<Logout>::new();
    // With JavaScript: once signed out, load the home page afresh.
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            #[cfg(feature = "hydrate")]
            reload_to("/?signed_out=1");
        }
    });
    let user = me.0.get_untracked();
    let admin = initial_admin();
    view! {
        <nav aria-label=prefs.text(Key::NavLabel)>
            <a class="brand" href="/" rel="external">"Squid"</a>
            <a href="/" rel="external">{prefs.text(Key::NavHome)}</a>
            <a href="/preferences" rel="external">{prefs.text(Key::NavPreferences)}</a>
            <a href="/session" rel="external">{prefs.text(Key::NavSession)}</a>
            {match user {
                Some(name) => view! {
                    <a href="/devices" rel="external">{prefs.text(Key::NavDevices)}</a>
                    <a href="/privacy" rel="external">{prefs.text(Key::NavPrivacy)}</a>
                    {admin.then(|| view! {
                        <a href="/admin" rel="external">{prefs.text(DashKey::NavDashboard.into())}</a>
                    })}
                    <span class="me">
                        <span class="who">{prefs.text(Key::SignedInAs)} " " <strong>{name}</strong></span>
                        <ActionForm action=logout attr:class="inline">
                            <button type="submit">{prefs.text(Key::SignOut)}</button>
                        </ActionForm>
                    </span>
                }
                    .into_any(),
                None => view! {
                    <span class="me">
                        <a href="/login" rel="external">{prefs.text(Key::NavSignIn)}</a>
                        <a href="/register" rel="external">{prefs.text(Key::NavRegister)}</a>
                    </span>
                }
                    .into_any(),
            }}
        </nav>
    }
}
