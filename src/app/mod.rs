//! The Leptos app: the HTML shell, the router and the navigation. Pages live in [`pages`];
//! the server functions they call live in [`server_fns`].
//!
//! Theme and language come from the server in the very first response: the shell writes
//! them on `<html>` from the request's `Visitor`, and the browser, when it hydrates, reads
//! them back from there, so both sides render the same thing without another round trip.

pub mod pages;
pub mod server_fns;

use crate::i18n::{t, Key};
use crate::model::{Language, Preferences};
#[cfg(not(feature = "ssr"))]
use crate::model::{Notifications, Theme};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment};
use pages::{HomePage, NotFound, PreferencesPage, SessionPage};

/// The app's pages: path and the name a visit is recorded under.
pub const PAGES: &[(&str, &str)] = &[
    ("/", "home"),
    ("/preferences", "preferences"),
    ("/session", "session"),
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

/// The preferences this render starts from.
fn initial_prefs() -> Preferences {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .extensions
                    .get::<crate::web::Visitor>()
                    .map(|v| v.prefs)
            })
            .unwrap_or_default()
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

/// The document title in `lang`.
fn page_title(lang: Language) -> String {
    format!("Squid · {}", t(lang, Key::HomeTitle))
}

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let prefs = initial_prefs();
    view! {
        <!DOCTYPE html>
        <html
            lang=prefs.language.code()
            data-theme=prefs.theme.as_str()
            data-notifications=prefs.notifications.as_str()
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
            <main id="main">
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("preferences") view=PreferencesPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("session") view=SessionPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// The navigation on every page. Links load pages from the server (`rel="external"`), so
/// every page visit is recorded the same way with or without JavaScript.
#[component]
fn Nav() -> impl IntoView {
    let prefs = use_prefs();
    view! {
        <nav aria-label=prefs.text(Key::NavLabel)>
            <a class="brand" href="/" rel="external">"Squid"</a>
            <a href="/" rel="external">{prefs.text(Key::NavHome)}</a>
            <a href="/preferences" rel="external">{prefs.text(Key::NavPreferences)}</a>
            <a href="/session" rel="external">{prefs.text(Key::NavSession)}</a>
        </nav>
    }
}
