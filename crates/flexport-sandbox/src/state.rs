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
    serde_json::json!([channel_type, store_name]).to_string()
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

/// One change of state; the journal is a sequence of these.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum StateChange {
    Product(Box<types::ApiProductResponse>),
    Stock {
        sku: String,
        stock: Stock,
    },
    Inbound(Box<Inbound>),
    Order(Box<Order>),
    Bundle(types::ApiBundleResponse),
    Webhook(types::WebhookModel),
    WebhookDeleted {
        id: String,
    },
    Report {
        reference: String,
        report: Report,
    },
    Response {
        key: String,
        response: StoredResponse,
    },
    /// Forgets the stored responses stored before `before`.
    ResponsesExpired {
        before: DateTime<Utc>,
    },
    // parcels and returns
    Parcel(Box<ParcelRecord>),
    BulkParcelJob(Box<BulkParcelJob>),
    Return(Box<ReturnRecord>),
    // oauth
    /// An authorization code was issued (kept by its digest).
    OAuthCode {
        digest: String,
        code: crate::auth::AuthorizationCode,
    },
    /// An authorization code was exchanged.
    OAuthCodeUsed {
        digest: String,
    },
    /// Forgets the codes that expired before `before`.
    OAuthCodesExpired {
        before: DateTime<Utc>,
    },
    /// An access token was issued (kept by its digest).
    OAuthToken {
        digest: String,
        token: crate::auth::IssuedToken,
    },
    // inbound quotes, channels, freight, events
    InboundQuotes(Box<InboundQuotes>),
    Channel(Box<Channel>),
    FreightQuote {
        id: u64,
        quote: flexport_logistics_unstable::types::QuoteResponse,
    },
    FreightOrder(Box<FreightOrder>),
    EventLogged(Box<LoggedEvent>),
}

#[derive(Debug, Default, Clone)]
pub struct Data {
    /// Keyed by logistics SKU; SKUs sort in creation order.
    pub products: BTreeMap<String, types::ApiProductResponse>,
    pub stock: HashMap<String, Stock>,
    pub inbounds: BTreeMap<u64, Inbound>,
    pub orders: BTreeMap<u64, Order>,
    pub bundles: BTreeMap<String, types::ApiBundleResponse>,
    pub webhooks: BTreeMap<u64, types::WebhookModel>,
    pub reports: HashMap<String, Report>,
    pub responses: HashMap<String, StoredResponse>,
    // parcels and returns
    pub parcels: BTreeMap<u64, ParcelRecord>,
    pub parcel_jobs: BTreeMap<u64, BulkParcelJob>,
    pub returns: BTreeMap<u64, ReturnRecord>,
    // oauth
    /// Authorization codes by digest ([`crate::auth::digest`]).
    pub oauth_codes: HashMap<String, crate::auth::AuthorizationCode>,
    /// Access tokens issued by the OAuth flow, by digest.
    pub oauth_tokens: HashMap<String, crate::auth::IssuedToken>,
    // inbound quotes, channels, freight, events
    /// Keyed by inbound shipment id.
    pub inbound_quotes: BTreeMap<u64, InboundQuotes>,
    /// Keyed by [`Channel::key`].
    pub channels: BTreeMap<String, Channel>,
    /// Freight quotes as answered (`DrayageQuoteResponse`, `LtlQuoteResponse`
    /// or `FtlQuoteResponse`), keyed by id.
    pub freight_quotes: BTreeMap<u64, flexport_logistics_unstable::types::QuoteResponse>,
    pub freight_orders: BTreeMap<u64, FreightOrder>,
    /// The most recent [`MAX_LOGGED_EVENTS`] emitted events, oldest first.
    pub events: VecDeque<LoggedEvent>,
}

