//! Accounts and their security events, as the API shows them.

use serde::{Deserialize, Serialize};

/// A signed-in user (`User` in the contract).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    /// `None` only for an account made by Sign-In with Ethereum.
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub role: String,
    /// The linked wallet, EIP-55 checksummed.
    pub wallet: Option<String>,
    pub created_at: String,
}

/// `POST /api/auth/token` and its refresh: a bearer token for an app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: String,
    pub user: User,
}

/// `GET /api/auth/siwe/nonce`: the nonce the session was given and what the EIP-4361
/// message must name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiweChallenge {
    pub nonce: String,
    /// `host[:port]`, the message's first word.
    pub domain: String,
    /// The origin the message's `URI` must be on.
    pub uri: String,
    pub chain_ids: Vec<u64>,
    pub issued_at: String,
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
