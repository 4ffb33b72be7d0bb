//! The secret a browser (or an app) holds, and the public id shown in its place.
//!
//! The cookie carries an opaque 128-bit random token. Only its SHA-256 ([`TokenHash`]) is
//! stored, so a leaked database cannot be replayed as cookies.

use crate::domain::TokenHash;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 128 random bits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Token(pub [u8; 16]);

impl Token {
    /// A fresh token from the operating system's generator.
    pub fn generate() -> Token {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Token(bytes)
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0).into())
    }

    /// The token as an app holds it: 22 characters of URL-safe base64 (the cookie's
    /// encoding too).
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.0)
    }

    /// A token in [`Token::encode`]'s form; `None` for anything else.
    pub fn parse(text: &str) -> Option<Token> {
        if text.len() != 22 {
            return None;
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()?;
        Some(Token(bytes.try_into().ok()?))
    }
}

// Never print a token, even by accident in a `{:?}`.
impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token(hash {})", self.hash().short())
    }
}

/// A fresh public id: 96 random bits, URL-safe, unrelated to the token.
pub fn new_public_id() -> String {
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hashes_are_stable_and_never_the_token() {
        let t = Token([7; 16]);
        assert_eq!(t.hash(), Token([7; 16]).hash());
        assert_ne!(t.hash(), Token([8; 16]).hash());
        assert!(!format!("{t:?}").contains("07070707"));
        assert_eq!(t.hash().short().len(), 8);
        assert_ne!(Token::generate(), Token::generate());
    }

    #[test]
    fn tokens_read_back_from_their_text_only() {
        let t = Token::generate();
        assert_eq!(t.encode().len(), 22);
        assert_eq!(Token::parse(&t.encode()), Some(t));
        for bad in [
            "",
            "abc",
            &format!("{}A", t.encode()),
            "!!!!!!!!!!!!!!!!!!!!!!",
        ] {
            assert_eq!(Token::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn public_ids_are_random_and_url_safe() {
        let a = new_public_id();
        assert_ne!(a, new_public_id());
        assert_eq!(a.len(), 16);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
