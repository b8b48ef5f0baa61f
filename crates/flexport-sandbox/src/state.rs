//! What the sandbox holds: its data, and the changes the journal records.

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types;
use serde::{Deserialize, Serialize};

/// Units of one product.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Stock {
    pub on_hand: i32,
    /// On hand and not reserved by an order.
    pub available: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inbound {
    pub shipment: types::InboundShipmentResponseV4,
    /// When the shipment is received; `None` once it has been.
    pub receive_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Order {
    pub order: types::OrderModel,
    /// When the order ships; `None` unless it is waiting to.
    pub ship_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub report_type: types::SellerReportType,
    pub report: types::Report,
    pub ready_at: Option<DateTime<Utc>>,
}

/// Where a parcel is on its way; each stage follows the one before after
/// [`Config::parcel_step_after`](crate::Config::parcel_step_after).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParcelStage {
    LabelCreated,
    InTransit,
    OutForDelivery,
    Delivered,
    Cancelled,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParcelRecord {
    pub parcel: types::Parcel,
    pub ship_to: types::DeliverrAddress,
    pub stage: ParcelStage,
    pub tracking: types::TrackingResultTimestamps,
    /// When the parcel moves to its next stage; `None` once delivered or cancelled.
    pub next_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BulkParcelJob {
    pub job: types::BulkParcelJobResponse,
    /// The parcels to make (each with its `labelFormat`), kept until the
    /// job finishes.
    pub requests: Vec<(types::BulkParcelRequest, Option<String>)>,
    /// When the job finishes; `None` once it has.
    pub finish_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReturnRecord {
    pub order: types::ReturnsApiOrder,
    /// The logistics SKU and units each item restocks once processed.
    pub restock: Vec<(String, i64)>,
    /// The marketplace order id the return came from (its `logisticsOrderId`).
    pub order_id: Option<String>,
    /// When the return moves to its next status; `None` once processed or cancelled.
    pub next_at: Option<DateTime<Utc>>,
}

// inbound quotes, channels, freight, events

/// The quote process of one inbound shipment
/// (`InitQuoteProcessForInboundingShipmentV2`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InboundQuotes {
    pub shipment_id: u64,
    /// When the process completes and `quotes` are filled in; `None` once it has.
    pub ready_at: Option<DateTime<Utc>>,
    /// The shipping option asked for; `None` quotes every option.
    pub shipping_option: Option<types::InboundShippingOption>,
    pub quotes: Vec<types::RateQuoteWithPurchased>,
}

/// A sales channel (`CreateChannel`) and its product sync.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Channel {
    pub channel_id: String,
    pub channel_type: String,
    pub store_name: String,
    pub location_id: String,
    /// `PENDING` or `COMPLETE`; `None` before the first sync.
    pub sync_status: Option<flexport_logistics_unstable::types::ProductSyncStatusProductSyncStatus>,
    pub sync_updated_at: Option<DateTime<Utc>>,
    /// When a pending sync completes.
    pub sync_complete_at: Option<DateTime<Utc>>,
}

impl Channel {
    /// Channels are found by type and store name, as the sync paths name them.
    pub fn key(&self) -> String {
        channel_key(&self.channel_type, &self.store_name)
    }
}

/// Unambiguous for any two strings (a JSON array of both), so that no type
/// and store name can pass for another pair.
pub fn channel_key(channel_type: &str, store_name: &str) -> String {
    serde_json::to_string(&(channel_type, store_name)).expect("two strings serialize")
}

/// A freight order (`CreateContainersOrder`, `CreatePalletsOrder`,
/// `CreateTrucksOrder`) with its tracking.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FreightOrder {
    pub id: u64,
    /// The order as answered (`DrayageOrderResponse`, `LtlOrderResponse` or
    /// `FtlOrderResponse`).
    pub order: flexport_logistics_unstable::types::OrderResponse,
    pub bol_id: String,
    /// `FreightTrackingInfo` of the order's bill of lading.
    pub tracking: flexport_logistics_unstable::types::FreightTrackingInfo,
    /// When tracking takes its next step; `None` once delivered or cancelled.
    pub next_step_at: Option<DateTime<Utc>>,
}

