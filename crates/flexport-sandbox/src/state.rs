//! What the sandbox holds, and the one way it changes: a [`Change`] applied
//! to [`Data`] and, in the same step, appended to the journal.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types;
use serde::{Deserialize, Serialize};

use crate::Config;
use crate::journal::Journal;

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

/// A response kept for replay to a request with the same `idempotency-key`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredResponse {
    /// Digest of the method, path and body of the request that made it.
    pub request_digest: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

/// One change of state; the journal is a sequence of these.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Change {
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
}

#[derive(Debug, Default)]
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
}

impl Data {
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Product(product) => {
                self.products
                    .insert(product.logistics_sku.clone(), *product);
            }
            Change::Stock { sku, stock } => {
                self.stock.insert(sku, stock);
            }
            Change::Inbound(inbound) => {
                let id = numeric_id(&inbound.shipment.id);
                self.inbounds.insert(id, *inbound);
            }
            Change::Order(order) => {
                let id = numeric_id(&order.order.id);
                self.orders.insert(id, *order);
            }
            Change::Bundle(bundle) => {
                self.bundles.insert(bundle.bundle_id.clone(), bundle);
            }
            Change::Webhook(webhook) => {
                self.webhooks.insert(webhook.id as u64, webhook);
            }
            Change::WebhookDeleted { id } => {
                self.webhooks.remove(&numeric_id(&id));
            }
            Change::Report { reference, report } => {
                self.reports.insert(reference, report);
            }
            Change::Response { key, response } => {
                self.responses.insert(key, response);
            }
        }
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

/// A webhook event waiting to be delivered once its change is on disk.
#[derive(Debug, Clone)]
pub struct Event {
    pub event_type: &'static str,
    pub payload: serde_json::Value,
}

/// The changes (and events) one request or tick makes; committed together.
#[derive(Debug, Clone, Default)]
pub struct Transaction {
    inner: Arc<Mutex<(Vec<Change>, Vec<Event>)>>,
}

impl Transaction {
    pub fn take(&self) -> (Vec<Change>, Vec<Event>) {
        std::mem::take(&mut *self.inner.lock().unwrap())
    }
}

pub struct Store {
    pub config: Config,
    /// `http://127.0.0.1:PORT`, for URLs the sandbox hands out.
    pub base_url: String,
    pub account_id: String,
    data: RwLock<Data>,
    /// Held by every writer from its first read to its commit, so writes
    /// happen (and reach the journal) one at a time, in order.
    pub writer: tokio::sync::Mutex<Journal>,
}

impl Store {
    pub async fn open(config: Config, base_url: String) -> std::io::Result<Self> {
        let (journal, changes) = Journal::open(config.state_file.as_deref()).await?;
        let mut data = Data::default();
        for change in changes {
            data.apply(change);
        }
        Ok(Self {
            config,
            base_url,
            account_id: "sandbox-account".to_owned(),
            data: RwLock::new(data),
            writer: tokio::sync::Mutex::new(journal),
        })
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Data> {
        self.data.read().unwrap()
    }

    /// Applies `change` now and records it in `tx`, to be journaled when the
    /// transaction commits.
    pub fn apply(&self, tx: &Transaction, change: Change) {
        self.data.write().unwrap().apply(change.clone());
        tx.inner.lock().unwrap().0.push(change);
    }

    /// Adds `on_hand` and `available` (either may be negative) to `sku`'s units.
    pub fn adjust_stock(&self, tx: &Transaction, sku: &str, on_hand: i32, available: i32) {
        let mut stock = self.read().stock(sku);
        stock.on_hand += on_hand;
        stock.available += available;
        self.apply(
            tx,
            Change::Stock {
                sku: sku.to_owned(),
                stock,
            },
        );
    }

    pub fn emit(&self, tx: &Transaction, event_type: &'static str, mut payload: serde_json::Value) {
        payload["logisticsAccountId"] = self.account_id.clone().into();
        payload["logisticsEventId"] = uuid::Uuid::new_v4().to_string().into();
        payload["logisticsEventType"] = event_type.into();
        payload["logisticsEventTime"] = Utc::now().to_rfc3339().into();
        tx.inner.lock().unwrap().1.push(Event {
            event_type,
            payload,
        });
    }
}
