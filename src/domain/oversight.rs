//! The administration of sessions: every live session with its user and counts, the
//! statistics, and ending any session or all of a user's. Administrators only; ending
//! needs their recent sign-in, and each end is audited for the affected user as
//! `session_revoked` with `details.reason = "admin"` (through [`Sessions::end`]).

use super::accounts::validate::Email;
use super::accounts::Accounts;
use super::sessions::Sessions;
use super::visitor::Visitor;
use super::{rfc3339, EndReason, Error, Happened, Millis, Pagination, Result, SessionChange};
use crate::model::{browser_name, AdminSession, Paged, SessionStats, User};
use crate::store::{LiveFilter, Store, StoredSession};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Which sessions to list: the `user` (email or id) and `kind` of the query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionQuery {
    pub user: Option<String>,
    /// `Some(true)`: signed-in users' only; `Some(false)`: guests' only.
    pub signed_in: Option<bool>,
}

impl SessionQuery {
    /// From the raw query: `user` (blank is none) and `kind` (`guest` or `user`).
    pub fn parse(user: Option<&str>, kind: Option<&str>) -> Result<SessionQuery> {
        let signed_in = match kind {
            None | Some("") => None,
            Some("user") => Some(true),
            Some("guest") => Some(false),
            Some(_) => return Err(Error::invalid("kind", "kind must be \"guest\" or \"user\"")),
        };
        let user = user.map(str::trim).filter(|u| !u.is_empty());
        Ok(SessionQuery {
            user: user.map(str::to_string),
            signed_in,
        })
    }
}

/// A time of the query (`from`, `to`): RFC 3339, as the API writes them.
pub fn parse_time(field: &str, raw: Option<&str>) -> Result<Option<Millis>> {
    raw.map(|raw| super::parse_rfc3339(field, raw)).transpose()
}

/// The period of the statistics' `ended`.
pub const DEFAULT_PERIOD: Millis = 24 * 3600 * 1000;

#[derive(Clone, Debug)]
pub struct Oversight {
    store: Arc<dyn Store>,
    sessions: Sessions,
    accounts: Accounts,
    reauth_window: Millis,
}

impl Oversight {
    pub fn new(
        store: Arc<dyn Store>,
        sessions: Sessions,
        accounts: Accounts,
        reauth_window: Millis,
    ) -> Self {
        Oversight {
            store,
            sessions,
            accounts,
            reauth_window,
        }
    }

    pub fn recently_authenticated(&self, visitor: &Visitor, now: Millis) -> bool {
        visitor.recently_authenticated(self.reauth_window, now)
    }

