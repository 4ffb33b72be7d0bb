//! Squid's rules and use cases, free of HTTP and Leptos. Adapters (`web`, `app`) parse input
//! and apply what a use case reports; storage is reached only through the `store` seam.
//!
//! - The caller: [`visitor`] (who is asking, resolved once per request: session, account,
//!   preferences) and [`Happened`] (what a use case did that the edge must carry out: a new
//!   token for the cookie, or none; the preferences cookie).
//! - Use cases, each owning its transaction: [`auth`] (register, sign in and out,
//!   re-authentication, password change), [`session_data`] (a session's own values,
//!   sealed, carried to the session that replaces it), [`devices`] (a user's sessions, revoking them),
//!   [`oversight`] (administrators: everyone's sessions, statistics, ending any),
//!   [`analytics`] (each visitor's own figures and journeys), [`insights`] (everyone's
//!   figures for administrators: the admin analytics and the dashboard),
//!   [`preferences`], [`tracking`] (page views and actions through a group-commit writer,
//!   the activity feed), [`consent`], [`privacy`] (export and erasure), [`retention`],
//!   [`demo`] (realistic, reproducible demo traffic in bulk, for `squid demo`).
//! - Services they share: [`sessions`] (tokens, expiry, the in-process cache, and
//!   [`sessions::Sessions::end`], the one way a session ends), [`accounts`] (validated
//!   input, argon2id hashing, the sign-in throttle), [`audit`].
//! - [`types`]: the leaf types that cross the storage seam, re-exported here.
//!
//! Time comes in as `now` (read once per request from the application's [`Clock`]), so
//! tests move the clock instead of sleeping.

pub mod accounts;
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod consent;
pub mod demo;
pub mod devices;
pub mod insights;
pub mod oversight;
pub mod preferences;
pub mod privacy;
pub mod retention;
pub mod session_data;
pub mod sessions;
pub mod tracking;
pub mod types;
pub mod visitor;
pub mod wallet;

pub use types::{
    rfc3339, AgentHash, AuditEvent, AuditKind, Clock, EndReason, Millis, Order, Origin, Pagination,
    Scope, SessionPolicy, SessionRecord, TokenHash,
};

use crate::model::Preferences;
use crate::store::{Conn, Store, StoreError};
use std::sync::Arc;

/// What can go wrong in the domain. The web layer maps each variant to one status and
/// code, once, in `crate::error`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule; `field` names the culprit when there is one.
    #[error("{message}")]
    Validation {
        field: Option<String>,
        message: String,
    },
    /// The operation needs a live session and there is none.
    #[error("no live session")]
    NoSession,
    /// The thing asked for does not exist (or is not the caller's).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The signed-in user may not do this (an administrator's operation).
    #[error("forbidden")]
    Forbidden,
    /// The operation needs a signed-in user and the visitor is a guest.
    #[error("not signed in")]
    Unauthenticated,
    /// Sign-in failed: unknown email or wrong password, deliberately indistinguishable.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// A sensitive operation without a recent sign-in, or a wrong password to confirm one.
    #[error("re-authentication required")]
    ReauthenticationRequired,
    /// Registration with an email that already has an account.
    #[error("email taken")]
    EmailTaken,
    /// A Sign-In with Ethereum proof failed a check (which one is not told).
    #[error("signed message refused")]
    WalletRefused,
    /// Linking a wallet that another account has.
    #[error("wallet taken")]
    WalletTaken,
    /// A conditional write whose condition does not hold (`If-Match`, `If-None-Match`).
    #[error("precondition failed")]
    PreconditionFailed,
    /// A write beyond a size limit; the message names the limit.
    #[error("{0}")]
    TooLarge(&'static str),
    /// Too many failed sign-ins for one email; retry after this many seconds.
    #[error("rate limited for {0} s")]
    RateLimited(u64),
    /// The storage behind the domain failed; the detail is for the log only.
    #[error("storage unavailable: {0}")]
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Unavailable(e.0)
    }
}

