//! SQL for consent records.

use super::Db;
use crate::domain::audit::AuditEvent;
use crate::domain::Millis;
use crate::model::ConsentType;
use sqlx::Row;

/// A consent choice as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentRow {
    pub kind: ConsentType,
    pub granted: bool,
    pub version: String,
    pub at: Millis,
    pub method: String,
}

const COLUMNS: &str = "type, granted, version, at, method";

fn row(r: &sqlx::sqlite::SqliteRow) -> Option<ConsentRow> {
    Some(ConsentRow {
        // The schema's CHECK admits only known types; an unknown one is skipped, not guessed.
        kind: ConsentType::parse(r.get::<&str, _>(0))?,
        granted: r.get(1),
        version: r.get(2),
        at: r.get(3),
        method: r.get(4),
    })
}

/// Appends choices and their audit entries in one transaction; returns the newest choice
/// of each kind afterwards. Fails (foreign key) when the account no longer exists.
pub async fn insert(
    db: &Db,
    user_id: &str,
    rows: &[ConsentRow],
    events: &[AuditEvent],
) -> Result<Vec<ConsentRow>, sqlx::Error> {
    let mut tx = db.primary.begin().await?;
    for r in rows {
        sqlx::query(
            "INSERT INTO consents (user_id, type, granted, version, at, method) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(user_id)
        .bind(r.kind.as_str())
        .bind(r.granted)
        .bind(&r.version)
        .bind(r.at)
        .bind(&r.method)
        .execute(&mut *tx)
        .await?;
    }
    for event in events {
        super::audit::insert(&mut *tx, event).await?;
    }
    let newest = newest_on(&mut *tx, user_id).await?;
    tx.commit().await?;
    Ok(newest)
}

/// The newest choice of each kind the user made.
pub async fn newest(db: &Db, user_id: &str) -> Result<Vec<ConsentRow>, sqlx::Error> {
    newest_on(&db.primary, user_id).await
}

async fn newest_on<'e, E>(executor: E, user_id: &str) -> Result<Vec<ConsentRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM consents
          WHERE id IN (SELECT MAX(id) FROM consents WHERE user_id = ? GROUP BY type)"
    ))
    .bind(user_id)
    .fetch_all(executor)
    .await?;
    Ok(rows.iter().filter_map(row).collect())
}

/// Every choice the user made, newest first.
pub async fn history(db: &Db, user_id: &str) -> Result<Vec<ConsentRow>, sqlx::Error> {
    history_on(&db.reports, user_id).await
}

/// [`history`], on any connection (the export reads it inside its snapshot).
pub async fn history_on<'e, E>(executor: E, user_id: &str) -> Result<Vec<ConsentRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM consents WHERE user_id = ? ORDER BY id DESC"
    ))
    .bind(user_id)
    .fetch_all(executor)
    .await?;
    Ok(rows.iter().filter_map(row).collect())
}
