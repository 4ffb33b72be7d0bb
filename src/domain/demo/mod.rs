//! Demo data (`squid demo --users N --days D [--seed S]`): realistic, reproducible traffic
//! for the dashboard and the benchmarks, on any backend.
//!
//! [`traffic`] draws it (pure, from a seeded RNG, over the site of [`site`]); [`fill`]
//! writes it in batches, one transaction each, while the next batch is drawn on another
//! thread. Every demo account has the password [`DEMO_PASSWORD`], hashed once: argon2 at
//! tens of milliseconds a hash would take minutes for 10,000 accounts.

pub mod site;
pub mod traffic;

#[cfg(test)]
mod tests;

use crate::domain::accounts::password::Hasher;
use crate::domain::{Error, Millis, Result};
use crate::store::{DemoBatch, EventKind, Store};
pub use traffic::{Plan, Traffic, DAY};

/// The password of every demo account (printed at the end of `squid demo`).
pub const DEMO_PASSWORD: &str = "demo-password";

/// Most days of traffic a run may span (ten years).
pub const MAX_DAYS: u32 = 3650;

/// What a run asked for, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub users: u32,
    pub days: u32,
    pub seed: u64,
}

impl Request {
    pub fn new(users: u32, days: u32, seed: u64) -> Result<Request> {
        if users == 0 {
            return Err(Error::invalid("users", "--users must be at least 1"));
        }
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(Error::invalid(
                "days",
                format!("--days must be from 1 to {MAX_DAYS}"),
            ));
        }
        Ok(Request { users, days, seed })
    }

    /// The plan for a run on the day of `now`: the days before that day's midnight (UTC),
    /// so that a second run the same day draws the same rows.
    pub fn plan(&self, now: Millis, password_hash: String, policy_version: &str) -> Plan {
        Plan {
            users: self.users,
            days: self.days,
            seed: self.seed,
            today: now - now.rem_euclid(DAY),
            password_hash,
            policy_version: policy_version.to_string(),
        }
    }
}

/// What a run wrote, so far or in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub users: u64,
    pub sessions: u64,
    pub page_views: u64,
    pub actions: u64,
    /// Accounts that objected to analytics (left out of every admin aggregate).
    pub objectors: u64,
}

impl Summary {
    pub fn add(&mut self, batch: &DemoBatch) {
        self.users += batch.users.len() as u64;
        self.sessions += batch.sessions.len() as u64;
        let views = batch
            .events
            .iter()
            .filter(|e| e.kind == EventKind::PageView)
            .count() as u64;
        self.page_views += views;
        self.actions += batch.events.len() as u64 - views;
        self.objectors += batch
            .consents
            .iter()
            .filter(|c| c.kind == "analytics" && !c.granted)
            .count() as u64;
    }
}

/// The demo password's hash, with a salt drawn from the seed (so the rows repeat too).
pub async fn password_hash(hasher: &Hasher, seed: u64) -> Result<String> {
    let salt = (seed ^ 0x5351_5549_445f_4445).to_le_bytes(); // "SQUID_DE"
    let mut salted = [0u8; 16];
    salted[..8].copy_from_slice(&salt);
    salted[8..].copy_from_slice(b"squiddem");
    hasher.hash_with_salt(DEMO_PASSWORD, salted).await
}

/// Writes the plan's traffic into `store`, one transaction per batch, calling `progress`
/// after each with the totals so far. Refuses a database that already holds demo accounts
/// (their emails would clash) before writing anything.
pub async fn fill(
    store: &dyn Store,
    plan: Plan,
    progress: impl FnMut(&Summary) + Send,
) -> Result<Summary> {
    if store
        .conn()
        .account_by_email(&format!("user{:05}@demo.squid.test", 0))
        .await?
        .is_some()
    {
        return Err(Error::Validation {
            field: None,
            message: "the database already holds demo accounts: use a fresh one".into(),
        });
    }
    // Drawing the next batch overlaps writing this one. A shared engine (PostgreSQL) runs
    // its triggers on its own cores, so two transactions at once go nearly twice as fast;
    // batches are independent (each holds its accounts and their sessions), so their
    // order does not matter, but the row ids (`events.id`) then follow the commits.
    let writers = if store.shared() { 2 } else { 1 };
    let (tx, rx) = tokio::sync::mpsc::channel::<DemoBatch>(writers + 1);
    let drawing = tokio::task::spawn_blocking(move || {
        for batch in Traffic::new(plan) {
            if tx.blocking_send(batch).is_err() {
                break; // the writers failed and say why
            }
        }
    });
    let rx = tokio::sync::Mutex::new(rx);
    let done = std::sync::Mutex::new((Summary::default(), progress));
    let write = || async {
        loop {
            let Some(batch) = rx.lock().await.recv().await else {
                return Ok::<_, Error>(());
            };
            let mut c = store.begin().await?;
            c.insert_demo(&batch).await?;
            c.commit().await?;
            let mut done = done.lock().expect("not poisoned");
            done.0.add(&batch);
            let summary = done.0.clone();
            (done.1)(&summary);
        }
    };
    let written = if writers == 2 {
        tokio::try_join!(write(), write()).map(|_| ())
    } else {
        write().await
    };
    // A failed writer drops its end: the drawing stops at its next batch.
    drop(rx);
    drawing.await.map_err(|e| Error::Unavailable(Box::new(e)))?;
    written?;
    store.conn().settle_demo().await?;
    let (summary, _) = done.into_inner().expect("not poisoned");
    Ok(summary)
}
