//! Analytics for administrators (`API.md`, "Analytics", admin only) and what the `/admin`
//! dashboard draws from them. Every figure leaves out the users who objected to analytics.

use super::PageViews;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The periods `/admin` offers, as its "Period" picker sends them, with their length in
/// days; the first is the default.
pub const PERIODS: [(&str, i64); 3] = [("30d", 30), ("7d", 7), ("90d", 90)];

/// The most steps a funnel has, and the longest path: as many pages as the log keeps
/// of each session (`session_log.p1..p5`).
pub const MAX_STEPS: usize = 5;

/// Distinct signed-in users with activity in the day, week and month up to the period's end.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveUsers {
    pub day: i64,
    pub week: i64,
    pub month: i64,
}

/// A page with its views and its visitors (distinct sessions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopularPage {
    pub page: String,
    pub views: i64,
    pub visitors: i64,
}

/// An action, how many visitors took it (a signed-in user counted once across devices, a
/// guest per session) and how often.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureUse {
    pub action: String,
    pub users: i64,
    pub count: i64,
}

/// `GET /api/admin/analytics/overview`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub active_users: ActiveUsers,
    /// Sessions with activity in the 5 minutes before the period's end.
    pub active_sessions: i64,
    /// Sessions started in the period.
    pub total_sessions: i64,
    /// Seconds: the mean of the durations of the sessions started in the period.
    pub avg_session_duration: i64,
    pub popular_pages: Vec<PopularPage>,
    pub event_breakdown: BTreeMap<String, i64>,
    pub feature_usage: Vec<FeatureUse>,
}

/// A path: the first pages of sessions, in order, and how many sessions began with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathCount {
    pub path: Vec<String>,
    pub sessions: i64,
}

/// `GET /api/admin/analytics/paths`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paths {
    pub items: Vec<PathCount>,
}

/// One step of a funnel: the sessions that reached it having visited every earlier step
/// first, in order, and their share of the first step's (0..1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunnelStep {
    pub step: String,
    pub sessions: i64,
    pub conversion: f64,
}

/// `GET /api/admin/analytics/funnel`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Funnel {
    pub steps: Vec<FunnelStep>,
}

/// The users whose first sign-in fell in an ISO week, and how many of them were active in
/// that week and each following one (`retained[0]` is the whole cohort).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cohort {
    /// `2026-W40`.
    pub cohort: String,
    pub users: i64,
    pub retained: Vec<i64>,
}

/// `GET /api/admin/analytics/retention`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    pub cohorts: Vec<Cohort>,
}

/// A value at the start of an interval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    /// RFC 3339, the interval's start.
    pub t: String,
    pub value: i64,
}

/// `GET /api/admin/analytics/timeseries`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeseries {
    pub points: Vec<Point>,
}

/// `GET /api/admin/analytics/realtime`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Realtime {
    /// Sessions with activity in the last 5 minutes.
    pub active_sessions: i64,
    /// Page views per minute, the last 30 minutes, oldest first.
    pub page_views: Vec<Point>,
    /// The most viewed pages of the last 30 minutes.
    pub top_pages: Vec<PageViews>,
}

/// Sessions whose duration fell in `[from, to)` seconds (`to` is `None` for the last bucket).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationBucket {
    pub from: i64,
    pub to: Option<i64>,
    pub sessions: i64,
}

/// `GET /api/admin/analytics/durations` (beyond the contract: the dashboard's distribution).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durations {
    pub buckets: Vec<DurationBucket>,
}

/// Everything `/admin` draws, for one period and one funnel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// The period as chosen (`7d`, `30d`, `90d`), and its bounds (RFC 3339).
    pub period: String,
    pub from: String,
    pub to: String,
    pub overview: Overview,
    /// Active users per day of the period.
    pub active_users: Timeseries,
    pub durations: Durations,
    pub paths: Paths,
    pub funnel: Funnel,
    pub retention: Retention,
    pub realtime: Realtime,
}
