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
}
