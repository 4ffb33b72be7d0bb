//! An in-process cache of live sessions, so most requests need no database round trip to
//! find their session (each sqlx SQLite query is a hop to a worker thread and back, the
//! largest single cost of a request).
//!
//! Correctness rules:
//! - An entry is trusted for at most [`REVALIDATE_MS`]; after that the database is asked
//!   again. This bounds how long a change made by *another process* on the same SQLite
//!   file (a CLI command) can go unseen.
//! - On a store other processes share (PostgreSQL, Redis: several instances behind a
//!   balancer), an entry is never trusted: a session ended on one instance must be ended
//!   for the very next request on any other, so every request reads its session from the
//!   store (one indexed read, or one Redis `HMGET`). The cache still serves the touch
//!   throttle and the tombstones there. Redis's client-side caching would save the read,
//!   but its invalidations arrive asynchronously: a request could still pass in the window
//!   after another instance ended the session, which is what the contract forbids.
//!   Measured with `make bench` on PostgreSQL + Redis (10 s runs, alternated, the machine
//!   busy with a CI run): trusting entries for 1 s took 68.7 and 70.8 µs of Squid's CPU
//!   per request and 72.5 and 72.8 µs of PostgreSQL's and Redis's; reading every time takes
//!   89.9 and 91.5 µs, and 88.5 and 89.9 µs: about 20 µs more on each side, the price of
//!   an end that holds at once everywhere.
//! - A session ended in this process is evicted and leaves a *tombstone*: a lookup that
//!   read the row from the database just before it was deleted cannot put it back.
//! - The cache is bounded ([`MAX_ENTRIES`]); when full, lookups simply go to the database.

use crate::domain::{Millis, SessionRecord, TokenHash};
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a cached session is trusted before the database is asked again.
pub const REVALIDATE_MS: Millis = 1_000;
/// How long a tombstone is kept: far longer than any lookup takes.
pub const TOMBSTONE_MS: Millis = 60_000;
/// Most sessions cached at once.
pub const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Debug)]
struct Entry {
    /// With `last_activity` as this process last saw it (possibly newer than stored).
    record: SessionRecord,
    /// The `last_activity` the database holds, for the touch throttle.
    stored_activity: Millis,
    /// When the database last confirmed the session.
    checked_at: Millis,
}

#[derive(Debug)]
pub struct SessionCache {
    inner: Mutex<Inner>,
    /// How long an entry is trusted: [`REVALIDATE_MS`], or 0 on a shared store.
    trust: Millis,
}

impl Default for SessionCache {
    fn default() -> Self {
        SessionCache::new(REVALIDATE_MS)
    }
}

#[derive(Debug, Default)]
struct Inner {
    live: HashMap<[u8; 32], Entry>,
    ended: HashMap<[u8; 32], Millis>,
}

