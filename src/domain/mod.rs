//! Squid's rules, free of HTTP and Leptos: what a session is and when it ends, what
//! preferences are valid, what tracking records. Adapters (`web`, `app`) call these;
//! the SQL behind them lives in `store`.
//!
//! Every function that depends on the time takes `now` as an argument, so tests can move
//! the clock without sleeping.

pub mod accounts;
pub mod audit;
pub mod consent;
pub mod preferences;
pub mod privacy;
pub mod retention;
pub mod session_cache;
pub mod sessions;
pub mod tracking;

/// Milliseconds since the Unix epoch, UTC. Times are stored and compared as these.
pub type Millis = i64;

/// The current time in [`Millis`].
pub fn now_millis() -> Millis {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970");
    now.as_millis() as Millis
}

/// Formats a time as the contract wants it: RFC 3339, UTC, milliseconds
/// (`2026-11-22T10:15:30.123Z`).
pub fn rfc3339(ms: Millis) -> String {
    const FORMAT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(FORMAT).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_string())
}

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
    /// Input that is not understood at all.
    #[error("{0}")]
    BadRequest(String),
    /// The operation needs a live session and there is none.
    #[error("no live session")]
    NoSession,
    /// The thing asked for does not exist (or is not the caller's).
    #[error("{0} not found")]
    NotFound(&'static str),
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
    /// Too many failed sign-ins for one email; retry after this many seconds.
    #[error("rate limited for {0} s")]
    RateLimited(u64),
    /// Signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// The storage behind the domain failed; the detail is for the log only.
    #[error("storage unavailable: {0}")]
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Unavailable(Box::new(e))
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

/// Which page of a list to return (`?page=1&perPage=20`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pagination {
    pub page: u32,
    pub per_page: u32,
}

impl Default for Pagination {
    fn default() -> Self {
        Pagination {
            page: 1,
            per_page: 20,
        }
    }
}

impl Pagination {
    pub const MAX_PER_PAGE: u32 = 100;

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

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// Oldest first (`asc`, the default) or newest first (`desc`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    Asc,
    Desc,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_has_milliseconds_and_z() {
        assert_eq!(rfc3339(1_795_342_530_123), "2026-11-22T10:15:30.123Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    }

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
