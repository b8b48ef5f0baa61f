//! The events `GetEvents` lists: what happened, named as Flexport names
//! them (`Shipment.Created`, `Order.Shipped`, ...; production difference
//! `event-names`), with payload values typed as production sends them
//! (`numbers-for-strings`), and the listing itself: filters, the limit rule
//! (`events-limit`) and `page_info` cursors that carry the walk's filters.
//!
//! Webhooks keep their documented event types (`Shipment`, `OrderEvent`,
//! `InboundReceived`, ...), each built as its generated type
//! ([`WebhookEvent`]); [`listed_as`] names what each is listed as.

use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types::{self, error::ConversionError};
use flexport_logistics_unstable::types::NetworkEventsEventsResponseItem;
use flexport_runtime::webhooks::event_key;
use serde::{Deserialize, Serialize};

use super::Writer;
use super::cursor::Cursor;
use crate::engine::DomainError;
use crate::state::{Data, LoggedEvent, StateChange};

pub const ORDER_CREATED: &str = "Order.Created";
pub const ORDER_SHIPPED: &str = "Order.Shipped";
pub const SHIPMENT_CREATED: &str = "Shipment.Created";
pub const SHIPMENT_SHIPPED: &str = "Shipment.Shipped";

/// The four `logistics*` fields every webhook event carries.
pub struct Envelope {
    pub account_id: String,
    pub event_id: String,
    pub time: DateTime<Utc>,
}

/// A webhook event the sandbox sends, as the generated type of its schema
/// (`OrderEvent`, `InboundReceivedEvent`, ...). [`super::Writer::emit`]
/// fills its envelope through [`WebhookEvent::envelope`], the caller the
/// rest of its builder; a field the document requires and the caller left
/// unset is a bug of the sandbox, and panics.
pub trait WebhookEvent:
    Serialize + TryFrom<Self::Builder, Error = ConversionError> + Sized
{
    /// The type's generated builder.
    type Builder: Default;
    /// The event type webhooks subscribe to (`Order`, `InboundReceived`).
    const TYPE: &'static str;
    /// The document's schema of the event, whose number types the payload
    /// follows (`shipmentItemId` as a number, though held as text).
    const SCHEMA: &'static str;
    /// `builder` with the envelope's fields set.
    fn envelope(builder: Self::Builder, envelope: &Envelope) -> Self::Builder;
}

/// `WebhookEvent` for generated types: `type => "Type"` each.
macro_rules! webhook_events {
    ($($schema:ident => $type:literal,)*) => {$(
        impl WebhookEvent for types::$schema {
            type Builder = types::builder::$schema;
            const TYPE: &'static str = $type;
            const SCHEMA: &'static str = stringify!($schema);
            fn envelope(builder: Self::Builder, envelope: &Envelope) -> Self::Builder {
                builder
                    .logistics_account_id(envelope.account_id.clone())
                    .logistics_event_id(envelope.event_id.clone())
                    .logistics_event_type($type)
                    .logistics_event_time(envelope.time.to_rfc3339())
            }
        }
    )*};
}

webhook_events! {
    OrderEvent => "Order",
    ShipmentEvent => "Shipment",
    InboundReceivedEvent => "InboundReceived",
    InboundShipmentStatusChangeEvent => "InboundShipmentStatusChange",
    ParcelTrackingUpdatedEvent => "ParcelTrackingUpdated",
    ReturnUpdatedEvent => "ReturnUpdated",
    ReturnShippedEvent => "ReturnShipped",
    ReturnShipmentReceivedEvent => "ReturnShipmentReceived",
    ReturnInspectedEvent => "ReturnInspected",
    ReturnReceivedEvent => "ReturnReceived",
}

/// The names `GetEvents` lists a webhook event of `webhook_type` under, in
/// Flexport's `Resource.Action` style: production names `Shipment.Created`,
/// `Shipment.Shipped` and `Order.Shipped`; the inbound, parcel and return
/// names follow the same style and are the sandbox's (no client has
/// reported them). A shipment is created and shipped in the same step here,
/// so its one webhook is listed twice.
pub fn listed_as(webhook_type: &str) -> &'static [&'static str] {
    match webhook_type {
        "Order" => &[ORDER_CREATED],
        "Shipment" => &[SHIPMENT_CREATED, SHIPMENT_SHIPPED],
        "InboundReceived" => &["Inbound.Received"],
        "InboundShipmentStatusChange" => &["Inbound.StatusChanged"],
        "ParcelTrackingUpdated" => &["Parcel.TrackingUpdated"],
        "ReturnUpdated" => &["Return.Updated"],
        "ReturnShipped" => &["Return.Shipped"],
        "ReturnShipmentReceived" => &["Return.ShipmentReceived"],
        "ReturnInspected" => &["Return.Inspected"],
        "ReturnReceived" => &["Return.Received"],
        _ => &[],
    }
}

/// The payload fields production sends as JSON numbers where the document
/// says string (`numbers-for-strings`): ids that are whole numbers.
const NUMERIC_IDS: &[&str] = &["orderId"];

