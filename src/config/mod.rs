//! Configuration from the environment, exactly as `API.md` lists it. Every bad value stops
//! the server with one line naming the variable ([`ConfigError`]).

mod chains;
mod proxies;
mod public_url;

use base64::Engine;
pub use proxies::parse_trusted;
pub use public_url::WebOrigin;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A configuration problem: which variable, and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn bad(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

/// `CONSENT_POLICY_VERSION`: default `1`; up to 64 letters, digits, `.`, `-` or `_`
/// (`2026-11`, `v3.1`), since it is shown to users and kept with every consent record.
fn policy_version(value: Option<String>) -> Result<String, ConfigError> {
    let Some(v) = value else {
        return Ok("1".to_string());
    };
    let fine = v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if fine {
        Ok(v)
    } else {
        Err(bad(
            "CONSENT_POLICY_VERSION",
            format!("\"{v}\" is not a version such as 2 or 2026-11 (letters, digits, '.', '-', '_'; 64 at most)"),
        ))
    }
}

/// Where the key that signs the preferences cookie comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CookieKeySource {
    /// `COOKIE_KEY`, decoded.
    Given(Vec<u8>),
    /// Development without `COOKIE_KEY`: a key generated once and kept in this file.
    File(PathBuf),
}

#[derive(Clone, Debug)]
pub struct Config {
    pub site_addr: SocketAddr,
    pub database_url: String,
    /// The Redis that holds the sessions; `None`: they live in the database above.
    pub session_store_url: Option<String>,
    pub production: bool,
    pub cookie_key: CookieKeySource,
    pub idle_timeout_secs: u64,
    pub absolute_timeout_secs: u64,
    pub max_sessions_per_user: u32,
    pub data_retention_days: u32,
    pub admin_emails: Vec<String>,
    pub reauth_window_secs: u64,
    /// The version of the consent policy in force; a new one asks every user again.
    pub consent_policy_version: String,
    /// `PUBLIC_URL`'s origin; `None`: each request's own scheme and `Host`.
    pub public_origin: Option<WebOrigin>,
    /// `TRUSTED_PROXIES`: the balancers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `SIWE_CHAIN_IDS`: the EIP-155 chain ids a Sign-In with Ethereum message may name.
    pub siwe_chain_ids: Vec<u64>,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `get`, so tests need not touch the real environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let site_addr = match var("LEPTOS_SITE_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(v) => v.parse().map_err(|_| {
                bad(
                    "LEPTOS_SITE_ADDR",
                    format!("\"{v}\" is not an address such as 127.0.0.1:3000"),
                )
            })?,
        };

        let production = match var("APP_ENV").as_deref() {
            None | Some("development") => false,
            Some("production") => true,
            Some(other) => {
                return Err(bad(
                    "APP_ENV",
                    format!("\"{other}\" is neither \"development\" nor \"production\""),
                ))
            }
        };

        let database_url = var("DATABASE_URL").unwrap_or_else(|| "sqlite://squid.db".to_string());
        check_scheme("DATABASE_URL", &database_url, DATABASE_SCHEMES)?;
        let session_store_url = session_store(var("SESSION_STORE_URL"), &database_url)?;

        let cookie_key = match var("COOKIE_KEY") {
            Some(v) => CookieKeySource::Given(decode_key(&v)?),
            None if production => {
                return Err(bad(
                    "COOKIE_KEY",
                    "required when APP_ENV=production: give at least 64 random bytes, base64-encoded (e.g. `openssl rand -base64 64`)",
                ))
            }
            None => CookieKeySource::File(key_file_beside(&database_url)),
        };

        Ok(Config {
            site_addr,
            database_url,
            session_store_url,
            production,
            cookie_key,
            idle_timeout_secs: positive(&var, "SESSION_IDLE_TIMEOUT_SECS", 1800)?,
            absolute_timeout_secs: positive(&var, "SESSION_ABSOLUTE_TIMEOUT_SECS", 86_400)?,
            max_sessions_per_user: positive(&var, "MAX_SESSIONS_PER_USER", 10)? as u32,
            data_retention_days: positive(&var, "DATA_RETENTION_DAYS", 90)? as u32,
            admin_emails: var("ADMIN_EMAILS")
                .map(|v| {
                    v.split(',')
                        .map(|e| e.trim().to_lowercase())
                        .filter(|e| !e.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            reauth_window_secs: positive(&var, "REAUTH_WINDOW_SECS", 900)?,
            consent_policy_version: policy_version(var("CONSENT_POLICY_VERSION"))?,
            public_origin: var("PUBLIC_URL")
                .map(|v| WebOrigin::from_public_url(&v))
                .transpose()?,
            trusted_proxies: parse_trusted(&var("TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|e| bad("TRUSTED_PROXIES", e))?,
            siwe_chain_ids: chains::chain_ids(var("SIWE_CHAIN_IDS"))?,
        })
    }

    /// What the rules need of the configuration.
    /// The rules' settings; session data is sealed with a key derived from `cookie_key`.
    pub fn settings(&self, cookie_key: &cookie::Key) -> crate::domain::Settings {
        crate::domain::Settings {
            seal_key: crate::domain::session_data::seal::SealKey::derive(cookie_key.master()),
            policy: self.policy(),
            max_sessions_per_user: self.max_sessions_per_user as usize,
            reauth_window: self.reauth_window_secs as i64 * 1000,
            admin_emails: self.admin_emails.clone(),
            consent_policy_version: self.consent_policy_version.clone(),
            retention_days: self.data_retention_days,
            siwe_chain_ids: self.siwe_chain_ids.clone(),
        }
    }

    /// The session timeouts.
    pub fn policy(&self) -> crate::domain::SessionPolicy {
        crate::domain::SessionPolicy {
            idle: self.idle_timeout_secs as i64 * 1000,
            absolute: self.absolute_timeout_secs as i64 * 1000,
        }
    }

    /// The session cookie's name in this environment.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.production {
            "__Host-squid_session"
        } else {
            "squid_session"
        }
    }

    /// The preferences cookie's name in this environment.
    pub fn prefs_cookie_name(&self) -> &'static str {
        if self.production {
            "__Host-squid_prefs"
        } else {
            "squid_prefs"
        }
    }
}

