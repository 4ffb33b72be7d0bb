//! The `consents` table.

use super::{Pool, SqliteConn};
use crate::store::{ConsentRepo, ConsentRow, StoreResult};

pub(super) const COLUMNS: &str = "type, granted, version, at, method";

#[async_trait::async_trait]
impl ConsentRepo for SqliteConn {
    async fn insert_consents(&mut self, user_id: &str, rows: &[ConsentRow]) -> StoreResult<()> {
        let mut c = self.on(Pool::Primary).await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO consents (user_id, type, granted, version, at, method) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(user_id)
            .bind(&r.kind)
            .bind(r.granted)
            .bind(&r.version)
            .bind(r.at)
            .bind(&r.method)
            .execute(&mut *c)
            .await?;
        }
        Ok(())
    }

    async fn newest_consents(&mut self, user_id: &str) -> StoreResult<Vec<ConsentRow>> {
        let mut c = self.on(Pool::Primary).await?;
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM consents
              WHERE id IN (SELECT MAX(id) FROM consents WHERE user_id = ? GROUP BY type)"
        ))
        .bind(user_id)
        .fetch_all(&mut *c)
        .await?)
    }

    async fn consent_history(&mut self, user_id: &str) -> StoreResult<Vec<ConsentRow>> {
        let mut c = self.on(Pool::Reports).await?;
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM consents WHERE user_id = ? ORDER BY id DESC"
        ))
        .bind(user_id)
        .fetch_all(&mut *c)
        .await?)
    }
}
