//! The sign-in throttle: failed attempts per email (known or not) in a sliding 15-minute
//! window. An attempt is reserved *before* the password is checked, in a transaction whose
//! one statement refuses when five are already there, so concurrent guesses cannot slip
//! past the limit; a success removes the email's attempts.
//!
//! The key is the email's SHA-256, so attempts on emails that have no account do not leave
//! those emails lying around.

use crate::domain::{Error, Millis, Result};
use crate::store::Store;
use sha2::{Digest, Sha256};

/// Failed sign-ins allowed per email in [`ATTEMPT_WINDOW`].
pub const MAX_FAILED_ATTEMPTS: i64 = 5;
/// The sliding window of the throttle: 15 minutes.
pub const ATTEMPT_WINDOW: Millis = 15 * 60 * 1000;

/// The throttle's key for a (normalised) email.
pub fn email_key(email: &str) -> [u8; 32] {
    Sha256::digest(email.as_bytes()).into()
}

/// Reserves one attempt in the window, or says how long until one is free.
pub async fn reserve(store: &dyn Store, email: &str, now: Millis) -> Result<()> {
    let mut tx = store.begin().await?;
    let oldest = tx
        .reserve_attempt(
            &email_key(email),
            now,
            now - ATTEMPT_WINDOW,
            MAX_FAILED_ATTEMPTS,
        )
        .await?;
    tx.commit().await?;
    match oldest {
        None => Ok(()),
        Some(oldest) => {
            let wait_ms = (oldest + ATTEMPT_WINDOW - now).max(1);
            Err(Error::RateLimited(((wait_ms + 999) / 1000) as u64))
        }
    }
}

/// Forgets an email's attempts, after a success.
pub async fn clear(store: &dyn Store, email: &str) -> Result<()> {
    Ok(store.conn().clear_attempts(&email_key(email)).await?)
}

/// Forgets attempts older than the window; run periodically by the server.
pub async fn prune(store: &dyn Store, now: Millis) -> Result<u64> {
    Ok(store.conn().prune_attempts(now - ATTEMPT_WINDOW).await?)
}
