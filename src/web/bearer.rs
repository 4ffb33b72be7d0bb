//! Tokens for apps on the way in: `Authorization: Bearer <token>`, and nowhere else (not a
//! query parameter, not a form field, not a cookie), so that no page another site shows
//! can make a browser send one.
//!
//! A request with a bearer is an app's: its cookies are not read for the session, it is not
//! subject to the CSRF rule (a browser never adds the header by itself), its responses never
//! set the session cookie, and a `401` tells it `WWW-Authenticate: Bearer`.

use crate::domain::sessions::Token;
use axum::http::{header, HeaderMap, HeaderValue};

/// What a request's `Authorization` header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bearer {
    /// No bearer: a browser's request (or a script's with cookies).
    Absent,
    /// `Bearer` with something that is not one of our tokens.
    Malformed,
    Token(Token),
}

impl Bearer {
    pub fn of(headers: &HeaderMap) -> Bearer {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Bearer::Absent;
        };
        let text = value.to_str().unwrap_or("");
        let (scheme, rest) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Bearer::Absent;
        }
        match Token::parse(rest.trim()) {
            Some(token) => Bearer::Token(token),
            None => Bearer::Malformed,
        }
    }

    pub fn present(self) -> bool {
        self != Bearer::Absent
    }

    pub fn token(self) -> Option<Token> {
        match self {
            Bearer::Token(token) => Some(token),
            _ => None,
        }
    }
}

/// The `WWW-Authenticate` of a `401` to a bearer (RFC 6750 §3): `invalid_token` when the
/// token it sent led to no session.
pub fn challenge(invalid: bool) -> HeaderValue {
    HeaderValue::from_static(if invalid {
        "Bearer realm=\"squid\", error=\"invalid_token\""
    } else {
        "Bearer realm=\"squid\""
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(value: &str) -> Bearer {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        Bearer::of(&h)
    }

    #[test]
    fn only_a_bearer_header_with_a_token_is_a_token() {
        let t = Token::generate();
        assert_eq!(of(&format!("Bearer {}", t.encode())), Bearer::Token(t));
        assert_eq!(of(&format!("bearer   {} ", t.encode())), Bearer::Token(t));
        assert_eq!(of("Bearer"), Bearer::Malformed);
        assert_eq!(of("Bearer abc"), Bearer::Malformed);
        assert_eq!(of("Basic dXNlcjpwdw=="), Bearer::Absent);
        assert_eq!(Bearer::of(&HeaderMap::new()), Bearer::Absent);
    }
}
