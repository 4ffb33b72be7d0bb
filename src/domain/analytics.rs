//! Analytics for each visitor about themselves: totals, top pages, the breakdown of events,
//! and the journey of a session. Every figure is computed by the store's SQL.

use super::visitor::Visitor;
use super::{rfc3339, Error, Millis, Result, Scope};
use crate::model::{Journey, JourneyStep, OwnAnalytics, PageViews};
use crate::store::Store;
use std::sync::Arc;

/// Pages in `topPages`.
const TOP_PAGES: i64 = 10;
/// Steps a journey shows at most: enough for any visit a person makes; a script that
/// logged more sees the first ones.
const MAX_STEPS: i64 = 1000;

#[derive(Clone, Debug)]
pub struct Analytics {
    store: Arc<dyn Store>,
}

impl Analytics {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Analytics { store }
    }

    /// A signed-in user's whole history, a guest's current session.
    fn scope(visitor: &Visitor) -> Result<Scope> {
        let record = &visitor.live()?.record;
        Ok(match &record.user_id {
            Some(user) => Scope::User(user.clone()),
            None => Scope::Session(record.public_id.clone()),
        })
    }

    /// `GET /api/analytics/me`.
    pub async fn me(&self, visitor: &Visitor, now: Millis) -> Result<OwnAnalytics> {
        let scope = Self::scope(visitor)?;
        let mut conn = self.store.conn();
        let totals = conn.own_totals(&scope, now).await?;
        let top_pages = conn
            .top_pages(&scope, TOP_PAGES)
            .await?
            .into_iter()
            .map(|p| PageViews {
                page: p.name,
                views: p.views,
            })
            .collect();
        Ok(OwnAnalytics {
            total_sessions: totals.sessions,
            total_page_views: totals.page_views,
            total_actions: totals.actions,
            avg_session_duration: totals.avg_duration / 1000,
            top_pages,
            event_breakdown: [
                ("page_view".to_string(), totals.page_views),
                ("action".to_string(), totals.actions),
            ]
            .into_iter()
            .collect(),
        })
    }

    /// The page views of one of the visitor's sessions in order (the current one when
    /// `session` is `None`); another's session is `NotFound`, as one that does not exist.
    pub async fn journey(&self, visitor: &Visitor, session: Option<&str>) -> Result<Journey> {
        let current = &visitor.live()?.record;
        let id = session.unwrap_or(&current.public_id);
        let mut conn = self.store.conn();
        if id != current.public_id {
            let owner = conn.session_owner(id).await?;
            let mine = match (owner, &current.user_id) {
                (Some(Some(owner)), Some(me)) => owner == *me,
                _ => false,
            };
            if !mine {
                return Err(Error::NotFound("session"));
            }
        }
        let steps = conn
            .journey(id, MAX_STEPS)
            .await?
            .into_iter()
            .map(|s| JourneyStep {
                page: s.name,
                at: rfc3339(s.at),
            })
            .collect();
        Ok(Journey {
            session_id: id.to_string(),
            steps,
        })
    }
}
