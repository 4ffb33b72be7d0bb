//! Session data in `session_data`. Writes of one session queue on its `sessions` row
//! (`FOR NO KEY UPDATE`, which leaves the foreign keys' `KEY SHARE` alone), so the checks
//! of a write (the version, the limits) and the write itself cannot be overtaken; the row
//! is taken after any user's lock, as the lock order in [`super`] wants.

use super::PgConn;
use crate::store::session_data::sql;
use crate::store::{
    DataLimits, DataOwner, DataPut, DataRow, DeleteOutcome, Expect, PutOutcome, SessionDataRepo,
    StoreResult,
};
use sqlx::PgConnection;

/// Holds the session's row to the end of the transaction; `false` when it is gone.
async fn hold(c: &mut PgConnection, session: &str) -> Result<bool, sqlx::Error> {
    let live: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM sessions WHERE public_id = $1 FOR NO KEY UPDATE")
            .bind(session)
            .fetch_optional(c)
            .await?;
    Ok(live.is_some())
}

#[async_trait::async_trait]
impl SessionDataRepo for PgConn {
    async fn data_entries(&mut self, owner: DataOwner<'_>) -> StoreResult<Vec<DataRow>> {
        let in_tx = self.in_tx();
        let mut c = self.on().await?;
        if in_tx {
            hold(&mut c, &owner.record.public_id).await?;
        }
        Ok(sqlx::query_as(sql::ENTRIES)
            .bind(&owner.record.public_id)
            .fetch_all(&mut *c)
            .await?)
    }

    async fn data_entry(
        &mut self,
        owner: DataOwner<'_>,
        key: &str,
    ) -> StoreResult<Option<DataRow>> {
        let mut c = self.on().await?;
        Ok(sqlx::query_as(sql::ENTRY)
            .bind(&owner.record.public_id)
            .bind(key)
            .fetch_optional(&mut *c)
            .await?)
    }

    async fn put_data(
        &mut self,
        owner: DataOwner<'_>,
        put: DataPut<'_>,
        limits: DataLimits,
    ) -> StoreResult<PutOutcome> {
        let session = &owner.record.public_id;
        let mut c = self.atomic().await?;
        if !hold(&mut c, session).await? {
            return Ok(PutOutcome::NoSession);
        }
        let current: Option<i64> = sqlx::query_scalar(sql::VERSION)
            .bind(session)
            .bind(put.key)
            .fetch_optional(&mut *c)
            .await?;
        if !put.expect.met_by(current) {
            return Ok(PutOutcome::Precondition);
        }
        let (keys, bytes): (i64, i64) = sqlx::query_as(sql::OTHERS)
            .bind(session)
            .bind(put.key)
            .fetch_one(&mut *c)
            .await?;
        if !limits.allow(keys, bytes, put.size) {
            return Ok(PutOutcome::TooLarge);
        }
        let version: i64 = sqlx::query_scalar(sql::UPSERT)
            .bind(session)
            .bind(put.key)
            .bind(put.sealed)
            .bind(put.size)
            .bind(put.at)
            .fetch_one(&mut *c)
            .await?;
        c.done().await?;
        Ok(PutOutcome::Written {
            version,
            created: current.is_none(),
        })
    }

    async fn delete_data(
        &mut self,
        owner: DataOwner<'_>,
        key: &str,
        expect: Expect,
    ) -> StoreResult<DeleteOutcome> {
        let session = &owner.record.public_id;
        let mut c = self.atomic().await?;
        hold(&mut c, session).await?;
        let current: Option<i64> = sqlx::query_scalar(sql::VERSION)
            .bind(session)
            .bind(key)
            .fetch_optional(&mut *c)
            .await?;
        if !expect.met_by(current) {
            return Ok(DeleteOutcome::Precondition);
        }
        if current.is_none() {
            return Ok(DeleteOutcome::Missing);
        }
        sqlx::query(sql::DELETE)
            .bind(session)
            .bind(key)
            .execute(&mut *c)
            .await?;
        c.done().await?;
        Ok(DeleteOutcome::Deleted)
    }

    async fn insert_data(&mut self, owner: DataOwner<'_>, rows: &[DataRow]) -> StoreResult<()> {
        let mut c = self.atomic().await?;
        for row in rows {
            sqlx::query(sql::INSERT)
                .bind(&owner.record.public_id)
                .bind(&row.key)
                .bind(&row.sealed)
                .bind(row.size)
                .bind(row.version)
                .bind(row.updated_at)
                .execute(&mut *c)
                .await?;
        }
        c.done().await?;
        Ok(())
    }
}
