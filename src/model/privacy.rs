//! Consent and the export of everything held about a user.

use super::{ActivityItem, AuditEntry, User};
use serde::{Deserialize, Serialize};

/// A kind of consent (`type` in the API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsentType {
    /// First-party, aggregate-only audience measurement: on until the user objects.
    Analytics,
    /// Marketing: off until the user opts in.
    Marketing,
}

impl ConsentType {
    pub const ALL: [ConsentType; 2] = [ConsentType::Analytics, ConsentType::Marketing];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentType::Analytics => "analytics",
            ConsentType::Marketing => "marketing",
        }
    }

    pub fn parse(raw: &str) -> Option<ConsentType> {
        ConsentType::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// What holds until the user chooses.
    pub fn default_granted(self) -> bool {
        matches!(self, ConsentType::Analytics)
    }
}

/// The state of one kind of consent (an item of `GET /api/consent`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentItem {
    #[serde(rename = "type")]
    pub kind: ConsentType,
    pub granted: bool,
    /// The policy version the choice was made under (the current one for a default).
    pub version: String,
    /// When the choice was made; `None` for a choice never made (the default holds).
    pub updated_at: Option<String>,
}

/// `GET /api/consent`: the policy in force and the state of each kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentState {
    pub policy_version: String,
    pub items: Vec<ConsentItem>,
}

impl ConsentState {
    /// Each kind with its state, as choices to record again.
    pub fn choices(&self) -> Vec<(ConsentType, bool)> {
        self.items.iter().map(|i| (i.kind, i.granted)).collect()
    }

    pub fn granted(&self, kind: ConsentType) -> bool {
        self.items
            .iter()
            .find(|i| i.kind == kind)
            .map_or(kind.default_granted(), |i| i.granted)
    }
}

/// One choice as kept (an item of `GET /api/consent/history`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentRecord {
    #[serde(rename = "type")]
    pub kind: ConsentType,
    pub granted: bool,
    pub version: String,
    pub at: String,
    /// How it was made: `api`, `privacy_page` or `prompt`.
    pub method: String,
}

/// `GET /api/gdpr/export`: everything held about a user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Export {
    /// The version of this shape (see `domain::privacy::EXPORT_SCHEMA_VERSION`).
    pub schema_version: u32,
    pub exported_at: String,
    pub user: User,
    /// The preferences kept in the account (`null` if the user never had any saved).
    pub preferences: Option<ExportedPreferences>,
    /// Every session, live or ended, with its device (user agent and IP), oldest first.
    pub sessions: Vec<ExportedSession>,
    /// Every page view and action, oldest first.
    pub activity: Vec<ActivityItem>,
    pub consents: ExportedConsents,
    /// Every security event about the user, oldest first.
    pub audit: Vec<ExportedAuditEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedPreferences {
    pub theme: String,
    pub notifications: String,
    pub language: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedSession {
    pub id: String,
    pub start_time: String,
    /// `null` while the session is live.
    pub end_time: Option<String>,
    pub end_reason: Option<String>,
    pub live: bool,
    /// The last activity kept for a live session.
    pub last_activity: Option<String>,
    pub user_agent: String,
    pub ip: Option<String>,
    pub page_views: i64,
    pub actions: i64,
    /// The session's data, by key (an ended session has none).
    pub data: Vec<super::DataEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedConsents {
    pub policy_version: String,
    /// The state of each kind, as `GET /api/consent` shows it.
    pub items: Vec<ConsentItem>,
    /// Every choice made, newest first, as `GET /api/consent/history` shows it.
    pub history: Vec<ConsentRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedAuditEntry {
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// The public id of the session concerned, when there is one.
    pub session_id: Option<String>,
}