/// The engines `DATABASE_URL` can name.
const DATABASE_SCHEMES: &[&str] = &["sqlite:", "postgres://", "postgresql://"];

fn check_scheme(var: &'static str, url: &str, allowed: &[&str]) -> Result<(), ConfigError> {
    if allowed.iter().any(|scheme| url.starts_with(scheme)) {
        Ok(())
    } else if url.starts_with("redis://") || url.starts_with("rediss://") {
        Err(bad(
            var,
            format!(
                "\"{}\" can hold sessions only: set SESSION_STORE_URL to it and DATABASE_URL to sqlite://PATH or postgres://…",
                scheme_of(url)
            ),
        ))
    } else {
        Err(bad(
            var,
            format!("unknown scheme in \"{url}\"; use sqlite://PATH or postgres://…"),
        ))
    }
}

/// `SESSION_STORE_URL`: a Redis, or the database itself (the same as unset).
fn session_store(url: Option<String>, database_url: &str) -> Result<Option<String>, ConfigError> {
    const VAR: &str = "SESSION_STORE_URL";
    let Some(url) = url else { return Ok(None) };
    if url == database_url {
        return Ok(None);
    }
    if url.starts_with("rediss://") {
        return Err(bad(
            VAR,
            "rediss:// (TLS) is not supported by this build; use redis:// on a private network, or a TLS tunnel to the server",
        ));
    }
    if url.starts_with("redis://") {
        return match url::Url::parse(&url) {
            Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => Ok(Some(url)),
            _ => Err(bad(
                VAR,
                format!("\"{url}\" is not a Redis URL like redis://HOST:PORT/DB"),
            )),
        };
    }
    Err(bad(
        VAR,
        "sessions live in DATABASE_URL (leave this unset) or in Redis (redis://HOST:PORT/DB)",
    ))
}

fn scheme_of(url: &str) -> &str {
    url.split("://").next().unwrap_or(url)
}

fn positive(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => match v.parse::<u64>() {
            Ok(0) => Err(bad(name, "must be greater than 0")),
            Ok(n) if n <= u64::from(u32::MAX) => Ok(n),
            _ => Err(bad(
                name,
                format!("\"{v}\" is not a whole number of at most {}", u32::MAX),
            )),
        },
    }
}

fn decode_key(value: &str) -> Result<Vec<u8>, ConfigError> {
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let bytes = engines
        .iter()
        .find_map(|e| e.decode(value).ok())
        .ok_or_else(|| bad("COOKIE_KEY", "is not valid base64"))?;
    if bytes.len() < 64 {
        return Err(bad(
            "COOKIE_KEY",
            format!("must decode to at least 64 bytes, got {}", bytes.len()),
        ));
    }
    Ok(bytes)
}

