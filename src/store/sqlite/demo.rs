//! Demo data in bulk: multi-row INSERTs on the writer, in the caller's transaction (one
//! commit per batch rather than per row is most of the speed).

use super::{Pool, SqliteConn};
use crate::store::{DemoBatch, DemoRepo, StoreResult};
use sqlx::{QueryBuilder, Sqlite};

/// Rows per INSERT: 500 rows of 7 values stay far below SQLite's 32,766 variables, and
/// full chunks share one SQL text, so one prepared statement serves them all.
const ROWS_PER_STATEMENT: usize = 500;

#[async_trait::async_trait]
impl DemoRepo for SqliteConn {
    async fn settle_demo(&mut self) -> StoreResult<()> {
        // The events in one sorted copy rather than in chunks: the server's chunks keep its
        // requests moving, and no request waits on a demo.
        self.copy_events(i64::MAX).await?;
        // The batches leave the write-ahead log at its largest (90 MB at a million page
        // views), and every read looks pages up in it until a checkpoint copies them into
        // the database, which a running server's steady trickle of commits does soon.
        // No ANALYZE: the server never runs it, so its reports are measured without
        // statistics, as they run.
        let mut c = self.on(Pool::Primary).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *c)
            .await?;
        Ok(())
    }

    async fn insert_demo(&mut self, batch: &DemoBatch) -> StoreResult<()> {
        let mut c = self.on(Pool::Primary).await?;
        // Rows land all over the indexes keyed by random ids (sessions, users): with
        // SQLite's default 2 MB page cache most inserts read and write pages through the
        // OS. A bigger cache for the writer keeps them in memory. Only `squid demo` writes
        // demo data, in a process of its own, so the server's memory is not affected.
        sqlx::query("PRAGMA cache_size = -262144") // KiB: 256 MiB at most
            .execute(&mut *c)
            .await?;
        for rows in batch.users.chunks(ROWS_PER_STATEMENT) {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO users (id, email, password_hash, role, created_at) ",
            )
            .push_values(rows, |mut b, u| {
                b.push_bind(&u.id)
                    .push_bind(&u.email)
                    .push_bind(&u.password_hash)
                    .push_bind("user")
                    .push_bind(u.created_at);
            })
            .build()
            .execute(&mut *c)
            .await?;
        }
        for rows in batch.consents.chunks(ROWS_PER_STATEMENT) {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO consents (user_id, type, granted, version, at, method) ",
            )
            .push_values(rows, |mut b, r| {
                b.push_bind(&r.user_id)
                    .push_bind(&r.kind)
                    .push_bind(r.granted)
                    .push_bind(&r.version)
                    .push_bind(r.at)
                    .push_bind(&r.method);
            })
            .build()
            .execute(&mut *c)
            .await?;
        }
        for rows in batch.sessions.chunks(ROWS_PER_STATEMENT) {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO session_log (public_id, user_id, user_agent, ip, started_at, ended_at, end_reason) ",
            )
            .push_values(rows, |mut b, s| {
                b.push_bind(&s.public_id)
                    .push_bind(&s.user_id)
                    .push_bind(&s.user_agent)
                    .push_bind(&s.ip)
                    .push_bind(s.started_at)
                    .push_bind(s.ended_at)
                    .push_bind(s.end_reason);
            })
            .build()
            .execute(&mut *c)
            .await?;
        }
        for rows in batch.events.chunks(ROWS_PER_STATEMENT) {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO events (session_id, user_id, kind, name, details, at) ",
            )
            .push_values(rows, |mut b, e| {
                b.push_bind(&e.session_id)
                    .push_bind(&e.user_id)
                    .push_bind(e.kind.as_str())
                    .push_bind(e.name)
                    .push_bind(&e.details)
                    .push_bind(e.at);
            })
            .build()
            .execute(&mut *c)
            .await?;
        }
        Ok(())
    }
}
