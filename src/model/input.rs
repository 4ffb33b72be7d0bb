//! What clients send: one input type per operation, the very same for the JSON body of an
//! `/api` route and for the server function behind the page's form (`#[server(flatten)]`),
//! so both are read by one serde definition.
//!
//! Every field is optional here: presence, length and format are rules, checked when the
//! domain turns an input into its validated newtypes (`TryFrom`), so a missing field gets
//! the same field-naming `400` as a wrong one. What serde refuses (a field of the wrong JSON
//! type, an unknown field) is named by its path (`web::api::extract`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /api/auth/register` and the register form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegisterInput {
    pub email: Option<String>,
    pub password: Option<String>,
    pub display_name: Option<String>,
}

/// `POST /api/auth/login` and the login form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LoginInput {
    pub email: Option<String>,
    pub password: Option<String>,
}

/// `POST /api/auth/password` and the password form of `/devices`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PasswordChangeInput {
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

/// `POST /api/auth/siwe` and `POST /api/account/wallet`: an EIP-4361 message and its
/// EIP-191 signature (`0x` and 130 hex digits).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SiweInput {
    pub message: Option<String>,
    pub signature: Option<String>,
}

/// A password typed to confirm who is asking: re-authentication and erasure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PasswordInput {
    pub password: Option<String>,
}

/// `POST /api/preferences` (and `PUT`) and the preferences form: any non-empty subset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PreferencesInput {
    pub theme: Option<String>,
    pub notifications: Option<String>,
    pub language: Option<String>,
}

/// `POST /api/session/page`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PageInput {
    pub page: Option<String>,
}

/// `POST /api/events`: each event is read by the domain, which names the culprit as
/// `events[i].field`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EventsInput {
    pub events: Option<Vec<Value>>,
}

/// `POST /api/session/action`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActionInput {
    pub action: Option<String>,
    pub details: Option<Value>,
}

/// `POST /api/consent`: one choice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConsentInput {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub granted: Option<bool>,
}

/// The consent form of `/privacy`: both choices at once, a ticked box (`analytics=on`)
/// being consent given and an absent one consent refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConsentFormInput {
    pub analytics: Option<String>,
    pub marketing: Option<String>,
}
