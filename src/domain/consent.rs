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

use super::visitor::Visitor;
use super::{required, rfc3339, AuditKind, Error, Happened, Millis, Result};
use crate::model::{
    ConsentFormInput, ConsentInput, ConsentItem, ConsentRecord, ConsentState, ConsentType,
};
use crate::store::{ConsentRow, Store};
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

/// Consent choices to record, valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choices(pub Vec<(ConsentType, bool)>);

/// `POST /api/consent`: one choice.
impl TryFrom<ConsentInput> for Choices {
    type Error = Error;
    fn try_from(input: ConsentInput) -> Result<Choices> {
        let kind = parse_type(&required("type", input.kind)?)?;
        let granted = required("granted", input.granted)?;
        Ok(Choices(vec![(kind, granted)]))
    }
}

/// The form of `/privacy`: a ticked box is consent given, an empty one consent refused.
impl From<ConsentFormInput> for Choices {
    fn from(input: ConsentFormInput) -> Choices {
        Choices(vec![
            (ConsentType::Analytics, input.analytics.is_some()),
            (ConsentType::Marketing, input.marketing.is_some()),
        ])
    }
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
        .map(
            |kind| match newest_first.iter().find(|r| r.kind == kind.as_str()) {
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
            },
        )
        .collect();
    ConsentState {
        policy_version: policy_version.to_string(),
        items,
    }
}

/// A choice as the API shows it; `None` for a kind this build does not know (the schema
/// admits none, so it is skipped, not guessed).
pub fn record_of(row: ConsentRow) -> Option<ConsentRecord> {
    Some(ConsentRecord {
        kind: ConsentType::parse(&row.kind)?,
        granted: row.granted,
        version: row.version,
        at: rfc3339(row.at),
        method: row.method,
    })
}

/// The consent service.
#[derive(Clone, Debug)]
pub struct Consents {
    store: Arc<dyn Store>,
    policy_version: Arc<str>,
}

impl Consents {
    pub fn new(store: Arc<dyn Store>, policy_version: &str) -> Self {
        Consents {
            store,
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

    /// The state of each kind for the signed-in user.
    pub async fn state(&self, visitor: &Visitor) -> Result<ConsentState> {
        let user_id = &visitor.account()?.id;
        let newest = self.store.conn().newest_consents(user_id).await?;
        Ok(state_from(&self.policy_version, &newest))
    }

    /// The state from a user's records, newest first (or from the newest of each kind).
    pub fn state_of(&self, newest_first: &[ConsentRow]) -> ConsentState {
        state_from(&self.policy_version, newest_first)
    }

    /// Records the signed-in user's choices under the current policy version, each with a
    /// `consent_changed` audit entry, in one transaction: the user is no longer asked.
    /// Returns the state afterwards.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn record(
        &self,
        visitor: &mut Visitor,
        choices: &Choices,
        method: ConsentMethod,
        now: Millis,
    ) -> Result<(ConsentState, Happened)> {
        let user_id = visitor.account()?.id.clone();
        let rows: Vec<ConsentRow> = choices
            .0
            .iter()
            .map(|&(kind, granted)| ConsentRow {
                kind: kind.as_str().to_string(),
                granted,
                version: self.policy_version.to_string(),
                at: now,
                method: method.as_str().to_string(),
            })
            .collect();
        let mut happened = Happened::default();
        let mut tx = self.store.begin().await?;
        tx.insert_consents(&user_id, &rows).await?;
        for r in &rows {
            let event =
                visitor
                    .audit_event(AuditKind::ConsentChanged, now)
                    .details(serde_json::json!({
                        "type": r.kind,
                        "granted": r.granted,
                        "version": r.version,
                        "method": r.method,
                    }));
            happened.audit(&mut *tx, event).await?;
        }
        let newest = tx.newest_consents(&user_id).await?;
        tx.commit().await?;
        visitor.consent_due = false;
        Ok((state_from(&self.policy_version, &newest), happened))
    }

    /// The prompt's answer: the user's current choices, recorded again under the policy in
    /// force (so they are no longer due).
    pub async fn confirm(&self, visitor: &mut Visitor, now: Millis) -> Result<Happened> {
        let current = Choices(self.state(visitor).await?.choices());
        let (_, happened) = self
            .record(visitor, &current, ConsentMethod::Prompt, now)
            .await?;
        Ok(happened)
    }

    /// Every choice the signed-in user made, newest first.
    pub async fn history(&self, visitor: &Visitor) -> Result<Vec<ConsentRecord>> {
        let user_id = &visitor.account()?.id;
        Ok(self
            .store
            .conn()
            .consent_history(user_id)
            .await?
            .into_iter()
            .filter_map(record_of)
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
                kind: "marketing".into(),
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
