//! Password hashing: argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane).
//!
//! A hash takes tens of milliseconds of CPU, so it runs on tokio's blocking pool, never on
//! the async threads, and at most [`MAX_CONCURRENT_HASHES`] at a time: each one holds
//! 19 MiB, and a burst of sign-ins must not take the machine's memory with it.

use crate::domain::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{OnceCell, Semaphore};

/// Password hashes computed at once; more wait their turn.
pub const MAX_CONCURRENT_HASHES: usize = 4;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies passwords, bounded.
#[derive(Clone, Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// How many verifications ran (real or dummy): the work that makes an unknown email
    /// cost what a wrong password costs, counted so tests can check it exactly.
    verifications: Arc<AtomicU64>,
    dummy_hash: Arc<OnceCell<String>>,
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher {
            permits: Arc::new(Semaphore::new(MAX_CONCURRENT_HASHES)),
            verifications: Default::default(),
            dummy_hash: Arc::new(OnceCell::new()),
        }
    }
}

impl Hasher {
    /// Hashes a password on the blocking pool.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let mut salt = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut salt);
        self.hash_with_salt(password, salt).await
    }

    /// Hashes a password with the salt given: only for demo accounts (`squid demo`), whose
    /// rows must come out the same for the same seed. A real account's salt is random.
    pub async fn hash_with_salt(&self, password: &str, salt: [u8; 16]) -> Result<String> {
        let _permit = self.permits.acquire().await.map_err(unavailable)?;
        let password = password.to_string();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::encode_b64(&salt)
                .map_err(|e| Error::Unavailable(format!("password salt: {e}").into()))?;
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| Error::Unavailable(format!("password hashing failed: {e}").into()))
        })
        .await
        .map_err(unavailable)?
    }

    /// Checks a password against a stored hash (or, for no account, against a dummy hash
    /// that costs the same and never matches), on the blocking pool.
    pub async fn verify(&self, stored: Option<&str>, password: &str) -> Result<bool> {
        let (hash, real) = match stored {
            Some(h) => (h.to_string(), true),
            None => (self.dummy_hash().await?, false),
        };
        let _permit = self.permits.acquire().await.map_err(unavailable)?;
        let password = password.to_string();
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    argon2()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(unavailable)?;
        Ok(ok && real)
    }

    /// How many password verifications have run since start.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Computes the dummy hash now, so that not even the first sign-in with an unknown
    /// email after a start takes longer (one hash more) than a wrong password.
    pub async fn warm_up(&self) -> Result<()> {
        self.dummy_hash().await.map(|_| ())
    }

    async fn dummy_hash(&self) -> Result<String> {
        self.dummy_hash
            .get_or_try_init(|| async {
                let mut random = [0u8; 24];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
                self.hash(&format!("{random:?}")).await
            })
            .await
            .cloned()
    }
}

fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Unavailable(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_at_owasp_parameters_and_verify() {
        let hasher = Hasher::default();
        let hash = hasher.hash("correct horse").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher.verify(Some(&hash), "correct horse").await.unwrap());
        assert!(!hasher.verify(Some(&hash), "wrong horse").await.unwrap());
        // The dummy never matches, not even its own input.
        assert!(!hasher.verify(None, "correct horse").await.unwrap());
    }
}
