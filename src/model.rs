//! Types that cross the wire: the JSON bodies of the API and the values server functions
//! return to the browser. They compile for both the server and the browser (`hydrate`), so
//! they hold plain data only: no database handles, no HTTP types.

use serde::{Deserialize, Serialize};

/// A colour scheme the pages can be drawn in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// Whether the visitor wants notifications.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Notifications {
    #[default]
    Enabled,
    Disabled,
}

/// The languages Squid speaks. The order is the order of the language select.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Es,
    Fr,
    De,
}

impl Theme {
    pub const ALL: [Theme; 2] = [Theme::Light, Theme::Dark];
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

impl Notifications {
    pub const ALL: [Notifications; 2] = [Notifications::Enabled, Notifications::Disabled];
    pub fn as_str(self) -> &'static str {
        match self {
            Notifications::Enabled => "enabled",
            Notifications::Disabled => "disabled",
        }
    }
}

impl Language {
    pub const ALL: [Language; 4] = [Language::En, Language::Es, Language::Fr, Language::De];

    /// The BCP 47 code, as used in `<html lang>` and the API.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
            Language::Fr => "fr",
            Language::De => "de",
        }
    }

    /// The English name, which the API also accepts as input ("Spanish" -> `es`).
    pub fn english_name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Es => "Spanish",
            Language::Fr => "French",
            Language::De => "German",
        }
    }

    /// The language's name in itself, as shown in the language select.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Es => "Español",
            Language::Fr => "Français",
            Language::De => "Deutsch",
        }
    }

    /// Parses a code (`"es"`) or an English name (`"Spanish"`), ignoring case.
    pub fn parse(input: &str) -> Option<Language> {
        let input = input.trim();
        Language::ALL.into_iter().find(|l| {
            input.eq_ignore_ascii_case(l.code()) || input.eq_ignore_ascii_case(l.english_name())
        })
    }
}

/// Where the preferences in effect came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PreferenceSource {
    #[default]
    Default,
    Cookie,
    Account,
}

/// The preferences in effect for a visitor (`Preferences` in the API contract).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    pub theme: Theme,
    pub notifications: Notifications,
    pub language: Language,
    pub source: PreferenceSource,
}

impl Preferences {
    /// Whether both hold the same three choices, wherever they came from.
    pub fn same_choices(&self, other: &Preferences) -> bool {
        (self.theme, self.notifications, self.language)
            == (other.theme, other.notifications, other.language)
    }
}

/// A signed-in user (`User` in the contract).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub role: String,
    pub created_at: String,
}

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
}

/// One security event of `GET /api/audit`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub at: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: Option<serde_json::Value>,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_parses_codes_and_english_names_in_any_case() {
        assert_eq!(Language::parse("English"), Some(Language::En));
        assert_eq!(Language::parse("sPaNiSh"), Some(Language::Es));
        assert_eq!(Language::parse("FR"), Some(Language::Fr));
        assert_eq!(Language::parse(" de "), Some(Language::De));
        assert_eq!(Language::parse("Klingon"), None);
        assert_eq!(Language::parse(""), None);
    }

    #[test]
    fn total_pages_rounds_up_and_is_zero_for_an_empty_list() {
        assert_eq!(Paged::<u8>::new(vec![], 1, 20, 0).total_pages, 0);
        assert_eq!(Paged::<u8>::new(vec![], 1, 20, 20).total_pages, 1);
        assert_eq!(Paged::<u8>::new(vec![], 1, 20, 21).total_pages, 2);
    }
}
