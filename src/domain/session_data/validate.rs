//! The input of session data operations: the key, the value, and the conditions of a write.

use crate::domain::{Error, Result};
use crate::store::Expect;
use serde_json::Value;

/// A value may take at most this much as JSON.
pub const MAX_VALUE_BYTES: i64 = 16 * 1024;
/// A session holds at most this many keys…
pub const MAX_KEYS: i64 = 64;
/// …and this much of values, as JSON.
pub const MAX_SESSION_BYTES: i64 = 256 * 1024;

/// A key: 1 to 64 characters of `A-Z a-z 0-9 . _ -`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataKey(String);

impl DataKey {
    pub fn parse(raw: &str) -> Result<DataKey> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(DataKey(raw.to_string()))
        } else {
            Err(Error::invalid(
                "key",
                "key must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A value to store, as the JSON it is kept as.
#[derive(Clone, Debug)]
pub struct DataValue {
    pub json: Vec<u8>,
}

impl DataValue {
    pub fn parse(value: Option<Value>) -> Result<DataValue> {
        let value = crate::domain::required("value", value)?;
        let json = serde_json::to_vec(&value).expect("a JSON value serialises");
        if json.len() as i64 > MAX_VALUE_BYTES {
            return Err(Error::TooLarge("a value must be at most 16 KiB as JSON"));
        }
        Ok(DataValue { json })
    }

    pub fn size(&self) -> i64 {
        self.json.len() as i64
    }
}

/// The condition of a write from its `If-Match` and `If-None-Match` headers: a version
/// (`"3"`) or `*`; `If-None-Match` only `*` (create only). Anything else is refused, rather
/// than a condition silently ignored.
pub fn expect_of(if_match: Option<&str>, if_none_match: Option<&str>) -> Result<Expect> {
    match (if_match.map(str::trim), if_none_match.map(str::trim)) {
        (None, None) => Ok(Expect::Any),
        (Some(_), Some(_)) => Err(Error::invalid(
            "If-None-Match",
            "send If-Match or If-None-Match, not both",
        )),
        (None, Some("*")) => Ok(Expect::Absent),
        (None, Some(_)) => Err(Error::invalid(
            "If-None-Match",
            "If-None-Match takes only * (create the key only if it is not set)",
        )),
        (Some("*"), None) => Ok(Expect::Exists),
        (Some(tag), None) => tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|v| *v >= 1)
            .map(Expect::Version)
            .ok_or_else(|| {
                Error::invalid(
                    "If-Match",
                    "If-Match takes one version in quotes, as the ETag gives it (\"3\"), or *",
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_at_their_bounds() {
        for ok in ["a", "cart", "A.b_c-9", &"k".repeat(64)] {
            assert_eq!(DataKey::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", &"k".repeat(65), "a b", "é", "a/b", "a:b", "%41"] {
            match DataKey::parse(bad) {
                Err(Error::Validation { field: Some(f), .. }) => assert_eq!(f, "key"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn a_value_is_required_and_at_most_16_kib() {
        assert!(matches!(
            DataValue::parse(None),
            Err(Error::Validation { .. })
        ));
        assert_eq!(DataValue::parse(Some(Value::Null)).unwrap().json, b"null");
        // A string of n bytes takes n + 2 as JSON.
        let at = Value::String("x".repeat(16 * 1024 - 2));
        assert_eq!(DataValue::parse(Some(at)).unwrap().size(), 16 * 1024);
        let over = Value::String("x".repeat(16 * 1024 - 1));
        assert!(matches!(
            DataValue::parse(Some(over)),
            Err(Error::TooLarge(_))
        ));
    }

    #[test]
    fn conditions_come_from_the_headers() {
        assert_eq!(expect_of(None, None).unwrap(), Expect::Any);
        assert_eq!(expect_of(Some("\"3\""), None).unwrap(), Expect::Version(3));
        assert_eq!(expect_of(Some(" * "), None).unwrap(), Expect::Exists);
        assert_eq!(expect_of(None, Some("*")).unwrap(), Expect::Absent);
        for (m, n) in [
            (Some("3"), None),
            (Some("W/\"3\""), None),
            (Some("\"0\""), None),
            (Some("\"1\", \"2\""), None),
            (None, Some("\"3\"")),
            (Some("*"), Some("*")),
        ] {
            assert!(expect_of(m, n).is_err(), "{m:?} {n:?}");
        }
    }
}
