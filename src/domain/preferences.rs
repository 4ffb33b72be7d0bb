//! Preferences: their defaults, how a change is validated and saved, and their compact
//! cookie form.
//!
//! Guests keep preferences in a signed cookie (signing is the web layer's job; this module
//! only says what the value inside looks like). Signed-in users keep them in the account,
//! the same on every device; the cookie mirrors them.

use super::visitor::Visitor;
use super::{AuditKind, Error, Happened, Millis, PrefsCookie, Result};
use crate::model::{
    Language, Notifications, PreferenceSource, Preferences, PreferencesInput, Theme,
};
use crate::store::Store;
use std::sync::Arc;

/// The defaults for a visitor with no stored preferences: light, notifications on, and the
/// best supported match of their `Accept-Language` header.
pub fn defaults(accept_language: Option<&str>) -> Preferences {
    Preferences {
        language: negotiate_language(accept_language.unwrap_or("")),
        ..Preferences::default()
    }
}

/// Picks the supported language the visitor ranks highest (`q` weights, then order);
/// English when none matches. `es-MX` matches `es`; `*` matches nothing in particular.
pub fn negotiate_language(header: &str) -> Language {
    let mut best: Option<(f32, usize, Language)> = None;
    for (index, part) in header.split(',').enumerate() {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim();
        let primary = tag.split('-').next().unwrap_or("");
        let Some(language) = Language::ALL
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.code()))
        else {
            continue;
        };
        let mut q = 1.0f32;
        for param in pieces {
            if let Some(value) = param.trim().strip_prefix("q=") {
                // A weight is from 0 to 1 (RFC 9110); any other (`q=7`, `q=NaN`) counts as 0,
                // as an unreadable one does, so it cannot outrank a real `q=1`.
                q = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|w| (0.0..=1.0).contains(w))
                    .unwrap_or(0.0);
            }
        }
        if q <= 0.0 {
            continue;
        }
        // Higher q wins; on a tie the earlier entry wins.
        if best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && index < bi)) {
            best = Some((q, index, language));
        }
    }
    best.map(|(_, _, l)| l).unwrap_or_default()
}

/// A validated change to some of the preferences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PreferencesPatch {
    pub theme: Option<Theme>,
    pub notifications: Option<Notifications>,
    pub language: Option<Language>,
}

const FIELDS: &str = "theme, notifications or language";

impl TryFrom<PreferencesInput> for PreferencesPatch {
    type Error = Error;

    /// Validates a change such as `{"theme": "dark", "language": "English"}`: at least one
    /// field, each a known value. Every failure names the field at fault.
    fn try_from(input: PreferencesInput) -> Result<Self> {
        let patch = PreferencesPatch {
            theme: input.theme.as_deref().map(parse_theme).transpose()?,
            notifications: input
                .notifications
                .as_deref()
                .map(parse_notifications)
                .transpose()?,
            language: input.language.as_deref().map(parse_language).transpose()?,
        };
        if patch == PreferencesPatch::default() {
            return Err(Error::Validation {
                field: None,
                message: format!("give at least one of {FIELDS}"),
            });
        }
        Ok(patch)
    }
}

impl PreferencesPatch {
    /// The preferences after this change.
    pub fn apply(self, base: Preferences) -> Preferences {
        Preferences {
            theme: self.theme.unwrap_or(base.theme),
            notifications: self.notifications.unwrap_or(base.notifications),
            language: self.language.unwrap_or(base.language),
            source: base.source,
        }
    }
}

/// The preferences service.
#[derive(Clone, Debug)]
pub struct PreferencesService {
    store: Arc<dyn Store>,
}

impl PreferencesService {
    pub fn new(store: Arc<dyn Store>) -> Self {
        PreferencesService { store }
    }

    /// Applies a change; the cookie is always rewritten. A signed-in user's are saved to
    /// the account too (audited as `preferences_changed`), so every device shows them from
    /// its next page. Returns the preferences now in effect.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn update(
        &self,
        visitor: &mut Visitor,
        patch: PreferencesPatch,
        now: Millis,
    ) -> Result<(Preferences, Happened)> {
        let mut prefs = patch.apply(visitor.prefs);
        let mut happened = Happened::default();
        match &visitor.account {
            Some(account) => {
                prefs.source = PreferenceSource::Account;
                let event = visitor
                    .audit_event(AuditKind::PreferencesChanged, now)
                    .details(serde_json::json!({
                        "theme": prefs.theme.as_str(),
                        "notifications": prefs.notifications.as_str(),
                        "language": prefs.language.code(),
                    }));
                let mut tx = self.store.begin().await?;
                tx.save_preferences(&account.id, &prefs, now).await?;
                happened.audit(&mut *tx, event).await?;
                tx.commit().await?;
            }
            None => prefs.source = PreferenceSource::Cookie,
        }
        visitor.prefs = prefs;
        happened.prefs_cookie = PrefsCookie::Write(prefs);
        Ok((prefs, happened))
    }
}

fn parse_theme(raw: &str) -> Result<Theme> {
    Theme::ALL
        .into_iter()
        .find(|t| raw.trim().eq_ignore_ascii_case(t.as_str()))
        .ok_or_else(|| Error::invalid("theme", "theme must be \"light\" or \"dark\""))
}

fn parse_notifications(raw: &str) -> Result<Notifications> {
    Notifications::ALL
        .into_iter()
        .find(|n| raw.trim().eq_ignore_ascii_case(n.as_str()))
        .ok_or_else(|| {
            Error::invalid(
                "notifications",
                "notifications must be \"enabled\" or \"disabled\"",
            )
        })
}

