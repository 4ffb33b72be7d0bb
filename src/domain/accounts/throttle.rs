//! The sign-in throttle: failed attempts per email (known or not) in a sliding 15-minute
//! window. An attempt is reserved as pending *before* the password is checked, in a
//! transaction whose one statement refuses when five are already there, so concurrent
//! guesses cannot slip past the limit. A failure stays counted; a success releases its
//! attempt and clears the email's failures. A request that finds the limit reached while
//! attempts are still pending waits for them to settle: parallel right passwords all get
//! in, parallel wrong ones stop at exactly five.
//!
//! Sign-In with Ethereum counts failures per address under [`wallet_name`] in the same
//! way, so one limit covers both ways in.
//!
//! The key is the email's SHA-256, so attempts on emails that have no account do not leave
//! those emails lying around.

use crate::domain::{Error, Millis, Result};
use crate::store::{AttemptOutcome, AttemptSlot, AttemptWindow, Store};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// Failed sign-ins allowed per email in [`ATTEMPT_WINDOW`].
pub const MAX_FAILED_ATTEMPTS: i64 = 5;
/// The sliding window of the throttle: 15 minutes.
pub const ATTEMPT_WINDOW: Millis = 15 * 60 * 1000;
/// A pending attempt older than this never settled (its process died): it counts as a
/// failure. A password check takes well under a second.
const STALE_PENDING: Millis = 30 * 1000;
/// How long a request waits for pending attempts to settle before it is refused.
const MAX_WAIT: Duration = Duration::from_secs(5);
/// How often it looks again meanwhile: about a tenth of one password check.
const POLL: Duration = Duration::from_millis(10);

/// The throttle's key for a (normalised) email.
pub fn email_key(email: &str) -> [u8; 32] {
    Sha256::digest(email.as_bytes()).into()
}

/// The throttle's name for a wallet (EIP-55 form). It has no `@`, so no email can share it.
pub fn wallet_name(wallet: &str) -> String {
    format!("wallet:{wallet}")
}

/// A reserved attempt, to settle with the outcome of the password check.
#[must_use = "a reserved attempt must be settled"]
pub struct Attempt {
    key: [u8; 32],
    id: i64,
}

/// Reserves one attempt in the window, or says how long until one is free.
pub async fn reserve(store: &dyn Store, email: &str, now: Millis) -> Result<Attempt> {
    let key = email_key(email);
    let window = AttemptWindow {
        start: now - ATTEMPT_WINDOW,
        stale_before: now - STALE_PENDING,
        max: MAX_FAILED_ATTEMPTS,
    };
    let give_up = Instant::now() + MAX_WAIT;
    loop {
        let mut tx = store.begin().await?;
        let slot = tx.reserve_attempt(&key, now, window).await?;
        tx.commit().await?;
        match slot {
            AttemptSlot::Reserved(id) => return Ok(Attempt { key, id }),
            AttemptSlot::Full(oldest) => {
                let wait_ms = (oldest + ATTEMPT_WINDOW - now).max(1);
                return Err(Error::RateLimited(((wait_ms + 999) / 1000) as u64));
            }
            AttemptSlot::Busy if Instant::now() >= give_up => return Err(Error::RateLimited(1)),
            AttemptSlot::Busy => tokio::time::sleep(POLL).await,
        }
    }
}

impl Attempt {
    /// Settles the attempt with the check's outcome.
    pub async fn settle(self, store: &dyn Store, outcome: AttemptOutcome) -> Result<()> {
        Ok(store
            .conn()
            .settle_attempt(&self.key, self.id, outcome)
            .await?)
    }

    /// Settles the attempt by how the check went: `Ok(true)` a success, `Ok(false)` a
    /// failure, an error abandoned (and passed on).
    pub async fn settle_by(self, store: &dyn Store, checked: &Result<bool>) -> Result<()> {
        let outcome = match checked {
            Ok(true) => AttemptOutcome::Succeeded,
            Ok(false) => AttemptOutcome::Failed,
            Err(_) => AttemptOutcome::Abandoned,
        };
        self.settle(store, outcome).await
    }
}

/// Forgets attempts older than the window; run periodically by the server.
pub async fn prune(store: &dyn Store, now: Millis) -> Result<u64> {
    Ok(store.conn().prune_attempts(now - ATTEMPT_WINDOW).await?)
}