/// `sqlite://data/squid.db` keeps its key in `data/squid.db.cookie-key`; an in-memory
/// database keeps it in the working directory.
fn key_file_beside(database_url: &str) -> PathBuf {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
        .filter(|p| !p.is_empty() && !p.contains(":memory:"));
    match path {
        Some(p) => PathBuf::from(format!("{p}.cookie-key")),
        None => PathBuf::from("squid.cookie-key"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(move |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_match_the_contract() {
        let c = load(&[]).unwrap();
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, "sqlite://squid.db");
        assert_eq!(
            (c.idle_timeout_secs, c.absolute_timeout_secs),
            (1800, 86_400)
        );
        assert_eq!(
            (
                c.max_sessions_per_user,
                c.data_retention_days,
                c.reauth_window_secs
            ),
            (10, 90, 900)
        );
        assert!(!c.production);
        assert_eq!(
            c.cookie_key,
            CookieKeySource::File("squid.db.cookie-key".into())
        );
        assert_eq!(c.session_cookie_name(), "squid_session");
        assert_eq!(c.consent_policy_version, "1");
        assert_eq!(c.siwe_chain_ids, vec![1]);
        assert_eq!(
            load(&[("CONSENT_POLICY_VERSION", "2026-11")])
                .unwrap()
                .consent_policy_version,
            "2026-11"
        );
    }

    #[test]
    fn every_bad_value_names_its_variable() {
        for (pairs, var) in [
            (
                vec![("SESSION_IDLE_TIMEOUT_SECS", "abc")],
                "SESSION_IDLE_TIMEOUT_SECS",
            ),
            (
                vec![("SESSION_ABSOLUTE_TIMEOUT_SECS", "0")],
                "SESSION_ABSOLUTE_TIMEOUT_SECS",
            ),
            (
                vec![("MAX_SESSIONS_PER_USER", "-3")],
                "MAX_SESSIONS_PER_USER",
            ),
            (vec![("DATA_RETENTION_DAYS", "0")], "DATA_RETENTION_DAYS"),
            (vec![("REAUTH_WINDOW_SECS", "1.5")], "REAUTH_WINDOW_SECS"),
            (vec![("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (vec![("DATABASE_URL", "redis://x")], "DATABASE_URL"),
            (
                vec![("SESSION_STORE_URL", "postgres://x/y")],
                "SESSION_STORE_URL",
            ),
            (vec![("SESSION_STORE_URL", "redis://")], "SESSION_STORE_URL"),
            (
                vec![("SESSION_STORE_URL", "rediss://h:6380/0")],
                "SESSION_STORE_URL",
            ),
            (vec![("LEPTOS_SITE_ADDR", "nowhere")], "LEPTOS_SITE_ADDR"),
            (vec![("APP_ENV", "staging")], "APP_ENV"),
            (vec![("COOKIE_KEY", "c2hvcnQ=")], "COOKIE_KEY"),
            (vec![("COOKIE_KEY", "not base64 !!")], "COOKIE_KEY"),
            (
                vec![("CONSENT_POLICY_VERSION", "two words")],
                "CONSENT_POLICY_VERSION",
            ),
            (vec![("PUBLIC_URL", "squid.example.com")], "PUBLIC_URL"),
            (vec![("TRUSTED_PROXIES", "10.0.0.0/33")], "TRUSTED_PROXIES"),
            (vec![("PUBLIC_URL", "https://x.example/app")], "PUBLIC_URL"),
            (vec![("SIWE_CHAIN_IDS", "1,x")], "SIWE_CHAIN_IDS"),
        ] {
            let err = load(&pairs).unwrap_err();
            assert_eq!(err.var, var, "{pairs:?}");
            assert!(err.to_string().starts_with(var));
            assert!(!err.to_string().contains('\n'));
        }
    }

    #[test]
    fn production_needs_a_cookie_key_and_uses_host_cookies() {
        assert_eq!(
            load(&[("APP_ENV", "production")]).unwrap_err().var,
            "COOKIE_KEY"
        );
        let key = base64::engine::general_purpose::STANDARD.encode([9u8; 64]);
        let c = load(&[("APP_ENV", "production"), ("COOKIE_KEY", &key)]).unwrap();
        assert_eq!(c.cookie_key, CookieKeySource::Given(vec![9u8; 64]));
        assert_eq!(c.session_cookie_name(), "__Host-squid_session");
        assert_eq!(c.prefs_cookie_name(), "__Host-squid_prefs");
    }

    #[test]
    fn sessions_live_in_the_database_or_in_redis() {
        let c = load(&[
            ("DATABASE_URL", "sqlite://a.db"),
            ("SESSION_STORE_URL", "sqlite://a.db"),
        ])
        .unwrap();
        assert_eq!(c.session_store_url, None);
        let c = load(&[("SESSION_STORE_URL", "redis://127.0.0.1:6379/0")]).unwrap();
        assert_eq!(
            c.session_store_url.as_deref(),
            Some("redis://127.0.0.1:6379/0")
        );
    }

    #[test]
    fn admin_emails_are_trimmed_and_lower_cased() {
        let c = load(&[("ADMIN_EMAILS", " Ann@Example.com, ,bob@example.com")]).unwrap();
        assert_eq!(c.admin_emails, vec!["ann@example.com", "bob@example.com"]);
    }
}
