//! `POST /api/events`: events a client buffered, checked one by one and recorded all or
//! nothing. A refusal names the culprit by its place in the batch (`events[3].page`).

use super::validate::{ActionDetails, Label};
use crate::domain::{parse_rfc3339, Error, Millis, Result, SessionRecord};
use crate::store::{EventKind, NewEvent};
use serde_json::{Map, Value};

/// Events one batch may hold.
pub const MAX_BATCH: usize = 100;
/// How far past the server's now an event's `at` may be (the client's clock runs ahead).
pub const CLOCK_SKEW: Millis = 5_000;

/// The events of a batch for `session`, all valid, or the first refusal.
pub fn parse(
    events: Option<Vec<Value>>,
    session: &SessionRecord,
    now: Millis,
) -> Result<Vec<NewEvent>> {
    let events = crate::domain::required("events", events)?;
    if events.is_empty() || events.len() > MAX_BATCH {
        return Err(Error::invalid(
            "events",
            format!("events must hold 1 to {MAX_BATCH} events"),
        ));
    }
    events
        .into_iter()
        .enumerate()
        .map(|(i, event)| one(i, event, session, now))
        .collect()
}

fn one(i: usize, event: Value, session: &SessionRecord, now: Millis) -> Result<NewEvent> {
    let name = |field: &str| format!("events[{i}].{field}");
    let Value::Object(mut fields) = event else {
        return Err(Error::invalid(
            &format!("events[{i}]"),
            format!("events[{i}] must be an object"),
        ));
    };
    let kind = match fields.remove("type") {
        Some(Value::String(t)) if t == "page_view" => EventKind::PageView,
        Some(Value::String(t)) if t == "action" => EventKind::Action,
        _ => {
            let field = name("type");
            return Err(Error::invalid(
                &field,
                format!("{field} must be \"page_view\" or \"action\""),
            ));
        }
    };
    let at = match fields.remove("at") {
        None | Some(Value::Null) => now,
        Some(Value::String(raw)) => parse_rfc3339(&name("at"), &raw)?,
        Some(_) => {
            return Err(Error::invalid(
                &name("at"),
                format!("{} must be an RFC 3339 time", name("at")),
            ))
        }
    };
    if at < session.started_at || at > now + CLOCK_SKEW {
        let field = name("at");
        return Err(Error::invalid(
            &field,
            format!("{field} must lie between the session's start and now"),
        ));
    }
    let (label, details) = match kind {
        EventKind::PageView => (take_label(&mut fields, &name("page"), "page")?, None),
        EventKind::Action => {
            let label = take_label(&mut fields, &name("action"), "action")?;
            let details = ActionDetails::parse(fields.remove("details")).map_err(|_| {
                Error::invalid(
                    &name("details"),
                    format!("{} must be a JSON object of at most 4 KiB", name("details")),
                )
            })?;
            (label, details.0.map(|d| Value::Object(d).to_string()))
        }
    };
    if let Some(unknown) = fields.keys().next() {
        let field = name(unknown);
        return Err(Error::invalid(
            &field,
            format!("{field} is not a field of this event type"),
        ));
    }
    Ok(NewEvent {
        session_id: session.public_id.clone(),
        user_id: session.user_id.clone(),
        kind,
        name: label.as_str().to_string(),
        details,
        at,
    })
}

/// The event's `key` (`page` or `action`) as a [`Label`], named `field` in a refusal.
fn take_label(fields: &mut Map<String, Value>, field: &str, key: &str) -> Result<Label> {
    match fields.remove(key) {
        None | Some(Value::Null) => Label::parse(field, None),
        Some(Value::String(text)) => Label::parse(field, Some(text)),
        Some(_) => Err(Error::invalid(field, format!("{field} must be a string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session() -> SessionRecord {
        SessionRecord {
            public_id: "s".into(),
            user_id: None,
            user_agent: "t".into(),
            agent_hash: None,
            ip: None,
            started_at: 1_000_000,
            last_activity: 1_000_000,
            auth_at: None,
            app: false,
        }
    }

    fn refused(events: Value) -> String {
        let events = serde_json::from_value(events).unwrap();
        match parse(Some(events), &session(), 2_000_000) {
            Err(Error::Validation { field: Some(f), .. }) => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_event_is_checked_and_the_culprit_named_by_its_place() {
        let ok = json!([
            {"type": "page_view", "page": "home"},
            {"type": "action", "action": "clicked", "details": {"x": 1}, "at": "1970-01-01T00:20:00Z"},
            {"type": "page_view", "page": "cart", "at": null}
        ]);
        let events = parse(serde_json::from_value(ok).unwrap(), &session(), 2_000_000).unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(
            (events[0].kind, events[0].at),
            (EventKind::PageView, 2_000_000)
        );
        assert_eq!(
            (events[1].at, events[1].details.as_deref()),
            (1_200_000, Some(r#"{"x":1}"#))
        );

        assert_eq!(
            refused(json!([{"type": "page_view", "page": "a"}, 3])),
            "events[1]"
        );
        assert_eq!(refused(json!([{"type": "click"}])), "events[0].type");
        assert_eq!(refused(json!([{"page": "a"}])), "events[0].type");
        assert_eq!(refused(json!([{"type": "page_view"}])), "events[0].page");
        assert_eq!(
            refused(json!([{"type": "page_view", "page": ""}])),
            "events[0].page"
        );
        assert_eq!(
            refused(json!([{"type": "page_view", "page": 5}])),
            "events[0].page"
        );
        assert_eq!(
            refused(json!([{"type": "action", "action": "a", "details": [1]}])),
            "events[0].details"
        );
        assert_eq!(
            refused(json!([{"type": "page_view", "page": "a", "action": "b"}])),
            "events[0].action"
        );
        assert_eq!(
            refused(json!([{"type": "page_view", "page": "a", "at": "yesterday"}])),
            "events[0].at"
        );
        // Before the session's start, or more than 5 s past now.
        assert_eq!(
            refused(json!([{"type": "page_view", "page": "a", "at": "1970-01-01T00:16:39.999Z"}])),
            "events[0].at"
        );
        assert_eq!(
            refused(json!([{"type": "page_view", "page": "a", "at": "1970-01-01T00:33:25.001Z"}])),
            "events[0].at"
        );
        let at_edge = json!([{"type": "page_view", "page": "a", "at": "1970-01-01T00:33:25Z"}]);
        assert!(parse(
            serde_json::from_value(at_edge).unwrap(),
            &session(),
            2_000_000
        )
        .is_ok());
        assert_eq!(refused(json!([])), "events");
        let many: Vec<Value> = (0..101)
            .map(|_| json!({"type": "page_view", "page": "a"}))
            .collect();
        assert_eq!(refused(Value::Array(many)), "events");
    }
}
