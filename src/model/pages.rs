//! What the pages get from their server functions, and the outcome a form reports when it
//! works without JavaScript: the server function redirects back to the page with the
//! outcome in the query string (`?saved=1`, or `?error=<code>`), which the page reads back.

use super::{
    ActionEntry, ConsentRecord, ConsentState, DataSummary, DeviceSession, OwnAnalytics, Paged,
    SessionView,
};
use serde::{Deserialize, Serialize};

/// What the session page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionPageData {
    pub session: SessionView,
    pub actions: Paged<ActionEntry>,
    /// The session's stored data, by key.
    pub data: Vec<DataSummary>,
    /// The visitor's own figures (a user's across devices).
    pub figures: OwnAnalytics,
}

/// Visits per page of the session page's list.
pub const VISITS_PER_PAGE: u32 = 10;

/// What the devices page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DevicesData {
    pub items: Vec<DeviceSession>,
    /// The linked wallet, EIP-55 checksummed.
    pub wallet: Option<String>,
    /// Whether the account has an email and password (else its wallet is its only way in).
    pub has_password: bool,
    /// Whether the user signed in recently enough to sign other devices out.
    pub recent_auth: bool,
}

/// What the privacy page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrivacyData {
    pub consent: ConsentState,
    /// Every choice made, newest first.
    pub history: Vec<ConsentRecord>,
    /// `DATA_RETENTION_DAYS`.
    pub retention_days: u32,
    /// Whether the user has yet to choose under the policy in force.
    pub due: bool,
    /// Whether the account has a password to confirm an erasure with (an account made by
    /// a wallet confirms it by a recent wallet sign-in instead).
    pub has_password: bool,
}

/// What a form did, carried back to its page in the query string of the redirect
/// (`/devices?others=1`) when the browser posted it without JavaScript.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Preferences or consent choices saved.
    Saved,
    /// A session ended: the visitor's own ("End session") or another device's.
    Ended,
    /// Every other device signed out.
    OthersEnded,
    PasswordChanged,
    /// The password was confirmed (re-authentication).
    Confirmed,
    SignedOut,
    /// The account was erased.
    Deleted,
    WalletUnlinked,
}

impl Outcome {
    pub const ALL: [Outcome; 8] = [
        Outcome::Saved,
        Outcome::Ended,
        Outcome::OthersEnded,
        Outcome::PasswordChanged,
        Outcome::Confirmed,
        Outcome::SignedOut,
        Outcome::Deleted,
        Outcome::WalletUnlinked,
    ];

    /// The query parameter that carries it.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Saved => "saved",
            Outcome::Ended => "ended",
            Outcome::OthersEnded => "others",
            Outcome::PasswordChanged => "password",
            Outcome::Confirmed => "confirmed",
            Outcome::SignedOut => "signed_out",
            Outcome::Deleted => "deleted",
            Outcome::WalletUnlinked => "wallet_unlinked",
        }
    }

    /// `page` with this outcome in its query string: `/devices?others=1`.
    pub fn url(self, page: &str) -> String {
        format!("{page}?{}=1", self.key())
    }

    /// The outcome a query string reports, given a test for the presence of a parameter.
    pub fn from_query(has: impl Fn(&str) -> bool) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| has(o.key()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_through_the_query_string() {
        for outcome in Outcome::ALL {
            let url = outcome.url("/devices");
            let query = url.split_once('?').unwrap().1.to_string();
            let has = |key: &str| query.split('&').any(|p| p.split('=').next() == Some(key));
            assert_eq!(Outcome::from_query(has), Some(outcome), "{url}");
        }
        assert_eq!(
            Outcome::url(Outcome::OthersEnded, "/devices"),
            "/devices?others=1"
        );
        assert_eq!(Outcome::from_query(|_| false), None);
    }
}