impl Data {
    pub fn apply(&mut self, change: StateChange) {
        match change {
            StateChange::Product(product) => {
                self.products
                    .insert(product.logistics_sku.clone(), *product);
            }
            StateChange::Stock { sku, stock } => {
                self.stock.insert(sku, stock);
            }
            StateChange::Inbound(inbound) => {
                let id = numeric_id(&inbound.shipment.id);
                self.inbounds.insert(id, *inbound);
            }
            StateChange::Order(order) => {
                let id = numeric_id(&order.order.id);
                self.orders.insert(id, *order);
            }
            StateChange::Bundle(bundle) => {
                self.bundles.insert(bundle.bundle_id.clone(), bundle);
            }
            StateChange::Webhook(webhook) => {
                self.webhooks.insert(numeric_id(&webhook.id), webhook);
            }
            StateChange::WebhookDeleted { id } => {
                self.webhooks.remove(&numeric_id(&id));
            }
            StateChange::Report { reference, report } => {
                self.reports.insert(reference, report);
            }
            StateChange::Response { key, response } => {
                self.responses.insert(key, response);
            }
            StateChange::ResponsesExpired { before } => {
                self.responses
                    .retain(|_, response| response.stored_at >= before);
            }
            // parcels and returns
            StateChange::Parcel(record) => {
                let id = numeric_id(&record.parcel.parcel_id);
                self.parcels.insert(id, *record);
            }
            StateChange::BulkParcelJob(job) => {
                self.parcel_jobs.insert(numeric_id(&job.job.job_id), *job);
            }
            StateChange::Return(record) => {
                self.returns.insert(numeric_id(&record.order.id), *record);
            }
            StateChange::OAuthCode { digest, code } => {
                self.oauth_codes.insert(digest, code);
            }
            StateChange::OAuthCodeUsed { digest } => {
                if let Some(code) = self.oauth_codes.get_mut(&digest) {
                    code.used = true;
                }
            }
            StateChange::OAuthCodesExpired { before } => {
                self.oauth_codes.retain(|_, code| code.expires_at >= before);
            }
            StateChange::OAuthToken { digest, token } => {
                self.oauth_tokens.insert(digest, token);
            }
            StateChange::InboundQuotes(quotes) => {
                self.inbound_quotes.insert(quotes.shipment_id, *quotes);
            }
            StateChange::Channel(channel) => {
                self.channels.insert(channel.key(), *channel);
            }
            StateChange::FreightQuote { id, quote } => {
                self.freight_quotes.insert(id, quote);
            }
            StateChange::FreightOrder(order) => {
                self.freight_orders.insert(order.id, *order);
            }
            StateChange::EventLogged(event) => {
                self.events.push_back(*event);
                while self.events.len() > MAX_LOGGED_EVENTS {
                    self.events.pop_front();
                }
            }
        }
    }

    /// The changes that rebuild this state from nothing, leaving out
    /// responses stored before `expired_before`.
    pub fn snapshot(&self, expired_before: DateTime<Utc>) -> Vec<StateChange> {
        let mut changes = Vec::new();
        changes.extend(
            self.products
                .values()
                .map(|product| StateChange::Product(Box::new(product.clone()))),
        );
        changes.extend(self.stock.iter().map(|(sku, stock)| StateChange::Stock {
            sku: sku.clone(),
            stock: *stock,
        }));
        changes.extend(
            self.inbounds
                .values()
                .map(|inbound| StateChange::Inbound(Box::new(inbound.clone()))),
        );
        changes.extend(
            self.orders
                .values()
                .map(|order| StateChange::Order(Box::new(order.clone()))),
        );
        changes.extend(self.bundles.values().cloned().map(StateChange::Bundle));
        changes.extend(self.webhooks.values().cloned().map(StateChange::Webhook));
        changes.extend(
            self.reports
                .iter()
                .map(|(reference, report)| StateChange::Report {
                    reference: reference.clone(),
                    report: report.clone(),
                }),
        );
        changes.extend(
            self.responses
                .iter()
                .filter(|(_, response)| response.stored_at >= expired_before)
                .map(|(key, response)| StateChange::Response {
                    key: key.clone(),
                    response: response.clone(),
                }),
        );
        // parcels and returns
        changes.extend(
            self.parcels
                .values()
                .map(|record| StateChange::Parcel(Box::new(record.clone()))),
        );
        changes.extend(
            self.parcel_jobs
                .values()
                .map(|job| StateChange::BulkParcelJob(Box::new(job.clone()))),
        );
        changes.extend(
            self.returns
                .values()
                .map(|record| StateChange::Return(Box::new(record.clone()))),
        );
        changes.extend(
            self.oauth_codes
                .iter()
                .map(|(digest, code)| StateChange::OAuthCode {
                    digest: digest.clone(),
                    code: code.clone(),
                }),
        );
        changes.extend(
            self.oauth_tokens
                .iter()
                .map(|(digest, token)| StateChange::OAuthToken {
                    digest: digest.clone(),
                    token: token.clone(),
                }),
        );
        changes.extend(
            self.inbound_quotes
                .values()
                .map(|quotes| StateChange::InboundQuotes(Box::new(quotes.clone()))),
        );
        changes.extend(
            self.channels
                .values()
                .map(|channel| StateChange::Channel(Box::new(channel.clone()))),
        );
        changes.extend(
            self.freight_quotes
                .iter()
                .map(|(id, quote)| StateChange::FreightQuote {
                    id: *id,
                    quote: quote.clone(),
                }),
        );
        changes.extend(
            self.freight_orders
                .values()
                .map(|order| StateChange::FreightOrder(Box::new(order.clone()))),
        );
        changes.extend(
            self.events
                .iter()
                .map(|event| StateChange::EventLogged(Box::new(event.clone()))),
        );
        changes
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
