//! What the generated `webhooks::Event` enums of the version crates share.

use serde_json::Value;

/// A webhook payload that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid{} webhook event: {reason}", event_type.as_ref().map(|kind| format!(" `{kind}`")).unwrap_or_default())]
pub struct InvalidEvent {
    /// The event type the payload named, if it named one.
    pub event_type: Option<String>,
    #[source]
    pub reason: serde_json::Error,
    /// The payload as received.
    pub body: Vec<u8>,
}

/// Event types compare equal whatever their case and separators:
/// `InboundReceived`, `inbound_received` and `inbound.received` all become
/// `inboundreceived`. A trailing `event` is dropped, so schema names match.
pub fn event_key(event_type: &str) -> String {
    let key: String = event_type
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match key.strip_suffix("event") {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => key,
    }
}

/// The property that carries an event's id in Flexport's payloads.
pub const EVENT_ID_FIELD: &str = "logisticsEventId";

/// The id of the event in a webhook payload: its `logisticsEventId`, a string
/// (as sent) or a number (as its JSON text). `None` when the body is not a
/// JSON object or has no such id (empty, `null`, or another JSON type).
pub fn event_id(body: &[u8]) -> Option<String> {
    let payload: Value = serde_json::from_slice(body).ok()?;
    match payload.as_object()?.get(EVENT_ID_FIELD)? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

/// Parses `body` as a JSON object and hands its event key (from the
/// `type_field` property), the type as sent and the object to `decode`.
pub fn parse<T>(
    body: &[u8],
    type_field: &str,
    decode: impl FnOnce(&str, String, Value) -> Result<T, serde_json::Error>,
) -> Result<T, InvalidEvent> {
    let invalid = |event_type, reason| InvalidEvent {
        event_type,
        reason,
        body: body.to_vec(),
    };
    let payload: Value = serde_json::from_slice(body).map_err(|reason| invalid(None, reason))?;
    let event_type = payload
        .get(type_field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            let reason = serde::de::Error::missing_field("event type");
            invalid(None, reason)
        })?;
    decode(&event_key(&event_type), event_type.clone(), payload)
        .map_err(|reason| invalid(Some(event_type), reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_keys_ignore_case_separators_and_the_event_suffix() {
        for spelling in [
            "InboundReceived",
            "inbound_received",
            "inbound.received",
            "INBOUND-RECEIVED",
            "InboundReceivedEvent",
        ] {
            assert_eq!(event_key(spelling), "inboundreceived", "{spelling}");
        }
        assert_eq!(event_key("Event"), "event");
    }

    #[test]
    fn event_ids_are_read_as_strings_or_numbers_and_nothing_else() {
        let id = |body: &str| event_id(body.as_bytes());
        assert_eq!(
            id(r#"{"logisticsEventId": "evt-1", "x": [1]}"#).as_deref(),
            Some("evt-1")
        );
        assert_eq!(id(r#"{"logisticsEventId": 42}"#).as_deref(), Some("42"));
        for body in [
            r#"{"logisticsEventId": ""}"#,
            r#"{"logisticsEventId": null}"#,
            r#"{"logisticsEventId": {"id": 1}}"#,
            r#"{"eventId": "evt-1"}"#,
            r#"["evt-1"]"#,
            r#"{"logisticsEventId": "evt-1""#,
            "",
        ] {
            assert_eq!(id(body), None, "{body}");
        }
    }
}