impl Error {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Validation {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A time given as RFC 3339 (as the API writes them), in milliseconds; `field` names it in
/// the error.
pub fn parse_rfc3339(field: &str, raw: &str) -> Result<Millis> {
    let parsed = time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
        .map_err(|_| Error::invalid(field, format!("{field} must be an RFC 3339 time")))?;
    Ok((parsed.unix_timestamp_nanos() / 1_000_000) as Millis)
}

/// A field an input must have, or `"<field> is required"` naming it. (Inputs keep every
/// field optional, so a missing one is refused by the same rules as a wrong one.)
pub fn required<T>(field: &str, value: Option<T>) -> Result<T> {
    value.ok_or_else(|| Error::invalid(field, format!("{field} is required")))
}

impl Pagination {
    /// Validates the raw query values: `page` >= 1, `perPage` in 1..=100; absent means default.
    pub fn parse(page: Option<&str>, per_page: Option<&str>) -> Result<Self> {
        let page = match page {
            None => 1,
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => return Err(Error::invalid("page", "page must be a whole number >= 1")),
            },
        };
        let per_page = match per_page {
            None => 20,
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if (1..=Self::MAX_PER_PAGE).contains(&n) => n,
                _ => {
                    return Err(Error::invalid(
                        "perPage",
                        "perPage must be a whole number from 1 to 100",
                    ))
                }
            },
        };
        Ok(Pagination { page, per_page })
    }
}

impl Order {
    pub fn parse(raw: Option<&str>) -> Result<Self> {
        match raw {
            None | Some("asc") => Ok(Order::Asc),
            Some("desc") => Ok(Order::Desc),
            Some(_) => Err(Error::invalid("order", "order must be \"asc\" or \"desc\"")),
        }
    }
}

/// What a use case did that the edge must carry out, and what it wrote, so adapters apply
/// it in one place and tests can check it.
#[derive(Debug, Default)]
pub struct Happened {
    /// What the session cookie carries from now on.
    pub session: SessionChange,
    /// The preferences cookie.
    pub prefs_cookie: PrefsCookie,
    /// Every session this use case ended (the caller's own included).
    pub ended: Vec<sessions::Ended>,
    /// What it wrote to the audit trail.
    pub audited: Vec<AuditKind>,
}

impl Happened {
    /// Writes `event` in `tx` and notes it.
    pub async fn audit(&mut self, tx: &mut dyn Conn, event: AuditEvent) -> Result<()> {
        tx.insert_audit(&event).await?;
        self.audited.push(event.kind);
        Ok(())
    }

    /// Notes sessions that [`sessions::Sessions::end`] ended, and what it audited of them.
    pub fn ended(&mut self, ended: Vec<sessions::Ended>) {
        self.audited.extend(ended.iter().filter_map(|e| e.audited));
        self.ended.extend(ended);
    }
}

/// What the session cookie must carry after a use case.
#[derive(Debug, Default)]
pub enum SessionChange {
    /// Whatever it carried.
    #[default]
    Kept,
    /// The token of a session that has just started.
    Started(sessions::Token),
    /// Nothing: the caller's session ended (or was never one of ours); expire the cookie.
    Ended,
}

/// What to do with the preferences cookie after a use case.
#[derive(Debug, Default, PartialEq, Eq)]
pub enum PrefsCookie {
    #[default]
    Kept,
    /// Rewrite it to hold these.
    Write(Preferences),
    /// Remove it (after an erasure).
    Remove,
}

/// The rules' settings, from the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub policy: SessionPolicy,
    pub max_sessions_per_user: usize,
    /// `REAUTH_WINDOW_SECS`, in milliseconds.
    pub reauth_window: Millis,
    pub admin_emails: Vec<String>,
    pub consent_policy_version: String,
    pub retention_days: u32,
    /// `SIWE_CHAIN_IDS`: never empty.
    pub siwe_chain_ids: Vec<u64>,
    /// What session data is sealed with (derived from `COOKIE_KEY`).
    pub seal_key: session_data::seal::SealKey,
}

