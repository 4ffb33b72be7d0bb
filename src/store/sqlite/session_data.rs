//! Session data in `session_data`. A transaction holds the one writer connection, so the
//! checks of a write and the write itself cannot be overtaken; outside one, the writer
//! connection is held for the whole operation, with the same effect.

use super::{Pool, SqliteConn};
use crate::store::session_data::sql;
use crate::store::{
    DataLimits, DataOwner, DataPut, DataRow, DeleteOutcome, Expect, PutOutcome, SessionDataRepo,
    StoreResult,
};

#[async_trait::async_trait]
impl SessionDataRepo for SqliteConn {
    async fn data_entries(&mut self, owner: DataOwner<'_>) -> StoreResult<Vec<DataRow>> {
        let mut c = self.on(Pool::Primary).await?;
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
        let mut c = self.on(Pool::Primary).await?;
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
        let mut c = self.on(Pool::Primary).await?;
        let live: Option<i64> = sqlx::query_scalar("SELECT 1 FROM sessions WHERE public_id = $1")
            .bind(session)
            .fetch_optional(&mut *c)
            .await?;
        if live.is_none() {
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
        let mut c = self.on(Pool::Primary).await?;
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
        Ok(DeleteOutcome::Deleted)
    }

    async fn insert_data(&mut self, owner: DataOwner<'_>, rows: &[DataRow]) -> StoreResult<()> {
        let mut c = self.on(Pool::Primary).await?;
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
        Ok(())
    }
}