impl SessionCache {
    pub fn new(trust: Millis) -> Self {
        SessionCache {
            inner: Default::default(),
            trust,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave it inconsistent (single-step updates).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached record, if it was confirmed recently enough to be trusted.
    pub fn get(&self, hash: &TokenHash, now: Millis) -> Option<SessionRecord> {
        let inner = self.lock();
        let entry = inner.live.get(&hash.0)?;
        (now - entry.checked_at < self.trust).then(|| entry.record.clone())
    }

    /// Caches a record just read from (or written to) the database, unless the session
    /// ended in the meantime or the cache is full. Returns the record as cached: with the
    /// newer of its stored activity and the activity this process has already seen.
    pub fn put(
        &self,
        hash: &TokenHash,
        record: SessionRecord,
        now: Millis,
    ) -> Option<SessionRecord> {
        let mut inner = self.lock();
        if inner.ended.contains_key(&hash.0) {
            return None;
        }
        let last_seen = match inner.live.get(&hash.0) {
            Some(e) => e.record.last_activity,
            None if inner.live.len() >= MAX_ENTRIES => return None,
            None => 0,
        };
        let stored_activity = record.last_activity;
        let mut record = record;
        record.last_activity = record.last_activity.max(last_seen);
        inner.live.insert(
            hash.0,
            Entry {
                record: record.clone(),
                stored_activity,
                checked_at: now,
            },
        );
        Some(record)
    }

    /// The latest activity this process has seen (possibly newer than stored).
    pub fn last_activity(&self, hash: &TokenHash) -> Option<Millis> {
        self.lock()
            .live
            .get(&hash.0)
            .map(|e| e.record.last_activity)
    }

    /// What the database holds as `last_activity`, if the session is cached.
    pub fn stored_activity(&self, hash: &TokenHash) -> Option<Millis> {
        self.lock().live.get(&hash.0).map(|e| e.stored_activity)
    }

    /// Notes activity at `now`; `stored` when it was also written to the database.
    pub fn touch(&self, hash: &TokenHash, now: Millis, stored: bool) {
        if let Some(e) = self.lock().live.get_mut(&hash.0) {
            e.record.last_activity = e.record.last_activity.max(now);
            if stored {
                e.stored_activity = e.stored_activity.max(now);
            }
        }
    }

    /// Evicts a session that ended and leaves a tombstone.
    pub fn tombstone(&self, hash: &TokenHash, now: Millis) {
        let mut inner = self.lock();
        inner.live.remove(&hash.0);
        inner.ended.insert(hash.0, now);
    }

    /// Drops an entry the database no longer has, or holds otherwise now (no tombstone
    /// needed: nothing ended here).
    pub fn evict(&self, hash: &TokenHash) {
        self.lock().live.remove(&hash.0);
    }

    /// Drops old tombstones and entries not confirmed for a long time.
    pub fn prune(&self, now: Millis) {
        let mut inner = self.lock();
        inner.ended.retain(|_, at| now - *at < TOMBSTONE_MS);
        inner.live.retain(|_, e| now - e.checked_at < TOMBSTONE_MS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sessions::Token;

    fn record(last: Millis) -> SessionRecord {
        SessionRecord {
            public_id: "p".into(),
            user_id: None,
            user_agent: "ua".into(),
            agent_hash: None,
            ip: None,
            started_at: 0,
            last_activity: last,
            auth_at: None,
            app: false,
        }
    }

    #[test]
    fn entries_are_trusted_only_for_the_revalidation_window() {
        let cache = SessionCache::default();
        let h = Token([1; 16]).hash();
        cache.put(&h, record(10), 1_000);
        assert!(cache.get(&h, 1_000 + REVALIDATE_MS - 1).is_some());
        assert!(cache.get(&h, 1_000 + REVALIDATE_MS).is_none());
    }

    #[test]
    fn on_a_shared_store_no_entry_is_trusted() {
        let cache = SessionCache::new(0);
        let h = TokenHash([2; 32]);
        assert!(cache.put(&h, record(1_000), 1_000).is_some());
        assert!(cache.get(&h, 1_000).is_none());
        // The touch throttle still knows what was stored.
        assert_eq!(cache.stored_activity(&h), Some(1_000));
    }

    #[test]
    fn an_ended_session_cannot_be_put_back() {
        let cache = SessionCache::default();
        let h = Token([2; 16]).hash();
        cache.put(&h, record(10), 100);
        cache.tombstone(&h, 200);
        assert!(cache.get(&h, 201).is_none());
        // A lookup that read the row before it was deleted finishes now:
        cache.put(&h, record(10), 202);
        assert!(cache.get(&h, 203).is_none());
        cache.prune(200 + TOMBSTONE_MS);
        assert!(cache.ended_is_empty());
    }

    #[test]
    fn activity_is_kept_apart_from_what_is_stored() {
        let cache = SessionCache::default();
        let h = Token([3; 16]).hash();
        cache.put(&h, record(10), 10);
        cache.touch(&h, 50, false);
        assert_eq!(cache.get(&h, 60).unwrap().last_activity, 50);
        assert_eq!(cache.stored_activity(&h), Some(10));
        cache.touch(&h, 70, true);
        assert_eq!(cache.stored_activity(&h), Some(70));
        // A revalidation that reads an older stored value keeps the newer activity.
        cache.put(&h, record(70), 80);
        assert_eq!(cache.get(&h, 90).unwrap().last_activity, 70);
    }

    #[test]
    fn put_answers_the_record_as_cached_or_nothing_when_ended() {
        let cache = SessionCache::default();
        let h = Token([4; 16]).hash();
        cache.put(&h, record(10), 10);
        cache.touch(&h, 75, false);
        assert_eq!(cache.put(&h, record(70), 80).unwrap().last_activity, 75);
        cache.tombstone(&h, 90);
        assert_eq!(cache.put(&h, record(70), 91), None);
    }

    impl SessionCache {
        fn ended_is_empty(&self) -> bool {
            self.lock().ended.is_empty()
        }
    }
}
