//! Consent: what a signed-in user agrees to, under which version of the policy, and the
//! record of every choice they made.
//!
//! Two kinds exist ([`ConsentType`]): `analytics` holds until the user objects, `marketing`
//! only once they opt in. Each choice is a new record (time, policy version, what was
//! chosen and how), never an update, so the history is the proof of what was agreed when.
//! The state of a kind is its newest record, or its default when there is none.
//!
//! The policy has a version (`CONSENT_POLICY_VERSION`). A user whose newest choice was
//! made under another version, or who never chose, is *due*: the pages ask again.

use super::audit::{AuditEvent, AuditKind};
use super::{rfc3339, Error, Result};
use crate::model::{ConsentItem, ConsentRecord, ConsentState, ConsentType};
use crate::store::consent::ConsentRow;
use crate::store::{self, Db};
use std::sync::Arc;

/// How a choice was made, kept with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentMethod {
    /// `POST /api/consent`.
    Api,
    /// The form of the `/privacy` page.
    PrivacyPage,
    /// The prompt every page shows while the user is due.
    Prompt,
}

impl ConsentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentMethod::Api => "api",
            ConsentMethod::PrivacyPage => "privacy_page",
            ConsentMethod::Prompt => "prompt",
        }
    }
}

/// Parses a consent `type`, naming the field when it is not one.
pub fn parse_type(raw: &str) -> Result<ConsentType> {
    ConsentType::parse(raw)
        .ok_or_else(|| Error::invalid("type", "type must be \"analytics\" or \"marketing\""))
}

/// Whether a user whose newest choice was made under `newest_version` must be asked again
/// (or for the first time) under `policy_version`.
pub fn is_due(policy_version: &str, newest_version: Option<&str>) -> bool {
    newest_version != Some(policy_version)
}

/// The state of each kind: its first record in `newest_first`, else its default under the
/// current policy.
fn state_from(policy_version: &str, newest_first: &[ConsentRow]) -> ConsentState {
    let items = ConsentType::ALL
        .into_iter()
        .map(|kind| match newest_first.iter().find(|r| r.kind == kind) {
            Some(r) => ConsentItem {
                kind,
                granted: r.granted,
                version: r.version.clone(),
                updated_at: Some(rfc3339(r.at)),
            },
            None => ConsentItem {
                kind,
                granted: kind.default_granted(),
                version: policy_version.to_string(),
                updated_at: None,
            },
        })
        .collect();
    ConsentState {
        policy_version: policy_version.to_string(),
        items,
    }
}

impl ConsentRow {
    pub fn into_record(self) -> ConsentRecord {
        ConsentRecord {
            kind: self.kind,
            granted: self.granted,
            version: self.version,
            at: rfc3339(self.at),
            method: self.method,
        }
    }
}

/// The consent service.
#[derive(Clone, Debug)]
pub struct Consents {
    db: Db,
    policy_version: Arc<str>,
}

impl Consents {
    pub fn new(db: Db, policy_version: &str) -> Self {
        Consents {
            db,
            policy_version: policy_version.into(),
        }
    }

    /// The policy version in force.
    pub fn policy_version(&self) -> &str {
        &self.policy_version
    }

    /// Whether a user whose newest choice was made under `newest_version` is due.
    pub fn is_due(&self, newest_version: Option<&str>) -> bool {
        is_due(&self.policy_version, newest_version)
    }

    /// The state of each kind for a user.
    pub async fn state(&self, user_id: &str) -> Result<ConsentState> {
        let newest = store::consent::newest(&self.db, user_id).await?;
        Ok(state_from(&self.policy_version, &newest))
    }

    /// The state from a user's records, newest first (or from the newest of each kind).
    pub fn state_of(&self, newest_first: &[ConsentRow]) -> ConsentState {
        state_from(&self.policy_version, newest_first)
    }

    /// Records choices under the current policy version, each with a `consent_changed`
    /// audit entry built from `audit` (its user, time, origin and session), all in one
    /// transaction. Returns the state afterwards.
    pub async fn record(
        &self,
        user_id: &str,
        choices: &[(ConsentType, bool)],
        method: ConsentMethod,
        audit: &AuditEvent,
    ) -> Result<ConsentState> {
        let rows: Vec<ConsentRow> = choices
            .iter()
            .map(|&(kind, granted)| ConsentRow {
                kind,
                granted,
                version: self.policy_version.to_string(),
                at: audit.at,
                method: method.as_str().to_string(),
            })
            .collect();
        let events: Vec<AuditEvent> = rows
            .iter()
            .map(|r| {
                let mut event = audit.clone();
                event.kind = AuditKind::ConsentChanged;
                event.details(serde_json::json!({
                    "type": r.kind.as_str(),
                    "granted": r.granted,
                    "version": r.version,
                    "method": r.method,
                }))
            })
            .collect();
        let newest = store::consent::insert(&self.db, user_id, &rows, &events).await?;
        Ok(state_from(&self.policy_version, &newest))
    }

    /// Every choice the user made, newest first.
    pub async fn history(&self, user_id: &str) -> Result<Vec<ConsentRecord>> {
        Ok(store::consent::history(&self.db, user_id)
            .await?
            .into_iter()
            .map(ConsentRow::into_record)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_when_the_newest_choice_is_under_another_version_or_absent() {
        assert!(is_due("2", None));
        assert!(is_due("2", Some("1")));
        assert!(!is_due("2", Some("2")));
    }

    #[test]
    fn defaults_hold_until_a_choice_is_made() {
        let state = state_from(
            "3",
            &[ConsentRow {
                kind: ConsentType::Marketing,
                granted: true,
                version: "2".into(),
                at: 0,
                method: "api".into(),
            }],
        );
        assert_eq!(state.policy_version, "3");
        let analytics = &state.items[0];
        assert_eq!(
            (
                analytics.kind,
                analytics.granted,
                analytics.version.as_str()
            ),
            (ConsentType::Analytics, true, "3")
        );
        assert_eq!(analytics.updated_at, None);
        let marketing = &state.items[1];
        assert_eq!(
            (
                marketing.kind,
                marketing.granted,
                marketing.version.as_str()
            ),
            (ConsentType::Marketing, true, "2")
        );
        assert_eq!(
            marketing.updated_at.as_deref(),
            Some("1970-01-01T00:00:00.000Z")
        );
        assert!(state.granted(ConsentType::Marketing));
    }

    #[test]
    fn types_parse_exactly() {
        assert_eq!(parse_type("analytics").unwrap(), ConsentType::Analytics);
        assert!(matches!(
            parse_type("Analytics"),
            Err(Error::Validation { field: Some(f), .. }) if f == "type"
        ));
    }
}
