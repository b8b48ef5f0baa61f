//! Webhook payloads.
//!
//! Each version module has a `webhooks::Event` enum generated from the
//! document's `*Event` schemas, told apart by `logisticsEventType`. An event
//! type the version does not declare is kept as `Event::Unknown` (with its
//! JSON) rather than rejected, so a new event never breaks your endpoint.
//!
//! ```
//! # #[cfg(feature = "v2024-04")] {
//! use flexport::v2024_04::webhooks::Event;
//! let body = br#"{"logisticsEventType": "SomethingNew", "logisticsEventId": "1"}"#;
//! let event: Event = flexport::webhooks::parse(body).unwrap();
//! assert_eq!(event.event_type(), "SomethingNew");
//! # }
//! ```

pub use flexport_runtime::webhooks::{InvalidEvent, event_key};

/// A version's webhook event enum.
pub trait WebhookEvent: Sized {
    fn from_slice(body: &[u8]) -> Result<Self, InvalidEvent>;
}

/// Parses a webhook request body into a version's `webhooks::Event`.
pub fn parse<E: WebhookEvent>(body: &[u8]) -> Result<E, InvalidEvent> {
    E::from_slice(body)
}
