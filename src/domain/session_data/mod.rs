//! Session data: small JSON values a session keeps under keys (a cart, a form draft), for
//! as long as the session lives.
//!
//! Each key is stored on its own with its version, so writes to different keys never undo
//! each other, and a conditional write is decided by the store in one step (of concurrent
//! writes expecting one version, exactly one wins). Values are sealed before they reach the
//! store ([`seal`]) and checked against the limits ([`validate`]) there, atomically.
//!
//! The data follows its session when a new token replaces the old one (sign-in,
//! re-authentication): [`SessionData::carry_out`] and [`SessionData::carry_in`], inside the
//! use case's transaction. Ending a session deletes its data in the store.

pub mod seal;
pub mod validate;

use super::sessions::LiveSession;
use super::visitor::Visitor;
use super::{rfc3339, Error, Millis, Result};
use crate::model::{DataEntry, DataSummary};
use crate::store::{
    Conn, DataLimits, DataOwner, DataPut, DataRow, DeleteOutcome, PutOutcome, Store, StoredSession,
};
use seal::SealKey;
use std::sync::Arc;
use validate::{DataKey, DataValue, MAX_KEYS, MAX_SESSION_BYTES};

/// What a write expects of its key (from `If-Match` / `If-None-Match`).
pub use crate::store::Expect;

const LIMITS: DataLimits = DataLimits {
    max_keys: MAX_KEYS,
    max_bytes: MAX_SESSION_BYTES,
};

/// A write's result: the entry as stored, and whether the key was new.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub entry: DataEntry,
    pub created: bool,
}

/// A session's entries taken out to be filed under the session that replaces it.
#[derive(Debug, Default)]
pub struct Carried(Vec<(DataRow, Vec<u8>)>);

/// The session data service.
#[derive(Clone, Debug)]
pub struct SessionData {
    store: Arc<dyn Store>,
    seal: SealKey,
}

fn entry(row: DataRow, value: serde_json::Value) -> DataEntry {
    DataEntry {
        key: row.key,
        value,
        version: row.version,
        updated_at: rfc3339(row.updated_at),
    }
}

fn owner(session: &LiveSession) -> (crate::domain::TokenHash, &crate::domain::SessionRecord) {
    (session.token.hash(), &session.record)
}

impl SessionData {
    pub fn new(store: Arc<dyn Store>, seal: SealKey) -> Self {
        SessionData { store, seal }
    }

    /// The value of a row, if this server can open it (see [`seal`] on key rotation).
    fn open(&self, session: &str, row: &DataRow) -> Option<serde_json::Value> {
        let plain = self.seal.open(session, &row.key, &row.sealed)?;
        serde_json::from_slice(&plain).ok()
    }

    /// Every entry of a stored session that this server can open, by key, with its row.
    async fn opened(
        &self,
        conn: &mut dyn Conn,
        session: &StoredSession,
    ) -> Result<Vec<(DataRow, serde_json::Value)>> {
        let owner = DataOwner {
            hash: &session.hash,
            record: &session.record,
        };
        let rows = conn.data_entries(owner).await?;
        let id = &session.record.public_id;
        Ok(rows
            .into_iter()
            .filter_map(|row| self.open(id, &row).map(|value| (row, value)))
            .collect())
    }

    /// Every entry of a stored session, by key.
    pub async fn entries_of(
        &self,
        conn: &mut dyn Conn,
        session: &StoredSession,
    ) -> Result<Vec<DataEntry>> {
        Ok(self
            .opened(conn, session)
            .await?
            .into_iter()
            .map(|(row, value)| entry(row, value))
            .collect())
    }

    /// The visitor's session as the store keys it.
    fn stored(visitor: &Visitor) -> Result<StoredSession> {
        let (hash, record) = owner(visitor.live()?);
        Ok(StoredSession {
            hash,
            record: record.clone(),
        })
    }

    /// Every entry of the visitor's session, by key.
    pub async fn list(&self, visitor: &Visitor) -> Result<Vec<DataEntry>> {
        let session = Self::stored(visitor)?;
        self.entries_of(&mut *self.store.conn(), &session).await
    }

