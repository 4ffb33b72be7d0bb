//! Preferences: theme, notifications and language, and where they came from.

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
}
