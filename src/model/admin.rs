//! The administration of sessions (`API.md`, "Administration of sessions").

use super::{Paged, User};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One live session, as an administrator sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminSession {
    pub id: String,
    pub user: Option<User>,
    pub start_time: String,
    pub last_activity: String,
    pub expires_at: String,
    pub ip: Option<String>,
    pub user_agent: String,
    pub page_views: i64,
    pub actions: i64,
}

/// `GET /api/admin/sessions/stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionStats {
    pub live: i64,
    pub guests: i64,
    pub signed_in: i64,
    /// Distinct signed-in users.
    pub users: i64,
    /// Live sessions by browser (`Other` for what is not recognised).
    pub by_browser: BTreeMap<String, i64>,
    /// Sessions that ended in the period, by reason.
    pub ended: BTreeMap<String, i64>,
    /// The period `ended` covers.
    pub from: String,
    pub to: String,
}

/// What `/admin/sessions` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSessionsData {
    pub sessions: Paged<AdminSession>,
    pub stats: SessionStats,
    /// The admin's own session, marked in the table.
    pub current: String,
    /// Whether the admin signed in recently enough to sign sessions out.
    pub recent_auth: bool,
}

/// The browser a `User-Agent` names, as the statistics and the devices page call it.
pub fn browser_name(user_agent: &str) -> Option<&'static str> {
    [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map(|(_, name)| name)
}
