//! Analytics as the API shows them (`API.md`, "Analytics").

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A page and its views.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageViews {
    pub page: String,
    pub views: i64,
}

/// `GET /api/analytics/me`: the visitor's own figures (a signed-in user's across every
/// session and device; a guest's current session).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnAnalytics {
    pub total_sessions: i64,
    pub total_page_views: i64,
    pub total_actions: i64,
    /// Seconds.
    pub avg_session_duration: i64,
    pub top_pages: Vec<PageViews>,
    pub event_breakdown: BTreeMap<String, i64>,
}

/// One page view of a journey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyStep {
    pub page: String,
    pub at: String,
}

/// `GET /api/analytics/journey`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Journey {
    pub session_id: String,
    pub steps: Vec<JourneyStep>,
}