/// Every service of the domain over one store. Cheap to clone (handles only).
#[derive(Clone, Debug)]
pub struct Services {
    pub store: Arc<dyn Store>,
    pub sessions: sessions::Sessions,
    pub data: session_data::SessionData,
    pub visitors: visitor::Visitors,
    pub auth: auth::Auth,
    pub devices: devices::Devices,
    pub accounts: accounts::Accounts,
    pub preferences: preferences::PreferencesService,
    pub tracking: tracking::Tracking,
    pub audit: audit::Audit,
    pub consents: consent::Consents,
    pub privacy: privacy::Privacy,
    pub retention: retention::Retention,
    pub wallets: wallet::Wallets,
    pub oversight: oversight::Oversight,
    pub analytics: analytics::Analytics,
    pub insights: insights::Insights,
}

impl Services {
    /// Builds every service (and starts the event writer: needs a Tokio runtime).
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Services {
        let sessions = sessions::Sessions::new(store.clone(), settings.policy);
        let accounts = accounts::Accounts::new(store.clone(), settings.admin_emails.clone());
        let consents = consent::Consents::new(store.clone(), &settings.consent_policy_version);
        let data = session_data::SessionData::new(store.clone(), settings.seal_key.clone());
        let auth = auth::Auth::new(
            store.clone(),
            sessions.clone(),
            accounts.clone(),
            data.clone(),
            settings.max_sessions_per_user,
        );
        Services {
            visitors: visitor::Visitors::new(
                store.clone(),
                sessions.clone(),
                accounts.clone(),
                consents.clone(),
            ),
            devices: devices::Devices::new(
                store.clone(),
                sessions.clone(),
                auth.clone(),
                settings.reauth_window,
            ),
            preferences: preferences::PreferencesService::new(store.clone()),
            tracking: tracking::Tracking::new(store.clone(), auth.clone(), settings.policy),
            privacy: privacy::Privacy::new(
                store.clone(),
                sessions.clone(),
                accounts.clone(),
                consents.clone(),
                data.clone(),
                settings.reauth_window,
            ),
            retention: retention::Retention::new(store.clone(), settings.retention_days),
            wallets: wallet::Wallets::new(
                store.clone(),
                auth.clone(),
                accounts.clone(),
                &settings.siwe_chain_ids,
                settings.reauth_window,
            ),
            oversight: oversight::Oversight::new(
                store.clone(),
                sessions.clone(),
                accounts.clone(),
                settings.reauth_window,
            ),
            analytics: analytics::Analytics::new(store.clone()),
            insights: insights::Insights::new(store.clone()),
            audit: audit::Audit::new(store.clone()),
            store,
            sessions,
            data,
            auth,
            accounts,
            consents,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_accepts_the_contract_range_and_names_the_culprit() {
        assert_eq!(
            Pagination::parse(None, None).unwrap(),
            Pagination {
                page: 1,
                per_page: 20
            }
        );
        assert_eq!(
            Pagination::parse(Some("3"), Some("100")).unwrap().offset(),
            200
        );
        for (page, per_page, field) in [
            (Some("0"), None, "page"),
            (Some("-1"), None, "page"),
            (Some("x"), None, "page"),
            (None, Some("0"), "perPage"),
            (None, Some("101"), "perPage"),
            (None, Some("2.5"), "perPage"),
        ] {
            match Pagination::parse(page, per_page) {
                Err(Error::Validation { field: Some(f), .. }) => assert_eq!(f, field),
                other => panic!("{page:?}/{per_page:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn order_is_asc_unless_desc() {
        assert_eq!(Order::parse(None).unwrap(), Order::Asc);
        assert_eq!(Order::parse(Some("desc")).unwrap(), Order::Desc);
        assert!(Order::parse(Some("DESC")).is_err());
    }
}