/// How many emitted events `GetEvents` can list; older ones are forgotten.
pub const MAX_LOGGED_EVENTS: usize = 10_000;

/// An emitted webhook event, kept for `GetEvents`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoggedEvent {
    /// Position in the order of emission, from 1.
    pub seq: u64,
    pub id: String,
    pub event_type: String,
    pub time: DateTime<Utc>,
    pub payload: serde_json::Value,
}

/// A response kept for replay to a request with the same `idempotency-key`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredResponse {
    /// Digest of the method, path and body of the request that made it.
    pub request_digest: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
    /// When it was stored; it expires [`Config::idempotency_ttl`] later.
    /// Journals written before this field existed count from their loading.
    #[serde(default = "Utc::now")]
    pub stored_at: DateTime<Utc>,
}

/// The sandbox's state, declared once: each line of `records` and `keyed`
/// is one kind of thing the sandbox keeps, and makes its [`Data`] field,
/// its [`StateChange`] (the journal's record of it), how the change applies
/// and how a snapshot writes the field back out. Adding a resource is its
/// engine file and a line here; only a change that is not "this record,
/// now" (a deletion, an expiry) is written by hand, under `other`.
///
/// - `records`: a record that knows its key (`|record| key`); its change
///   holds the record.
/// - `keyed`: a value kept under a key the change carries with it.
/// - `other`: fields and changes applied by [`Data::apply_other`] and
///   written out by [`Data::snapshot_other`].
///
/// The journal's JSON is `{"kind": <variant in snake_case>, "value": ...}`
/// for every change, as it was before this table existed.
macro_rules! state {
    (
        records {
            $( $(#[$rdoc:meta])* $rfield:ident: $rmap:ident<$rkey:ty, $rty:ty>
                => $rvariant:ident, key |$r:ident| $rkeyexpr:expr; )*
        }
        keyed {
            $( $(#[$kdoc:meta])* $kfield:ident: $kmap:ident<$kkey:ty, $kty:ty>
                => $kvariant:ident { $kname:ident, $vname:ident }; )*
        }
        other {
            fields { $( $(#[$odoc:meta])* $ofield:ident: $oty:ty, )* }
            changes { $( $(#[$cdoc:meta])* $cvariant:ident $cbody:tt, )* }
        }
    ) => {
        /// One change of state; the journal is a sequence of these.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(tag = "kind", content = "value", rename_all = "snake_case")]
        pub enum StateChange {
            $( $(#[$rdoc])* $rvariant(Box<$rty>), )*
            $( $(#[$kdoc])* $kvariant { $kname: $kkey, $vname: $kty }, )*
            $( $(#[$cdoc])* $cvariant $cbody, )*
        }

        #[derive(Debug, Default, Clone)]
        pub struct Data {
            $( $(#[$rdoc])* pub $rfield: $rmap<$rkey, $rty>, )*
            $( $(#[$kdoc])* pub $kfield: $kmap<$kkey, $kty>, )*
            $( $(#[$odoc])* pub $ofield: $oty, )*
        }

        impl Data {
            pub fn apply(&mut self, change: StateChange) {
                match change {
                    $( StateChange::$rvariant(record) => {
                        let key = {
                            let $r = &*record;
                            $rkeyexpr
                        };
                        self.$rfield.insert(key, *record);
                    } )*
                    $( StateChange::$kvariant { $kname, $vname } => {
                        self.$kfield.insert($kname, $vname);
                    } )*
                    other => self.apply_other(other),
                }
            }

            /// The changes that rebuild this state from nothing, leaving out
            /// responses stored before `expired_before`.
            pub fn snapshot(&self, expired_before: DateTime<Utc>) -> Vec<StateChange> {
                let mut changes = Vec::new();
                $( changes.extend(
                    self.$rfield
                        .values()
                        .map(|record| StateChange::$rvariant(Box::new(record.clone()))),
                ); )*
                $( changes.extend(self.$kfield.iter().map(|(key, value)| {
                    StateChange::$kvariant {
                        $kname: key.clone(),
                        $vname: value.clone(),
                    }
                })); )*
                self.snapshot_other(expired_before, &mut changes);
                changes
            }
        }
    };
}

state! {
    records {
        /// Keyed by logistics SKU; SKUs sort in creation order.
        products: BTreeMap<String, types::ApiProductResponse>
            => Product, key |product| product.logistics_sku.clone();
        inbounds: BTreeMap<u64, Inbound> => Inbound, key |inbound| numeric_id(&inbound.shipment.id);
        orders: BTreeMap<u64, Order> => Order, key |order| numeric_id(&order.order.id);
        bundles: BTreeMap<String, types::ApiBundleResponse>
            => Bundle, key |bundle| bundle.bundle_id.clone();
        webhooks: BTreeMap<u64, types::WebhookModel> => Webhook, key |webhook| numeric_id(&webhook.id);
        // parcels and returns
        parcels: BTreeMap<u64, ParcelRecord>
            => Parcel, key |record| numeric_id(&record.parcel.parcel_id);
        parcel_jobs: BTreeMap<u64, BulkParcelJob>
            => BulkParcelJob, key |job| numeric_id(&job.job.job_id);
        returns: BTreeMap<u64, ReturnRecord> => Return, key |record| numeric_id(&record.order.id);
        // inbound quotes, channels, freight
        /// Keyed by inbound shipment id.
        inbound_quotes: BTreeMap<u64, InboundQuotes>
            => InboundQuotes, key |quotes| quotes.shipment_id;
        /// Keyed by [`Channel::key`].
        channels: BTreeMap<String, Channel> => Channel, key |channel| channel.key();
        freight_orders: BTreeMap<u64, FreightOrder> => FreightOrder, key |order| order.id;
    }
    keyed {
        stock: HashMap<String, Stock> => Stock { sku, stock };
        reports: HashMap<String, Report> => Report { reference, report };
        // oauth
        /// Authorization codes by digest ([`crate::auth::digest`]).
        oauth_codes: HashMap<String, crate::auth::AuthorizationCode>
            => OAuthCode { digest, code };
        /// Access tokens issued by the OAuth flow, by digest.
        oauth_tokens: HashMap<String, crate::auth::IssuedToken> => OAuthToken { digest, token };
        /// Freight quotes as answered (`DrayageQuoteResponse`,
        /// `LtlQuoteResponse` or `FtlQuoteResponse`), keyed by id.
        freight_quotes: BTreeMap<u64, Box<flexport_logistics_unstable::types::QuoteResponse>>
            => FreightQuote { id, quote };
    }
    other {
        fields {
            /// Answers kept for replay, by idempotency key; a snapshot
            /// leaves out the expired ones.
            responses: HashMap<String, StoredResponse>,
            /// The most recent [`MAX_LOGGED_EVENTS`] emitted events, oldest first.
            events: VecDeque<LoggedEvent>,
        }
        changes {
            WebhookDeleted { id: String },
            Response { key: String, response: StoredResponse },
            /// Forgets the stored responses stored before `before`.
            ResponsesExpired { before: DateTime<Utc> },
            /// An authorization code was exchanged.
            OAuthCodeUsed { digest: String },
            /// Forgets the codes that expired before `before`.
            OAuthCodesExpired { before: DateTime<Utc> },
            EventLogged(Box<LoggedEvent>),
        }
    }
}

impl Data {
    /// The changes of `other` in [`state!`].
    fn apply_other(&mut self, change: StateChange) {
        match change {
            StateChange::WebhookDeleted { id } => {
                self.webhooks.remove(&numeric_id(&id));
            }
            StateChange::Response { key, response } => {
                self.responses.insert(key, response);
            }
            StateChange::ResponsesExpired { before } => {
                self.responses
                    .retain(|_, response| response.stored_at >= before);
            }
            StateChange::OAuthCodeUsed { digest } => {
                if let Some(code) = self.oauth_codes.get_mut(&digest) {
                    code.used = true;
                }
            }
            StateChange::OAuthCodesExpired { before } => {
                self.oauth_codes.retain(|_, code| code.expires_at >= before);
            }
            StateChange::EventLogged(event) => {
                self.events.push_back(*event);
                while self.events.len() > MAX_LOGGED_EVENTS {
                    self.events.pop_front();
                }
            }
            record => unreachable!("{record:?} is applied by the state! table"),
        }
    }

    /// The fields of `other` in [`state!`], as changes.
    fn snapshot_other(&self, expired_before: DateTime<Utc>, changes: &mut Vec<StateChange>) {
        changes.extend(
            self.responses
                .iter()
                .filter(|(_, response)| response.stored_at >= expired_before)
                .map(|(key, response)| StateChange::Response {
                    key: key.clone(),
                    response: response.clone(),
                }),
        );
        changes.extend(
            self.events
                .iter()
                .map(|event| StateChange::EventLogged(Box::new(event.clone()))),
        );
    }

    pub fn stock(&self, sku: &str) -> Stock {
        self.stock.get(sku).copied().unwrap_or_default()
    }

    /// The next id after the largest in `ids` (ids start at 1001).
    pub fn next_id<V>(ids: &BTreeMap<u64, V>) -> u64 {
        ids.keys().next_back().map_or(1001, |last| last + 1)
    }
}

/// Ids the sandbox hands out are decimal numbers; anything else names nothing.
pub fn numeric_id(id: &str) -> u64 {
    id.parse().unwrap_or(0)
}

/// A webhook event, delivered once its change is committed.
#[derive(Debug, Clone)]
pub struct Event {
    pub event_type: &'static str,
    pub payload: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<StateChange> {
        let at = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        vec![
            StateChange::Stock {
                sku: "S1".into(),
                stock: Stock {
                    on_hand: 3,
                    available: 2,
                },
            },
            StateChange::InboundQuotes(Box::new(InboundQuotes {
                shipment_id: 1001,
                ready_at: Some(at),
                shipping_option: None,
                quotes: Vec::new(),
            })),
            StateChange::Response {
                key: "key-1".into(),
                response: StoredResponse {
                    request_digest: "d".into(),
                    status: 200,
                    content_type: None,
                    body: "{}".into(),
                    stored_at: at,
                },
            },
            StateChange::EventLogged(Box::new(LoggedEvent {
                seq: 1,
                id: "E1".into(),
                event_type: "Order.Created".into(),
                time: at,
                payload: serde_json::json!({"id": "1001"}),
            })),
        ]
    }

    fn journal(changes: &[StateChange]) -> Vec<String> {
        let mut lines: Vec<String> = changes
            .iter()
            .map(|change| serde_json::to_string(change).unwrap())
            .collect();
        lines.sort();
        lines
    }

    #[test]
    fn every_kind_is_written_as_the_journal_always_named_it() {
        let kinds: Vec<String> = sample()
            .iter()
            .map(|change| serde_json::to_value(change).unwrap()["kind"].to_string())
            .collect();
        assert_eq!(
            kinds,
            [
                "\"stock\"",
                "\"inbound_quotes\"",
                "\"response\"",
                "\"event_logged\""
            ]
        );
    }

    #[test]
    fn a_snapshot_rebuilds_what_the_changes_made() {
        let mut data = Data::default();
        for change in sample() {
            data.apply(change);
        }
        let long_ago = DateTime::<Utc>::MIN_UTC;
        let snapshot = data.snapshot(long_ago);
        assert_eq!(journal(&snapshot), journal(&sample()));
        let mut rebuilt = Data::default();
        for change in snapshot.clone() {
            rebuilt.apply(change);
        }
        assert_eq!(journal(&rebuilt.snapshot(long_ago)), journal(&snapshot));
    }
}
