//! Session data at the storage level: sealed values under keys, one entry per key, each
//! with its own version. Where the sessions live, their data lives too (SQL tables, or
//! Redis beside the sessions), and it goes when its session goes.
//!
//! A write is one step that nothing can get in between: the session is still there, the
//! key's version is what the caller expects, the session stays within its limits, and the
//! entry is written. The limits are the domain's numbers ([`DataLimits`]); the engine only
//! keeps them atomically, which only it can.

use super::StoreResult;
use crate::domain::{Millis, SessionRecord, TokenHash};

/// One stored entry: the sealed value and what the limits and the API need to know of it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DataRow {
    pub key: String,
    pub sealed: Vec<u8>,
    /// The length of the value as JSON.
    pub size: i64,
    pub version: i64,
    pub updated_at: Millis,
}

/// The session that owns the data: its store key (for "is it still there") and its
/// public id (what the data is filed under, stable while the session lives).
#[derive(Clone, Copy, Debug)]
pub struct DataOwner<'a> {
    pub hash: &'a TokenHash,
    pub record: &'a SessionRecord,
}

/// What a conditional write expects of the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Nothing: create or replace.
    Any,
    /// The key exists (`If-Match: *`).
    Exists,
    /// The key does not exist (`If-None-Match: *`).
    Absent,
    /// The key exists at this version (`If-Match: "<version>"`).
    Version(i64),
}

impl Expect {
    /// Whether a key at `current` (`None`: not set) meets the expectation.
    pub fn met_by(self, current: Option<i64>) -> bool {
        match (self, current) {
            (Expect::Any, _) => true,
            (Expect::Exists, found) => found.is_some(),
            (Expect::Absent, found) => found.is_none(),
            (Expect::Version(v), found) => found == Some(v),
        }
    }
}

/// A session's limits: at most `max_keys` keys and `max_bytes` of values (JSON lengths).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataLimits {
    pub max_keys: i64,
    pub max_bytes: i64,
}

impl DataLimits {
    /// Whether a session holding `keys` other keys with `bytes` of values can take one more
    /// value of `size`.
    pub fn allow(&self, keys: i64, bytes: i64, size: i64) -> bool {
        keys < self.max_keys && bytes + size <= self.max_bytes
    }
}

/// A value to write.
#[derive(Clone, Copy, Debug)]
pub struct DataPut<'a> {
    pub key: &'a str,
    pub sealed: &'a [u8],
    pub size: i64,
    pub expect: Expect,
    pub at: Millis,
}

/// What a write did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutOutcome {
    /// Written at this version; `created` when the key was new.
    Written { version: i64, created: bool },
    /// The session is gone: nothing was written.
    NoSession,
    /// The key did not meet the expectation: nothing was written.
    Precondition,
    /// The write would take the session past a limit: nothing was written.
    TooLarge,
}

/// What a delete did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    /// The key was not set (and nothing was expected of it).
    Missing,
    Precondition,
}

#[async_trait::async_trait]
pub trait SessionDataRepo {
    /// Every entry of the session, by key. In a transaction, the session is held until
    /// it ends, so no write gets in between this read and what the caller does next (moving
    /// the data to the session that replaces this one).
    async fn data_entries(&mut self, owner: DataOwner<'_>) -> StoreResult<Vec<DataRow>>;

    /// One entry of the session.
    async fn data_entry(&mut self, owner: DataOwner<'_>, key: &str)
        -> StoreResult<Option<DataRow>>;

    /// Writes one value if the session is there, the key meets `put.expect` and the
    /// session stays within `limits`; the version goes up by one (1 for a new key).
    async fn put_data(
        &mut self,
        owner: DataOwner<'_>,
        put: DataPut<'_>,
        limits: DataLimits,
    ) -> StoreResult<PutOutcome>;

    /// Deletes one key if it meets `expect` (`Expect::Any`: whatever its version).
    async fn delete_data(
        &mut self,
        owner: DataOwner<'_>,
        key: &str,
        expect: Expect,
    ) -> StoreResult<DeleteOutcome>;

    /// Files these entries, as they are, under a session that has none yet (a session that
    /// replaces another at sign-in carries its data).
    async fn insert_data(&mut self, owner: DataOwner<'_>, rows: &[DataRow]) -> StoreResult<()>;
}

/// The statements both SQL engines run, with `$n` placeholders numbered in the order they
/// first appear (SQLite numbers `$n` parameters that way, PostgreSQL by their digits).
pub(crate) mod sql {
    pub const ENTRIES: &str = "SELECT key, sealed, size, version, updated_at FROM session_data
                                WHERE session_id = $1 ORDER BY key";
    pub const ENTRY: &str = "SELECT key, sealed, size, version, updated_at FROM session_data
                              WHERE session_id = $1 AND key = $2";
    pub const VERSION: &str = "SELECT version FROM session_data WHERE session_id = $1 AND key = $2";
    /// The keys and bytes of the session's other entries.
    pub const OTHERS: &str =
        "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM session_data
                               WHERE session_id = $1 AND key <> $2";
    pub const UPSERT: &str = "INSERT INTO session_data (session_id, key, sealed, size, version, updated_at)
                              VALUES ($1, $2, $3, $4, 1, $5)
                              ON CONFLICT (session_id, key) DO UPDATE
                                 SET sealed = excluded.sealed, size = excluded.size,
                                     version = session_data.version + 1, updated_at = excluded.updated_at
                              RETURNING version";
    pub const INSERT: &str =
        "INSERT INTO session_data (session_id, key, sealed, size, version, updated_at)
                              VALUES ($1, $2, $3, $4, $5, $6)";
    pub const DELETE: &str = "DELETE FROM session_data WHERE session_id = $1 AND key = $2";
}
