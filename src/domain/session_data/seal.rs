//! Sealing session data at rest: XChaCha20-Poly1305 with a key derived from `COOKIE_KEY`.
//!
//! A sealed value is `generation (1 byte) ‖ nonce (24 bytes) ‖ ciphertext and tag`. The
//! nonce is drawn at random for every write: 192 bits leave no practical chance of a
//! repeat, where AES-GCM's 96 would cap the writes one key may take. The associated data
//! binds a value to its session and key, so a sealed value copied to another session or
//! key does not open there.
//!
//! Key rotation: generation 1 is HKDF-SHA-256 of `COOKIE_KEY` with the info below. A new
//! `COOKIE_KEY` makes the values sealed under the old one unopenable: they read as absent
//! (and a write replaces them), so a rotation costs the data of live sessions, which lives
//! no longer than `SESSION_ABSOLUTE_TIMEOUT_SECS` anyway. A change of algorithm or
//! derivation takes the next generation byte, and opening then tries each generation the
//! server knows.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;

const GENERATION: u8 = 1;
const INFO: &[u8] = b"squid session-data v1";
const NONCE_LEN: usize = 24;

/// The key session data is sealed with.
#[derive(Clone)]
pub struct SealKey(XChaCha20Poly1305);

// Never print key material.
impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(..)")
    }
}

impl SealKey {
    /// Derives the key from `COOKIE_KEY`'s bytes.
    pub fn derive(master: &[u8]) -> SealKey {
        let mut okm = [0u8; 32];
        Hkdf::<Sha256>::new(None, master)
            .expand(INFO, &mut okm)
            .expect("32 bytes is a valid HKDF-SHA-256 output length");
        SealKey(XChaCha20Poly1305::new(&okm.into()))
    }

    /// What a value is bound to: its session and its key.
    fn aad(session: &str, key: &str) -> Vec<u8> {
        let mut aad = Vec::with_capacity(session.len() + key.len() + 2);
        aad.push(GENERATION);
        aad.extend_from_slice(session.as_bytes());
        aad.push(0);
        aad.extend_from_slice(key.as_bytes());
        aad
    }

    pub fn seal(&self, session: &str, key: &str, plain: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = Self::aad(session, key);
        let sealed = self
            .0
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 seals any value of a session's size");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(GENERATION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The value, or `None` when it was not sealed by this key for this session and key.
    pub fn open(&self, session: &str, key: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        let (&generation, rest) = sealed.split_first()?;
        if generation != GENERATION || rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let aad = Self::aad(session, key);
        self.0
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_opens_only_where_it_was_sealed() {
        let key = SealKey::derive(&[7u8; 64]);
        let sealed = key.seal("s1", "cart", br#"{"items":[1,2]}"#);
        assert_eq!(
            key.open("s1", "cart", &sealed).as_deref(),
            Some(&br#"{"items":[1,2]}"#[..])
        );
        assert!(!sealed.windows(5).any(|w| w == b"items"));
        assert_eq!(key.open("s2", "cart", &sealed), None, "another session");
        assert_eq!(key.open("s1", "draft", &sealed), None, "another key");
        assert_eq!(
            key.open("s", "1cart", &sealed),
            None,
            "the boundary is kept"
        );
        let other = SealKey::derive(&[8u8; 64]);
        assert_eq!(
            other.open("s1", "cart", &sealed),
            None,
            "another COOKIE_KEY"
        );
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open("s1", "cart", &tampered), None);
        assert_eq!(key.open("s1", "cart", &sealed[..10]), None);
        assert_ne!(key.seal("s1", "cart", b"1"), key.seal("s1", "cart", b"1"));
    }
}