    fn filter<'q>(
        &self,
        user_id: Option<&'q str>,
        signed_in: Option<bool>,
        now: Millis,
    ) -> LiveFilter<'q> {
        LiveFilter {
            active_after: now - self.sessions.policy.idle,
            started_after: now - self.sessions.policy.absolute,
            user_id,
            signed_in,
        }
    }

    /// The id of the account a query's `user` names (an email, else an id).
    async fn user_id_of(&self, user: &str) -> Result<Option<String>> {
        if !user.contains('@') {
            return Ok(Some(user.to_string()));
        }
        let Ok(email) = Email::parse(user) else {
            return Ok(None);
        };
        Ok(self
            .store
            .conn()
            .account_by_email(email.as_str())
            .await?
            .map(|row| row.id))
    }

    /// One page of everyone's live sessions, most recently active first.
    pub async fn list(
        &self,
        visitor: &Visitor,
        query: &SessionQuery,
        page: Pagination,
        now: Millis,
    ) -> Result<Paged<AdminSession>> {
        visitor.admin()?;
        let user_id = match &query.user {
            Some(user) => match self.user_id_of(user).await? {
                Some(id) => Some(id),
                None => return Ok(Paged::new(vec![], page.page, page.per_page, 0)),
            },
            None => None,
        };
        let filter = self.filter(user_id.as_deref(), query.signed_in, now);
        let mut conn = self.store.conn();
        let (sessions, total) = conn
            .live_sessions(filter, page.offset() as u64, u64::from(page.per_page))
            .await?;
        let ids: Vec<String> = sessions
            .iter()
            .map(|s| s.record.public_id.clone())
            .collect();
        let counts: HashMap<String, (i64, i64)> = conn
            .log_counts(&ids)
            .await?
            .into_iter()
            .map(|c| (c.public_id, (c.page_views, c.actions)))
            .collect();
        let users = self.users_of(&sessions).await?;
        let policy = &self.sessions.policy;
        let items = sessions
            .into_iter()
            .map(|s| {
                let r = s.record;
                let (page_views, actions) = counts.get(&r.public_id).copied().unwrap_or((0, 0));
                AdminSession {
                    user: r.user_id.as_ref().and_then(|u| users.get(u).cloned()),
                    start_time: rfc3339(r.started_at),
                    last_activity: rfc3339(r.last_activity),
                    expires_at: rfc3339(r.expires_at(policy)),
                    id: r.public_id,
                    ip: r.ip,
                    user_agent: r.user_agent,
                    page_views,
                    actions,
                }
            })
            .collect();
        Ok(Paged::new(items, page.page, page.per_page, total))
    }

    async fn users_of(&self, sessions: &[StoredSession]) -> Result<HashMap<String, User>> {
        let ids: HashSet<&String> = sessions
            .iter()
            .filter_map(|s| s.record.user_id.as_ref())
            .collect();
        let mut users = HashMap::new();
        for id in ids {
            if let Some((account, _)) = self.accounts.find(id).await? {
                users.insert(id.clone(), account.to_user());
            }
        }
        Ok(users)
    }

    /// The statistics of the live sessions, and of those that ended in `[from, to)`
    /// (by default the last 24 hours).
    pub async fn stats(
        &self,
        visitor: &Visitor,
        from: Option<Millis>,
        to: Option<Millis>,
        now: Millis,
    ) -> Result<SessionStats> {
        visitor.admin()?;
        // Half-open, so "up to now" must end just after now: a session ended in this
        // very millisecond was missed (a flaky CI run on a fast machine).
        let to = to.unwrap_or(now + 1);
        let from = from.unwrap_or(to - DEFAULT_PERIOD);
        if from > to {
            return Err(Error::invalid("from", "from must not be after to"));
        }
        let live = self.filter(None, None, now);
        let mut conn = self.store.conn();
        let mut stats = SessionStats {
            from: rfc3339(from),
            to: rfc3339(to),
            ..Default::default()
        };
        let mut users = HashSet::new();
        for row in conn
            .live_tally(live.active_after, live.started_after)
            .await?
        {
            stats.live += row.sessions;
            match row.user_id {
                Some(user) => {
                    stats.signed_in += row.sessions;
                    users.insert(user);
                }
                None => stats.guests += row.sessions,
            }
            let browser = browser_name(&row.user_agent).unwrap_or("Other");
            *stats.by_browser.entry(browser.to_string()).or_default() += row.sessions;
        }
        stats.users = users.len() as i64;
        for key in ["logout", "expired", "revoked", "evicted"] {
            stats.ended.insert(key.to_string(), 0);
        }
        for row in conn.ended_counts(from, to).await? {
            if let Some(key) = EndReason::stats_key(&row.end_reason) {
                *stats.ended.entry(key.to_string()).or_default() += row.sessions;
            }
        }
        Ok(stats)
    }

    fn require_recent_auth(&self, visitor: &Visitor, now: Millis) -> Result<()> {
        match self.recently_authenticated(visitor, now) {
            true => Ok(()),
            false => Err(Error::ReauthenticationRequired),
        }
    }

    /// Ends the live session with this public id.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn end_session(&self, visitor: &Visitor, id: &str, now: Millis) -> Result<Happened> {
        visitor.admin()?;
        self.require_recent_auth(visitor, now)?;
        let found = self.store.conn().session_by_public_id(id).await?;
        let found = found.filter(|s| s.record.is_live(&self.sessions.policy, now));
        let Some(session) = found else {
            return Err(Error::NotFound("session"));
        };
        self.end(visitor, vec![session], now).await
    }

    /// Ends every session of the user with this id.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn end_user_sessions(
        &self,
        visitor: &Visitor,
        user_id: &str,
        now: Millis,
    ) -> Result<Happened> {
        visitor.admin()?;
        self.require_recent_auth(visitor, now)?;
        if self.accounts.find(user_id).await?.is_none() {
            return Err(Error::NotFound("user"));
        }
        let sessions = self.store.conn().user_sessions(user_id).await?;
        self.end(visitor, sessions, now).await
    }

    async fn end(
        &self,
        visitor: &Visitor,
        sessions: Vec<StoredSession>,
        now: Millis,
    ) -> Result<Happened> {
        let mut happened = Happened::default();
        let hashes: Vec<_> = sessions.iter().map(|s| s.hash).collect();
        let mut tx = self.store.begin().await?;
        if let [user_id] = users_in(&sessions).as_slice() {
            tx.hold_user(user_id).await?;
        }
        let ended = self
            .sessions
            .end(
                &mut *tx,
                &hashes,
                EndReason::Admin,
                Some(&visitor.origin()),
                now,
            )
            .await?;
        tx.commit().await?;
        let own = visitor.session.as_ref().map(|s| s.token.hash());
        if own.is_some_and(|own| hashes.contains(&own)) {
            happened.session = SessionChange::Ended;
        }
        happened.ended(ended);
        Ok(happened)
    }
}

fn users_in(sessions: &[StoredSession]) -> Vec<String> {
    let mut users: Vec<String> = sessions
        .iter()
        .filter_map(|s| s.record.user_id.clone())
        .collect();
    users.sort_unstable();
    users.dedup();
    users
}
