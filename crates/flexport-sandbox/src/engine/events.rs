//! The log of emitted webhook events that `GetEvents` lists.

use chrono::{DateTime, Utc};

use super::Writer;
use crate::state::{LoggedEvent, StateChange};

/// Logs an event [`Writer::emit`] is sending, in the same transaction, so it
/// is listed exactly when its change is committed.
pub fn log(w: &mut Writer<'_>, event_type: &str, payload: &serde_json::Value) {
    let seq = w.data().events.back().map_or(1, |last| last.seq + 1);
    let id = payload["logisticsEventId"].as_str().unwrap_or_default();
    let time = payload["logisticsEventTime"]
        .as_str()
        .and_then(|time| DateTime::parse_from_rfc3339(time).ok())
        .map_or_else(|| w.now(), |time| time.with_timezone(&Utc));
    w.apply(StateChange::EventLogged(Box::new(LoggedEvent {
        seq,
        id: id.to_owned(),
        event_type: event_type.to_owned(),
        time,
        payload: payload.clone(),
    })));
}

/// The event as `NetworkEventsEventsResponseItem`: the payload's top-level
/// fields as strings (a field that is not a string is given as its JSON text;
/// `null` fields are left out).
pub fn item(event: &LoggedEvent) -> serde_json::Value {
    let payload: serde_json::Map<String, serde_json::Value> = event
        .payload
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, value)| !value.is_null())
        .map(|(name, value)| {
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (name.clone(), text.into())
        })
        .collect();
    serde_json::json!({
        "id": event.id,
        "type": event.event_type,
        "time": event.time.to_rfc3339(),
        "payload": payload,
    })
}
