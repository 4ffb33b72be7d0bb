//! Every area but sessions, passed to the SQL engine's connection unchanged.

use super::SplitConn;
use crate::domain::{AuditEvent, EndReason, Millis, Order, Pagination, Scope, SessionRecord};
use crate::model::Preferences;
use crate::store::insights::{
    ActiveCounts, BucketCount, CohortCount, NameCount, PathRow, SeriesOf, SessionTotals, StepCount,
    Window,
};
use crate::store::*;

#[async_trait::async_trait]
impl HistoryRepo for SplitConn {
    async fn open_log(&mut self, record: &SessionRecord) -> StoreResult<()> {
        self.sql().open_log(record).await
    }

    async fn close_log(
        &mut self,
        public_id: &str,
        reason: EndReason,
        at: Millis,
    ) -> StoreResult<()> {
        self.sql().close_log(public_id, reason, at).await
    }

    async fn adopt_history(&mut self, public_id: &str, user_id: &str) -> StoreResult<()> {
        self.sql().adopt_history(public_id, user_id).await
    }

    async fn insert_events(&mut self, events: &[NewEvent]) -> StoreResult<Vec<u64>> {
        self.sql().insert_events(events).await
    }

    async fn page_views(
        &mut self,
        session_id: &str,
        page: Pagination,
        order: Order,
    ) -> StoreResult<(Vec<PageRow>, u64)> {
        self.sql().page_views(session_id, page, order).await
    }

    async fn actions(
        &mut self,
        session_id: &str,
        page: Pagination,
        order: Order,
    ) -> StoreResult<(Vec<ActionRow>, u64)> {
        self.sql().actions(session_id, page, order).await
    }

    async fn activity(
        &mut self,
        scope: &Scope,
        kind: Option<&str>,
        page: Pagination,
    ) -> StoreResult<(Vec<ActivityRow>, u64)> {
        self.sql().activity(scope, kind, page).await
    }
}

#[async_trait::async_trait]
impl AccountRepo for SplitConn {
    async fn insert_account(&mut self, account: &NewAccount<'_>) -> StoreResult<bool> {
        self.sql().insert_account(account).await
    }

    async fn account_by_email(&mut self, email: &str) -> StoreResult<Option<AccountRow>> {
        self.sql().account_by_email(email).await
    }

    async fn account_by_id(&mut self, id: &str) -> StoreResult<Option<AccountRow>> {
        self.sql().account_by_id(id).await
    }

    async fn set_password(&mut self, id: &str, hash: &str) -> StoreResult<()> {
        self.sql().set_password(id, hash).await
    }

    async fn set_role(&mut self, email: &str, role: &str) -> StoreResult<bool> {
        self.sql().set_role(email, role).await
    }

    async fn save_preferences(
        &mut self,
        user_id: &str,
        prefs: &Preferences,
        at: Millis,
    ) -> StoreResult<()> {
        self.sql().save_preferences(user_id, prefs, at).await
    }

    async fn reserve_attempt(
        &mut self,
        key: &[u8; 32],
        now: Millis,
        window: AttemptWindow,
    ) -> StoreResult<AttemptSlot> {
        self.sql().reserve_attempt(key, now, window).await
    }

    async fn settle_attempt(
        &mut self,
        key: &[u8; 32],
        id: i64,
        outcome: AttemptOutcome,
    ) -> StoreResult<()> {
        self.sql().settle_attempt(key, id, outcome).await
    }

    async fn prune_attempts(&mut self, window_start: Millis) -> StoreResult<u64> {
        self.sql().prune_attempts(window_start).await
    }
}

#[async_trait::async_trait]
impl AuditRepo for SplitConn {
    async fn insert_audit(&mut self, event: &AuditEvent) -> StoreResult<()> {
        self.sql().insert_audit(event).await
    }

    async fn audit_of_user(
        &mut self,
        user_id: &str,
        page: Pagination,
    ) -> StoreResult<(Vec<AuditRow>, u64)> {
        self.sql().audit_of_user(user_id, page).await
    }
}

#[async_trait::async_trait]
impl ConsentRepo for SplitConn {
    async fn insert_consents(&mut self, user_id: &str, rows: &[ConsentRow]) -> StoreResult<()> {
        self.sql().insert_consents(user_id, rows).await
    }

    async fn newest_consents(&mut self, user_id: &str) -> StoreResult<Vec<ConsentRow>> {
        self.sql().newest_consents(user_id).await
    }

    async fn consent_history(&mut self, user_id: &str) -> StoreResult<Vec<ConsentRow>> {
        self.sql().consent_history(user_id).await
    }
}

#[async_trait::async_trait]
impl PrivacyRepo for SplitConn {
    async fn held(&mut self, user_id: &str) -> StoreResult<Option<Held>> {
        self.sql().held(user_id).await
    }

    async fn erase_user(
        &mut self,
        user_id: &str,
        attempt_keys: &[[u8; 32]],
    ) -> StoreResult<Option<Erased>> {
        self.sql().erase_user(user_id, attempt_keys).await
    }
}

