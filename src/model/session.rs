//! Sessions, their page visits and actions, devices and the activity feed, and the
//! pagination envelope every list comes in.

use super::User;
use serde::{Deserialize, Serialize};

/// One page of a list, in the contract's pagination envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
    pub total_pages: u64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, page: u32, per_page: u32, total: u64) -> Self {
        Paged {
            items,
            page,
            per_page,
            total,
            total_pages: total.div_ceil(u64::from(per_page.max(1))),
        }
    }
}

/// A page visit as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageVisit {
    pub page: String,
    pub visited_at: String,
}

/// The answer to logging a page: the visit and how many the session now has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedPage {
    pub page: String,
    pub visited_at: String,
    pub total: u64,
}

/// An action as the API shows it. `details` is kept as JSON text so this type stays
/// comparable and cheap to carry through server functions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionEntry {
    pub action: String,
    pub details: serde_json::Value,
    pub at: String,
}

/// The current session (`Session` in the contract).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub id: String,
    pub start_time: String,
    pub last_activity: String,
    pub expires_at: String,
    pub duration: i64,
    pub user: Option<User>,
    pub pages_visited: Paged<PageVisit>,
}

/// One entry of `GET /api/activity`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityItem {
    #[serde(rename = "type")]
    pub kind: String,
    pub session_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    pub at: String,
}

/// One of the signed-in user's live sessions, as `GET /api/sessions` lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceSession {
    pub id: String,
    pub current: bool,
    pub start_time: String,
    pub last_activity: String,
    pub expires_at: String,
    pub ip: Option<String>,
    pub user_agent: String,
    /// Held by an app through a bearer token (`POST /api/auth/token`), not a browser.
    pub app: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_pages_rounds_up_and_is_zero_for_an_empty_list() {
        assert_eq!(Paged::<u8>::new(vec![], 1, 20, 0).total_pages, 0);
        assert_eq!(Paged::<u8>::new(vec![], 1, 20, 20).total_pages, 1);
        assert_eq!(Paged::<u8>::new(vec![], 1, 20, 21).total_pages, 2);
    }
}
