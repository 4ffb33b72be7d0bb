//! # Squid
//!
//! A session and personalisation server: sessions for guests and signed-in users on several
//! devices, preferences applied to every page from the server, tracking of what a session
//! visits and does, an audit trail of security events, and the user's rights over their data
//! (consent, export, erasure, retention). One crate, built twice by cargo-leptos: the server
//! (`ssr`) and the browser part that hydrates the pages (`hydrate`).
//!
//! ## Map
//!
//! Arrows point one way: `app` (pages, server functions) and `web::api` (JSON routes) →
//! `web` (adapters) → `domain` (rules and use cases) → `store` (storage).
//!
//! ```text
//! model, error, i18n          shared by server and browser; import nothing else
//! app/        pages, each beside its server functions   ─┐
//! web/api/    JSON routes, one router per resource        ├→ web (Ctx, apply) → domain → store
//! web/        Ctx, middleware, cookies, guard             ─┘
//! domain/     use cases and rules; no HTTP, no Leptos
//! store/      the seam (one trait per area) and its engines (sqlite, postgres, redis)
//! ```
//!
//! Shared by server and browser:
//! - [`model`]: the types that cross the wire: API bodies, the input of every operation
//!   (one type for its JSON body and its server function), server function results, and
//!   the [`model::Outcome`] a form reports in its redirect.
//! - [`error`]: [`error::ApiError`], the one error shape clients see, its
//!   [`error::ErrorCode`] (which decides the status), and the single mapping from domain
//!   errors to it.
//! - [`i18n`]: every string of the pages in English, Spanish, French and German.
//! - [`app`]: the Leptos app: shell, router, navigation, and one module per page holding
//!   the page and the server functions it calls (`app::home`, `app::preferences`,
//!   `app::session`, `app::sign_in`, `app::devices`, `app::privacy`, `app::wallet`,
//!   Sign-In with Ethereum on `/login` and `/devices`, `app::admin_sessions`,
//!   `/admin/sessions`, and `app::dashboard`, the `/admin` analytics, drawn as inline SVG
//!   by `app::charts`, whose arithmetic is `app::charts::scale`); `app::forms` for
//!   what forms share, `app::server` for the one wrapper every server function runs in.
//!
//! Server only (`ssr`):
//! - `config`: the environment variables of `API.md`, validated (`config::WebOrigin`:
//!   `PUBLIC_URL` and the origin comparison of the CSRF rule; `config::parse_trusted`:
//!   `TRUSTED_PROXIES`; `SIWE_CHAIN_IDS` in `config/chains.rs`).
//! - `domain`: the rules and use cases. `domain::visitor` (who is asking, resolved per
//!   request), `domain::auth` (sign-in and out, re-authentication, password change, the
//!   caller's own session; `domain::auth::tokens`, tokens for apps: issuing, refreshing),
//!   `domain::devices`, `domain::oversight` (administrators: everyone's live sessions,
//!   statistics, ending any), `domain::preferences`, `domain::tracking`
//!   (group-commit writer, activity), `domain::session_data` (a session's own values under
//!   keys: versions, limits, sealed with a key from `COOKIE_KEY` in
//!   `domain::session_data::seal`, carried to the session that replaces it at sign-in),
//!   `domain::consent`, `domain::privacy` (export,
//!   erasure), `domain::retention`, `domain::wallet` (Sign-In with Ethereum: nonces,
//!   `domain::wallet::check` for the checks of a signed message, linking a wallet); the
//!   services they share, `domain::sessions` (tokens, expiry, the in-process cache, and
//!   `Sessions::end`, the one way a session ends),
//!   `domain::accounts` (validated input, argon2id, the throttle), `domain::audit`;
//!   `domain::demo` (demo traffic from a seeded RNG: a site graph with drop-offs,
//!   returning users, objectors); and
//!   `domain::types`, the leaf types that cross the storage seam. A use case owns its
//!   transaction and reports what it did (`domain::Happened`).
//! - `store`: one trait per area (`SessionRepo`, `SessionDataRepo`, `HistoryRepo`,
//!   `OversightRepo`, `AccountRepo`,
//!   `AuditRepo`, `ConsentRepo`, `PrivacyRepo`, `RetentionRepo`, `WalletRepo`, `DemoRepo`), reached
//!   through a `Store` that opens transactions; `store::sqlite` fills them over one file,
//!   `store::postgres` over a PostgreSQL database several instances can share, and
//!   `store::open` picks one by `DATABASE_URL`; `store::redis` holds the live sessions
//!   and their data in Redis (`SESSION_STORE_URL`), joined to either SQL engine by `store::split`
//!   (`cli::open_store` puts them together). The schema, triggers included, is in
//!   `migrations/sqlite` and `migrations/postgres`, one to one.
//! - `web`: axum: `web::ctx` (the typed request context and the one place a use case's
//!   report becomes cookies), `web::api` (one router per resource, `web::api::extract`
//!   for typed bodies), `web::visitor` (the middleware that resolves the visitor and
//!   records page views), `web::forwarded` (the client's address behind
//!   `TRUSTED_PROXIES`), `web::guard` (CSRF, cache and security headers, the CSP),
//!   `web::session_store` (tower-sessions as the cookie's carrier), `web::bearer`
//!   (`Authorization: Bearer`, an app's token in place of the cookie), `web::cookies`,
//!   `web::server_fns` (server functions answer malformed input as the routes do),
//!   `web::conn` (the accept loop: timeouts, graceful shutdown, keep-alive after refusals;
//!   the catch-panic layer's handler is `web::guard::panicked`).
//! - `cli`: the `squid` command line (`serve`, `migrate`, `purge`, `admin grant|revoke`,
//!   `demo`: realistic, reproducible traffic drawn by `domain::demo`, written in bulk
//!   through `store::DemoRepo`).

pub mod app;
pub mod error;
pub mod i18n;
pub mod model;

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod domain;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod web;

/// The browser's entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
