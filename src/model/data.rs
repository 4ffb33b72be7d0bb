//! Session data: JSON values a session keeps under names (`API.md`, "Session data").

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// One key of a session's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataEntry {
    pub key: String,
    pub value: Value,
    /// 1 for a new key; every write adds one.
    pub version: i64,
    pub updated_at: String,
}

/// `GET /api/session/data`: every key of the session, by key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataList {
    pub items: Vec<DataEntry>,
}

/// `PUT /api/session/data/{key}`. `value` is any JSON, `null` included: only a body
/// without it is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DataInput {
    #[serde(default, deserialize_with = "present")]
    pub value: Option<Value>,
}

/// `Some` for any value the field holds, `null` included (a missing field stays `None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// What the session page shows of one key: not the value, which may be large or private
/// to the app that wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSummary {
    pub key: String,
    /// The value's length as JSON, in bytes.
    pub size: i64,
    pub version: i64,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_value_is_a_value_and_a_missing_one_is_not() {
        let null: DataInput = serde_json::from_str(r#"{"value": null}"#).unwrap();
        assert_eq!(null.value, Some(Value::Null));
        let missing: DataInput = serde_json::from_str("{}").unwrap();
        assert_eq!(missing.value, None);
        assert!(serde_json::from_str::<DataInput>(r#"{"value": 1, "x": 2}"#).is_err());
    }
}
