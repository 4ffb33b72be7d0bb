//! The preferences cookie: signed with `COOKIE_KEY`, so a tampered or foreign value is
//! simply ignored (the defaults apply), never an error. And the key itself.

use crate::config::CookieKeySource;
use crate::domain::preferences::{from_cookie_value, to_cookie_value};
use crate::model::Preferences;
use axum::http::{header, HeaderMap};
use cookie::{Cookie, CookieJar, Key, SameSite};

const ONE_YEAR_SECS: i64 = 365 * 24 * 60 * 60;

/// Reads the preferences from a signed cookie named `name`, if present and genuine.
pub fn read_prefs(headers: &HeaderMap, key: &Key, name: &str) -> Option<Preferences> {
    let mut jar = CookieJar::new();
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for cookie in Cookie::split_parse_encoded(text.to_string()).flatten() {
            if cookie.name() == name {
                jar.add_original(cookie);
            }
        }
    }
    jar.signed(key)
        .get(name)
        .and_then(|c| from_cookie_value(c.value()))
}

/// The `Set-Cookie` value that stores `prefs` for a year.
pub fn prefs_set_cookie(
    prefs: &Preferences,
    key: &Key,
    name: &'static str,
    secure: bool,
) -> String {
    let cookie = Cookie::build((name, to_cookie_value(prefs)))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(ONE_YEAR_SECS))
        .build();
    let mut jar = CookieJar::new();
    jar.signed_mut(key).add(cookie);
    jar.delta()
        .next()
        .expect("the cookie just added")
        .encoded()
        .to_string()
}

/// The `Set-Cookie` value that removes the preferences cookie (after an erasure).
pub fn prefs_removal_cookie(name: &'static str, secure: bool) -> String {
    let mut cookie = Cookie::build((name, ""))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .build();
    cookie.make_removal();
    cookie.encoded().to_string()
}

/// The signing key for cookies: `COOKIE_KEY`, or in development a key generated once and
/// kept (mode 0600) beside the database, so restarts keep visitors' preferences.
pub fn load_key(source: &CookieKeySource) -> Result<Key, String> {
    use base64::Engine;
    let engine = &base64::engine::general_purpose::STANDARD;
    let bytes = match source {
        CookieKeySource::Given(bytes) => bytes.clone(),
        CookieKeySource::File(path) => match std::fs::read_to_string(path) {
            Ok(text) => engine
                .decode(text.trim())
                .ok()
                .filter(|b| b.len() >= 64)
                .ok_or_else(|| {
                    format!(
                        "COOKIE_KEY: the key file {} is damaged; delete it to make a new one",
                        path.display()
                    )
                })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = vec![0u8; 64];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
                write_private(path, &engine.encode(&bytes)).map_err(|e| {
                    format!(
                        "COOKIE_KEY: cannot write the key file {}: {e}",
                        path.display()
                    )
                })?;
                tracing::info!(path = %path.display(), "generated a development cookie key");
                bytes
            }
            Err(e) => {
                return Err(format!(
                    "COOKIE_KEY: cannot read the key file {}: {e}",
                    path.display()
                ))
            }
        },
    };
    Ok(Key::derive_from(&bytes))
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Language, PreferenceSource, Theme};
    use axum::http::HeaderValue;

    fn headers_with(cookie: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        h
    }

    #[test]
    fn a_signed_cookie_round_trips_and_a_tampered_one_is_ignored() {
        let key = Key::derive_from(&[1u8; 64]);
        let prefs = Preferences {
            theme: Theme::Dark,
            language: Language::De,
            ..Default::default()
        };
        let set = prefs_set_cookie(&prefs, &key, "squid_prefs", false);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"));
        assert!(set.contains("Max-Age=31536000") && !set.contains("Secure"));
        let pair = set.split(';').next().unwrap();
        let read = read_prefs(
            &headers_with(&format!("other=1; {pair}")),
            &key,
            "squid_prefs",
        )
        .unwrap();
        assert_eq!(
            (read.theme, read.language, read.source),
            (Theme::Dark, Language::De, PreferenceSource::Cookie)
        );

        let tampered = pair.replace("dark", "light");
        assert_eq!(
            read_prefs(&headers_with(&tampered), &key, "squid_prefs"),
            None
        );
        let foreign = Key::derive_from(&[2u8; 64]);
        assert_eq!(
            read_prefs(&headers_with(pair), &foreign, "squid_prefs"),
            None
        );
        assert_eq!(
            read_prefs(
                &headers_with("squid_prefs=v1.dark.enabled.en"),
                &key,
                "squid_prefs"
            ),
            None
        );
    }

    #[test]
    fn production_cookies_are_secure() {
        let key = Key::derive_from(&[1u8; 64]);
        assert!(
            prefs_set_cookie(&Preferences::default(), &key, "__Host-squid_prefs", true)
                .contains("Secure")
        );
    }
}
