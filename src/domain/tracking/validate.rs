//! What tracking accepts: page and action names, and action details, valid by
//! construction.

use crate::domain::{required, Error, Result};
use crate::model::{ActionInput, PageInput};
use serde_json::Value;

/// Longest page or action name, in characters.
pub const MAX_LABEL_CHARS: usize = 512;
/// Largest `details` object, serialized, in bytes.
pub const MAX_DETAILS_BYTES: usize = 4096;

/// A page or action name: a non-empty string of at most 512 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label(String);

impl Label {
    /// `field` names the input it came from (`page`, `action`).
    pub fn parse(field: &str, value: Option<String>) -> Result<Label> {
        let text = required(field, value)?;
        if text.trim().is_empty() {
            return Err(Error::invalid(field, format!("{field} must not be empty")));
        }
        if text.chars().count() > MAX_LABEL_CHARS {
            return Err(Error::invalid(
                field,
                format!("{field} must be at most {MAX_LABEL_CHARS} characters"),
            ));
        }
        Ok(Label(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<PageInput> for Label {
    type Error = Error;
    fn try_from(input: PageInput) -> Result<Label> {
        Label::parse("page", input.page)
    }
}

/// Action details: none, or a JSON object of at most 4 KiB serialized.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActionDetails(pub(super) Option<serde_json::Map<String, Value>>);

impl ActionDetails {
    pub fn parse(value: Option<Value>) -> Result<ActionDetails> {
        match value {
            None | Some(Value::Null) => Ok(ActionDetails(None)),
            Some(Value::Object(map)) => {
                let size = serde_json::to_string(&map).map_or(usize::MAX, |s| s.len());
                if size > MAX_DETAILS_BYTES {
                    return Err(Error::invalid(
                        "details",
                        "details must be at most 4 KiB when serialized",
                    ));
                }
                Ok(ActionDetails(Some(map)))
            }
            Some(_) => Err(Error::invalid("details", "details must be a JSON object")),
        }
    }
}

/// An action to log, valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAction {
    pub action: Label,
    pub details: ActionDetails,
}

impl TryFrom<ActionInput> for NewAction {
    type Error = Error;
    fn try_from(input: ActionInput) -> Result<NewAction> {
        Ok(NewAction {
            action: Label::parse("action", input.action)?,
            details: ActionDetails::parse(input.details)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(err: Error) -> String {
        match err {
            Error::Validation { field: Some(f), .. } => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn labels_must_be_non_empty_strings_of_at_most_512_characters() {
        let validate_label =
            |field: &str, v: Option<&str>| Label::parse(field, v.map(String::from));
        assert_eq!(
            validate_label("page", Some("dashboard")).unwrap().as_str(),
            "dashboard"
        );
        assert_eq!(
            validate_label("page", Some(&"é".repeat(512)))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            512
        );
        assert_eq!(
            field(validate_label("page", Some(&"é".repeat(513))).unwrap_err()),
            "page"
        );
        assert_eq!(
            field(validate_label("page", Some("  ")).unwrap_err()),
            "page"
        );
        assert_eq!(field(validate_label("action", None).unwrap_err()), "action");
    }

    #[test]
    fn details_are_an_object_of_at_most_4_kib() {
        let validate_details =
            |v: Option<Value>| ActionDetails::parse(v).map(|d| d.0.map(Value::Object));
        assert_eq!(validate_details(None).unwrap(), None);
        assert_eq!(validate_details(Some(Value::Null)).unwrap(), None);
        assert_eq!(
            validate_details(Some(json!({"a": 1}))).unwrap(),
            Some(json!({"a": 1}))
        );
        assert_eq!(
            field(validate_details(Some(json!([1]))).unwrap_err()),
            "details"
        );
        let big = json!({ "x": "y".repeat(4096) });
        assert_eq!(field(validate_details(Some(big)).unwrap_err()), "details");
    }
}