#[async_trait::async_trait]
impl RetentionRepo for SplitConn {
    async fn delete_events_before(&mut self, before: Millis) -> StoreResult<(u64, u64)> {
        self.sql().delete_events_before(before).await
    }

    async fn delete_audit_before(&mut self, before: Millis) -> StoreResult<u64> {
        self.sql().delete_audit_before(before).await
    }

    async fn delete_logs_ended_before(&mut self, before: Millis) -> StoreResult<u64> {
        self.sql().delete_logs_ended_before(before).await
    }
}

#[async_trait::async_trait]
impl WalletRepo for SplitConn {
    async fn account_by_wallet(&mut self, wallet: &str) -> StoreResult<Option<AccountRow>> {
        self.sql().account_by_wallet(wallet).await
    }

    async fn set_wallet(&mut self, user_id: &str, wallet: Option<&str>) -> StoreResult<bool> {
        self.sql().set_wallet(user_id, wallet).await
    }

    async fn put_nonce(
        &mut self,
        session_id: &str,
        nonce_hash: &[u8; 32],
        expires_at: Millis,
    ) -> StoreResult<()> {
        self.sql()
            .put_nonce(session_id, nonce_hash, expires_at)
            .await
    }

    async fn take_nonce(&mut self, session_id: &str) -> StoreResult<Option<NonceRow>> {
        self.sql().take_nonce(session_id).await
    }

    async fn prune_nonces(&mut self, now: Millis) -> StoreResult<u64> {
        self.sql().prune_nonces(now).await
    }
}

#[async_trait::async_trait]
impl OversightRepo for SplitConn {
    async fn log_counts(&mut self, public_ids: &[String]) -> StoreResult<Vec<LogCounts>> {
        self.sql().log_counts(public_ids).await
    }

    async fn ended_counts(&mut self, from: Millis, to: Millis) -> StoreResult<Vec<EndCount>> {
        self.sql().ended_counts(from, to).await
    }
}

#[async_trait::async_trait]
impl AnalyticsRepo for SplitConn {
    async fn own_totals(&mut self, scope: &Scope, now: Millis) -> StoreResult<OwnTotals> {
        self.sql().own_totals(scope, now).await
    }

    async fn top_pages(&mut self, scope: &Scope, limit: i64) -> StoreResult<Vec<PageCount>> {
        self.sql().top_pages(scope, limit).await
    }

    async fn session_owner(&mut self, public_id: &str) -> StoreResult<Option<Option<String>>> {
        self.sql().session_owner(public_id).await
    }

    async fn journey(&mut self, public_id: &str, limit: i64) -> StoreResult<Vec<Step>> {
        self.sql().journey(public_id, limit).await
    }
}

#[async_trait::async_trait]
impl InsightsRepo for SplitConn {
    async fn index_events(&mut self) -> StoreResult<u64> {
        self.sql().index_events().await
    }

    async fn session_totals(&mut self, w: Window, now: Millis) -> StoreResult<SessionTotals> {
        self.sql().session_totals(w, now).await
    }

    async fn active_users(&mut self, to: Millis, spans: [Millis; 3]) -> StoreResult<ActiveCounts> {
        self.sql().active_users(to, spans).await
    }

    async fn active_sessions(&mut self, w: Window) -> StoreResult<i64> {
        self.sql().active_sessions(w).await
    }

    async fn popular_pages(&mut self, w: Window, limit: i64) -> StoreResult<Vec<NameCount>> {
        self.sql().popular_pages(w, limit).await
    }

    async fn feature_usage(&mut self, w: Window, limit: i64) -> StoreResult<Vec<NameCount>> {
        self.sql().feature_usage(w, limit).await
    }

    async fn paths(&mut self, w: Window, length: usize, limit: i64) -> StoreResult<Vec<PathRow>> {
        self.sql().paths(w, length, limit).await
    }

    async fn funnel(&mut self, w: Window, steps: &[String]) -> StoreResult<Vec<StepCount>> {
        self.sql().funnel(w, steps).await
    }

    async fn cohorts(&mut self, w: Window) -> StoreResult<Vec<CohortCount>> {
        self.sql().cohorts(w).await
    }

    async fn series(
        &mut self,
        w: Window,
        of: SeriesOf,
        size: Millis,
    ) -> StoreResult<Vec<BucketCount>> {
        self.sql().series(w, of, size).await
    }

    async fn durations(
        &mut self,
        w: Window,
        now: Millis,
        bounds: &[Millis],
    ) -> StoreResult<Vec<BucketCount>> {
        self.sql().durations(w, now, bounds).await
    }
}

#[async_trait::async_trait]
impl DemoRepo for SplitConn {
    async fn insert_demo(&mut self, batch: &DemoBatch) -> StoreResult<()> {
        self.sql().insert_demo(batch).await
    }

    async fn settle_demo(&mut self) -> StoreResult<()> {
        self.sql().settle_demo().await
    }
}
