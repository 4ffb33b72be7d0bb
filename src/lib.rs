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
//! Shared by server and browser:
//! - [`model`]: the types that cross the wire (API bodies, server function results).
//! - [`error`]: [`error::ApiError`], the one error shape clients see, and the single
//!   mapping from domain errors to it.
//! - [`i18n`]: every string of the pages in English, Spanish, French and German.
//! - [`app`]: the Leptos app: shell, router, navigation, pages ([`app::pages`], the
//!   account pages in [`app::account`], the privacy page and consent prompt in
//!   [`app::privacy`]) and the server functions they call ([`app::server_fns`]).
//!
//! Server only (`ssr`):
//! - `config`: the environment variables of `API.md`, validated.
//! - `domain`: the rules, knowing nothing of HTTP: `domain::sessions` (tokens, hashes,
//!   expiry, life cycle, a user's devices, the cap), `domain::session_cache` (live sessions
//!   kept in-process, with tombstones), `domain::accounts` (validation, argon2id hashing,
//!   the sign-in throttle, roles), `domain::audit` (security events),
//!   `domain::preferences` (defaults, validation, cookie form), `domain::tracking` (page
//!   views and actions through a group-commit writer, activity), `domain::consent`
//!   (consent records under a policy version), `domain::privacy` (the export and
//!   erasure), `domain::retention` (deleting what is older than `DATA_RETENTION_DAYS`).
//! - `store`: all SQL, one module per store (`store::sessions`, `store::users`,
//!   `store::audit`, `store::tracking`, `store::consent`, `store::privacy`,
//!   `store::retention`), over one SQLite file (`store::Db`: a primary connection and a
//!   reports pool); the schema, triggers included, is in `migrations/`.
//! - `web`: axum: `web::api` (the JSON routes), `web::ops` (the operations both the
//!   routes and the server functions call), `web::visitor` (who is asking: session,
//!   account and preferences), `web::guard` (CSRF, cache and security headers, the
//!   Content-Security-Policy), `web::session_store` (our tower-sessions store),
//!   `web::cookies` (the signed preferences cookie).
//! - `cli`: the `squid` command line (`serve`, `migrate`, `purge`, `admin grant|revoke`).

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