fn parse_language(raw: &str) -> Result<Language> {
    Language::parse(raw).ok_or_else(|| {
        Error::invalid(
            "language",
            "language must be one of \"en\", \"es\", \"fr\", \"de\" (or English, Spanish, French, German)",
        )
    })
}

/// The value stored (signed) in the preferences cookie: `v1.dark.enabled.en`. Short, and
/// made only of characters a cookie value may hold without quoting.
pub fn to_cookie_value(p: &Preferences) -> String {
    format!(
        "v1.{}.{}.{}",
        p.theme.as_str(),
        p.notifications.as_str(),
        p.language.code()
    )
}

/// Reads a cookie value back; anything unexpected is `None` (the defaults then apply).
pub fn from_cookie_value(value: &str) -> Option<Preferences> {
    let mut parts = value.split('.');
    let (version, theme, notifications, language) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if version != "v1" || parts.next().is_some() {
        return None;
    }
    from_codes(theme, notifications, language, PreferenceSource::Cookie)
}

/// Preferences from their exact codes (`dark`, `enabled`, `en`), as the cookie and the
/// account store them; `None` if any is not one of ours.
pub fn from_codes(
    theme: &str,
    notifications: &str,
    language: &str,
    source: PreferenceSource,
) -> Option<Preferences> {
    Some(Preferences {
        theme: Theme::ALL.into_iter().find(|t| t.as_str() == theme)?,
        notifications: Notifications::ALL
            .into_iter()
            .find(|n| n.as_str() == notifications)?,
        language: Language::ALL.into_iter().find(|l| l.code() == language)?,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The patch of a JSON body, as the API reads it.
    fn from_json(v: serde_json::Value) -> Result<PreferencesPatch> {
        let input: PreferencesInput = serde_json::from_value(v).unwrap();
        PreferencesPatch::try_from(input)
    }

    fn field_of(err: Error) -> Option<String> {
        match err {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn accept_language_picks_the_best_supported_match() {
        assert_eq!(
            negotiate_language("fr-CH, fr;q=0.9, en;q=0.8"),
            Language::Fr
        );
        assert_eq!(negotiate_language("ja, de;q=0.5, es;q=0.7"), Language::Es);
        assert_eq!(negotiate_language("es-MX"), Language::Es);
        assert_eq!(negotiate_language("de;q=0, en;q=0.1"), Language::En);
        assert_eq!(negotiate_language("ja, zh"), Language::En);
        assert_eq!(negotiate_language(""), Language::En);
        assert_eq!(defaults(Some("de-DE")).language, Language::De);
        assert_eq!(defaults(None).source, PreferenceSource::Default);
    }

    #[test]
    fn a_weight_out_of_range_cannot_outrank_q_1() {
        // Found by the fuzzer (fuzz/fuzz_targets/accept_language.rs): `q=7` beat `en`.
        assert_eq!(negotiate_language("en, fr;q=7"), Language::En);
        assert_eq!(negotiate_language("fr;q=7"), Language::En);
        assert_eq!(negotiate_language("en;q=0.5, de;q=NaN"), Language::En);
        assert_eq!(negotiate_language("de;q=inf, es;q=1.0"), Language::Es);
    }

    #[test]
    fn the_seed_example_body_works_as_is() {
        let patch =
            from_json(json!({"theme": "dark", "notifications": "enabled", "language": "English"}))
                .unwrap();
        let prefs = patch.apply(Preferences::default());
        assert_eq!(prefs.theme, Theme::Dark);
        assert_eq!(prefs.notifications, Notifications::Enabled);
        assert_eq!(prefs.language, Language::En);
    }

    #[test]
    fn a_subset_changes_only_itself() {
        let base = Preferences {
            theme: Theme::Dark,
            language: Language::De,
            ..Default::default()
        };
        let prefs = from_json(json!({"notifications": "disabled"}))
            .unwrap()
            .apply(base);
        assert_eq!(
            (prefs.theme, prefs.notifications, prefs.language),
            (Theme::Dark, Notifications::Disabled, Language::De)
        );
    }

    #[test]
    fn bad_input_names_the_field() {
        assert_eq!(
            field_of(from_json(json!({"theme": "blue"})).unwrap_err()),
            Some("theme".into())
        );
        assert_eq!(
            field_of(from_json(json!({"language": "Klingon"})).unwrap_err()),
            Some("language".into())
        );
        assert_eq!(field_of(from_json(json!({})).unwrap_err()), None);
        assert_eq!(
            field_of(from_json(json!({"theme": "light", "notifications": "loud"})).unwrap_err()),
            Some("notifications".into())
        );
    }

    #[test]
    fn the_cookie_value_round_trips_and_rejects_anything_else() {
        let p = Preferences {
            theme: Theme::Dark,
            notifications: Notifications::Disabled,
            language: Language::Fr,
            source: PreferenceSource::Cookie,
        };
        assert_eq!(to_cookie_value(&p), "v1.dark.disabled.fr");
        assert_eq!(from_cookie_value("v1.dark.disabled.fr"), Some(p));
        for bad in [
            "",
            "v2.dark.disabled.fr",
            "v1.dark.disabled",
            "v1.dark.disabled.fr.x",
            "v1.blue.enabled.en",
        ] {
            assert_eq!(from_cookie_value(bad), None, "{bad}");
        }
    }
}
