//! Demo data in bulk: `INSERT … SELECT FROM UNNEST`, each column bound as one array, in
//! the caller's transaction: a handful of statements per batch of 10,000 events.

use super::PgConn;
use crate::store::{DemoBatch, DemoRepo, StoreResult};

/// Events per statement: each runs the events' triggers row by row, and 10,000 at once
/// take over a second, which sqlx logs as a slow statement (a warning per batch).
const EVENTS_PER_STATEMENT: usize = 2500;

#[async_trait::async_trait]
impl DemoRepo for PgConn {
    async fn settle_demo(&mut self) -> StoreResult<()> {
        // Autovacuum does this some time after a bulk load: statistics for the planner,
        // and the visibility map, without which PostgreSQL cannot answer from an index
        // alone (`events_by_name`) and visits the table for every row. Where autovacuum
        // is off (as on the machine the benchmark ran on), the reports would be measured
        // on a database no running server has. VACUUM cannot run in a transaction.
        let mut c = self.on().await?;
        sqlx::query("VACUUM (ANALYZE) users, consents, session_log, events")
            .execute(&mut *c)
            .await?;
        Ok(())
    }

    async fn insert_demo(&mut self, batch: &DemoBatch) -> StoreResult<()> {
        let mut c = self.atomic().await?;
        if !batch.users.is_empty() {
            let u = &batch.users;
            sqlx::query(
                "INSERT INTO users (id, email, password_hash, role, created_at)
                 SELECT id, email, hash, 'user', at
                   FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[])
                     AS t (id, email, hash, at)",
            )
            .bind(u.iter().map(|r| r.id.as_str()).collect::<Vec<_>>())
            .bind(u.iter().map(|r| r.email.as_str()).collect::<Vec<_>>())
            .bind(
                u.iter()
                    .map(|r| r.password_hash.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(u.iter().map(|r| r.created_at).collect::<Vec<_>>())
            .execute(&mut *c)
            .await?;
        }
        if !batch.consents.is_empty() {
            let r = &batch.consents;
            sqlx::query(
                "INSERT INTO consents (user_id, type, granted, version, at, method)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::bool[], $4::text[],
                                      $5::bigint[], $6::text[])",
            )
            .bind(r.iter().map(|r| r.user_id.as_str()).collect::<Vec<_>>())
            .bind(r.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>())
            .bind(r.iter().map(|r| r.granted).collect::<Vec<_>>())
            .bind(r.iter().map(|r| r.version.as_str()).collect::<Vec<_>>())
            .bind(r.iter().map(|r| r.at).collect::<Vec<_>>())
            .bind(r.iter().map(|r| r.method.as_str()).collect::<Vec<_>>())
            .execute(&mut *c)
            .await?;
        }
        if !batch.sessions.is_empty() {
            let s = &batch.sessions;
            sqlx::query(
                "INSERT INTO session_log
                        (public_id, user_id, user_agent, ip, started_at, ended_at, end_reason)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[],
                                      $5::bigint[], $6::bigint[], $7::text[])",
            )
            .bind(s.iter().map(|r| r.public_id.as_str()).collect::<Vec<_>>())
            .bind(s.iter().map(|r| r.user_id.as_deref()).collect::<Vec<_>>())
            .bind(s.iter().map(|r| r.user_agent.as_str()).collect::<Vec<_>>())
            .bind(s.iter().map(|r| r.ip.as_str()).collect::<Vec<_>>())
            .bind(s.iter().map(|r| r.started_at).collect::<Vec<_>>())
            .bind(s.iter().map(|r| r.ended_at).collect::<Vec<_>>())
            .bind(s.iter().map(|r| r.end_reason).collect::<Vec<_>>())
            .execute(&mut *c)
            .await?;
        }
        for e in batch.events.chunks(EVENTS_PER_STATEMENT) {
            sqlx::query(
                "INSERT INTO events (session_id, user_id, kind, name, details, at)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[],
                                      $5::text[], $6::bigint[])",
            )
            .bind(e.iter().map(|r| r.session_id.as_str()).collect::<Vec<_>>())
            .bind(e.iter().map(|r| r.user_id.as_deref()).collect::<Vec<_>>())
            .bind(e.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>())
            .bind(e.iter().map(|r| r.name).collect::<Vec<_>>())
            .bind(e.iter().map(|r| r.details.as_deref()).collect::<Vec<_>>())
            .bind(e.iter().map(|r| r.at).collect::<Vec<_>>())
            .execute(&mut *c)
            .await?;
        }
        c.done().await?;
        Ok(())
    }
}
