//! The `consents` table.

use super::{Lock, PgConn};
use crate::store::{ConsentRepo, ConsentRow, StoreResult};

pub(super) const COLUMNS: &str = "type, granted, version, at, method";

#[async_trait::async_trait]
impl ConsentRepo for PgConn {
    async fn insert_consents(&mut self, user_id: &str, rows: &[ConsentRow]) -> StoreResult<()> {
        let mut c = self.atomic().await?;
        // "The newest choice" is the highest id, and the state a use case reads back after
        // recording choices must be its own. On SQLite, ids follow commit order and nothing
        // commits between the insert and the read. Here ids are drawn at insert, so two
        // transactions could commit in the other order, or read each other's choice as the
        // newest: the user's lock, held to the commit, makes them take turns.
        Lock::Consents.take(&mut c, user_id.as_bytes()).await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO consents (user_id, type, granted, version, at, method)
                 VALUES ($1, $2, $3, $4, $5, $6)",
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
        c.done().await?;
        Ok(())
    }

    async fn newest_consents(&mut self, user_id: &str) -> StoreResult<Vec<ConsentRow>> {
        let mut c = self.on().await?;
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM consents
              WHERE id IN (SELECT MAX(id) FROM consents WHERE user_id = $1 GROUP BY type)
              ORDER BY id"
        ))
        .bind(user_id)
        .fetch_all(&mut *c)
        .await?)
    }

    async fn consent_history(&mut self, user_id: &str) -> StoreResult<Vec<ConsentRow>> {
        let mut c = self.on().await?;
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM consents WHERE user_id = $1 ORDER BY id DESC"
        ))
        .bind(user_id)
        .fetch_all(&mut *c)
        .await?)
    }
}