    /// What the session page shows of each key (the size as stored: no value re-encoded).
    pub async fn summaries(&self, visitor: &Visitor) -> Result<Vec<DataSummary>> {
        let session = Self::stored(visitor)?;
        Ok(self
            .opened(&mut *self.store.conn(), &session)
            .await?
            .into_iter()
            .map(|(row, _)| DataSummary {
                key: row.key,
                size: row.size,
                version: row.version,
                updated_at: rfc3339(row.updated_at),
            })
            .collect())
    }

    /// One entry of the visitor's session.
    pub async fn get(&self, visitor: &Visitor, key: &DataKey) -> Result<DataEntry> {
        let (hash, record) = owner(visitor.live()?);
        let owner = DataOwner {
            hash: &hash,
            record,
        };
        let row = self.store.conn().data_entry(owner, key.as_str()).await?;
        row.and_then(|row| {
            self.open(&record.public_id, &row)
                .map(|value| entry(row, value))
        })
        .ok_or(Error::NotFound("key"))
    }

    /// Writes one value, if `expect` holds and the session stays within its limits.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn put(
        &self,
        visitor: &Visitor,
        key: &DataKey,
        value: DataValue,
        expect: Expect,
        now: Millis,
    ) -> Result<Written> {
        let (hash, record) = owner(visitor.live()?);
        let sealed = self.seal.seal(&record.public_id, key.as_str(), &value.json);
        let put = DataPut {
            key: key.as_str(),
            sealed: &sealed,
            size: value.size(),
            expect,
            at: now,
        };
        let owner = DataOwner {
            hash: &hash,
            record,
        };
        let mut tx = self.store.begin().await?;
        let outcome = tx.put_data(owner, put, LIMITS).await?;
        tx.commit().await?;
        match outcome {
            PutOutcome::Written { version, created } => Ok(Written {
                entry: DataEntry {
                    key: key.as_str().to_string(),
                    value: serde_json::from_slice(&value.json).expect("it was JSON"),
                    version,
                    updated_at: rfc3339(now),
                },
                created,
            }),
            PutOutcome::NoSession => Err(Error::NoSession),
            PutOutcome::Precondition => Err(Error::PreconditionFailed),
            PutOutcome::TooLarge => Err(Error::TooLarge(
                "a session holds at most 64 keys and 256 KiB of values",
            )),
        }
    }

    /// Deletes one key, if `expect` holds.
    pub async fn delete(&self, visitor: &Visitor, key: &DataKey, expect: Expect) -> Result<()> {
        let (hash, record) = owner(visitor.live()?);
        let owner = DataOwner {
            hash: &hash,
            record,
        };
        let mut tx = self.store.begin().await?;
        let outcome = tx.delete_data(owner, key.as_str(), expect).await?;
        tx.commit().await?;
        match outcome {
            DeleteOutcome::Deleted => Ok(()),
            DeleteOutcome::Missing => Err(Error::NotFound("key")),
            DeleteOutcome::Precondition => Err(Error::PreconditionFailed),
        }
    }

    /// Takes the data of `session`, about to be replaced, out in `tx` (holding its user
    /// first, as everything that ends a user's session does, for the store's lock order).
    pub async fn carry_out(&self, tx: &mut dyn Conn, session: &LiveSession) -> Result<Carried> {
        if let Some(user_id) = &session.record.user_id {
            tx.hold_user(user_id).await?;
        }
        let (hash, record) = owner(session);
        let rows = tx
            .data_entries(DataOwner {
                hash: &hash,
                record,
            })
            .await?;
        let id = &record.public_id;
        Ok(Carried(
            rows.into_iter()
                .filter_map(|row| {
                    let plain = self.seal.open(id, &row.key, &row.sealed)?;
                    Some((row, plain))
                })
                .collect(),
        ))
    }

    /// Files carried data under the session that replaced its own, sealed for it, with
    /// the versions and times it had.
    pub async fn carry_in(
        &self,
        tx: &mut dyn Conn,
        session: &LiveSession,
        carried: Carried,
    ) -> Result<()> {
        if carried.0.is_empty() {
            return Ok(());
        }
        let (hash, record) = owner(session);
        let rows: Vec<DataRow> = carried
            .0
            .into_iter()
            .map(|(row, plain)| DataRow {
                sealed: self.seal.seal(&record.public_id, &row.key, &plain),
                ..row
            })
            .collect();
        let owner = DataOwner {
            hash: &hash,
            record,
        };
        tx.insert_data(owner, &rows).await?;
        Ok(())
    }
}