/// A payload of text fields, the type `GetEvents`' document gives payloads
/// (a map of strings), for an event that is logged but is no webhook; a
/// field without a value is left out.
pub fn payload<'a>(
    fields: impl IntoIterator<Item = (&'a str, Option<&'a String>)>,
) -> serde_json::Value {
    let fields: std::collections::BTreeMap<&str, &String> = fields
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect();
    serde_json::to_value(fields).expect("text fields serialize")
}

/// Logs an event named `name` (one of Flexport's names) in the same
/// transaction as the change it reports, so it is listed exactly when that
/// change is committed. The payload is kept as production sends it:
/// [`NUMERIC_IDS`] that are whole numbers as numbers, other numbers and
/// strings as they are, objects, arrays and booleans as their JSON text
/// (the document types the payload a map of strings), `null`s left out.
pub fn log(w: &mut Writer<'_>, name: &str, payload: &serde_json::Value, time: DateTime<Utc>) {
    let seq = w.data().events.back().map_or(1, |last| last.seq + 1);
    let payload: serde_json::Map<String, serde_json::Value> = payload
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, value)| !value.is_null())
        .map(|(field, value)| {
            let value = match value {
                serde_json::Value::String(text) if NUMERIC_IDS.contains(&field.as_str()) => text
                    .parse::<u64>()
                    .map_or_else(|_| value.clone(), serde_json::Value::from),
                serde_json::Value::String(_) | serde_json::Value::Number(_) => value.clone(),
                other => other.to_string().into(),
            };
            (field.clone(), value)
        })
        .collect();
    w.apply(StateChange::EventLogged(Box::new(LoggedEvent {
        seq,
        id: uuid::Uuid::new_v4().to_string(),
        event_type: name.to_owned(),
        time,
        payload: payload.into(),
    })));
}

/// The event as `GetEvents` lists it (`NetworkEventsEventsResponseItem`),
/// its payload as production sends it (see [`log`]), which the generated
/// type (a map of strings) cannot hold.
pub fn item(event: &LoggedEvent) -> serde_json::Value {
    let item = NetworkEventsEventsResponseItem {
        id: event.id.clone(),
        type_: event.event_type.clone(),
        time: event.time.to_rfc3339(),
        payload: None,
    };
    let mut item = serde_json::to_value(item).expect("an event serializes");
    item["payload"] = event.payload.clone();
    item
}

/// The most events one page lists: production answers 400 to a `limit` of
/// 250 and above (`events-limit`).
pub const MAX_LIMIT: usize = 249;
/// Events per page when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 50;

/// What a walk of `GetEvents` lists; a `page_info` cursor carries it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// Event ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
    /// An event name in any spelling [`event_key`] takes (`Shipment.Created`,
    /// `shipment_created`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// The payload's `orderId`, compared as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The payload's `shipmentId`, compared as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<String>,
    /// Events logged later than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<DateTime<Utc>>,
}

impl Filter {
    fn matches(&self, event: &LoggedEvent) -> bool {
        let field = |name: &str| match &event.payload[name] {
            serde_json::Value::Null => None,
            serde_json::Value::String(text) => Some(text.clone()),
            other => Some(other.to_string()),
        };
        self.after.is_none_or(|after| event.time > after)
            && self.ids.as_ref().is_none_or(|ids| ids.contains(&event.id))
            && self
                .event_type
                .as_ref()
                .is_none_or(|wanted| event_key(&event.event_type) == event_key(wanted))
            && self
                .order_id
                .as_ref()
                .is_none_or(|id| field("orderId").as_ref() == Some(id))
            && self
                .shipment_id
                .as_ref()
                .is_none_or(|id| field("shipmentId").as_ref() == Some(id))
    }
}

/// One page of events and the cursor of the next, if more match.
pub struct Page {
    pub events: Vec<serde_json::Value>,
    pub next: Option<String>,
}

/// One page of events, oldest first: the first page of a walk by `filter`,
/// or, with `page_info`, the page after that cursor by the filter it
/// carries (a later page's own filters are not read, as production's
/// clients send only `limit` and `page_info`). `limit` events at most
/// (default [`DEFAULT_LIMIT`], 1 to [`MAX_LIMIT`]).
pub fn list(
    data: &Data,
    filter: Filter,
    limit: Option<usize>,
    page_info: Option<&str>,
) -> Result<Page, DomainError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(DomainError::invalid_field(
            "limit",
            format!("must be from 1 to {MAX_LIMIT}"),
        ));
    }
    let cursor = match page_info {
        Some(text) => Cursor::<Filter>::decode(text).ok_or_else(|| {
            DomainError::invalid_field("page_info", "is not a page_info this sandbox handed out")
        })?,
        None => Cursor::start(filter),
    };
    let mut matching = data
        .events
        .iter()
        .filter(|event| event.seq > cursor.after && cursor.filter.matches(event));
    let page: Vec<&LoggedEvent> = matching.by_ref().take(limit).collect();
    let more = matching.next().is_some();
    let next = match page.last() {
        Some(last) if more => Some(cursor.next(last.seq).encode()),
        _ => None,
    };
    Ok(Page {
        events: page.into_iter().map(item).collect(),
        next,
    })
}
