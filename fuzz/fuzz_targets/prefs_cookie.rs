//! The signed preferences cookie, three ways from the same bytes:
//!
//! 1. the bytes as the value inside the signature (`from_cookie_value`), since the
//!    signature would otherwise stop the fuzzer before the value parser;
//! 2. the bytes as a whole `Cookie` header (`read_prefs`), which must never accept a
//!    cookie that was not signed with the key;
//! 3. the bytes signed with the key, as the server would, then read back through the
//!    header: what comes out is what the value parser says of the bytes, nothing else.
#![no_main]

use axum::http::{header, HeaderMap, HeaderValue};
use cookie::{Cookie, CookieJar, Key};
use libfuzzer_sys::fuzz_target;
use squid::domain::preferences::{from_cookie_value, to_cookie_value};
use squid::model::PreferenceSource;
use squid::web::cookies::read_prefs;
use std::sync::LazyLock;

const NAME: &str = "squid_prefs";
static KEY: LazyLock<Key> = LazyLock::new(|| Key::derive_from(&[7u8; 64]));

/// `value` signed with the key, as it sits in the cookie (before percent-encoding).
fn signed(value: &str) -> String {
    let mut jar = CookieJar::new();
    jar.signed_mut(&KEY)
        .add(Cookie::new(NAME, value.to_string()));
    jar.get(NAME).expect("just added").value().to_string()
}

fn headers(value: HeaderValue) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::COOKIE, value);
    h
}

fuzz_target!(|data: &[u8]| {
    // 1. The value parser alone: it accepts exactly what the server writes.
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(prefs) = from_cookie_value(text) {
            assert_eq!(prefs.source, PreferenceSource::Cookie);
            assert_eq!(
                to_cookie_value(&prefs),
                text,
                "accepted a non-canonical value"
            );
        }
    }

    // 2. Arbitrary header bytes: only a genuinely signed cookie can be accepted.
    if let Ok(value) = HeaderValue::from_bytes(data) {
        if let Some(prefs) = read_prefs(&headers(value), &KEY, NAME) {
            assert_eq!(prefs.source, PreferenceSource::Cookie);
            let genuine = signed(&to_cookie_value(&prefs));
            let text = std::str::from_utf8(data).expect("read_prefs reads text only");
            let presented = Cookie::split_parse_encoded(text.to_string())
                .flatten()
                .any(|c| c.name() == NAME && c.value() == genuine);
            assert!(presented, "accepted a cookie without a genuine signature");
        }
    }

    // 3. The bytes as a genuinely signed value, past the signature check.
    if let Ok(text) = std::str::from_utf8(data) {
        let pair = Cookie::new(NAME, signed(text)).encoded().to_string();
        if let Ok(value) = HeaderValue::from_str(&format!("other=1; {pair}")) {
            let read = read_prefs(&headers(value), &KEY, NAME);
            assert_eq!(
                read,
                from_cookie_value(text),
                "signed {text:?}, read {read:?}"
            );
        }
    }
});
