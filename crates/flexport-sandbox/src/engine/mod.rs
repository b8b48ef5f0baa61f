//! What the sandbox does, apart from HTTP: each write is a function of a
//! [`Writer`] (the working state of one transaction) and its parsed input,
//! validating everything before it changes anything, so that a refusal
//! ([`DomainError`]) never leaves a change behind. The engine knows no HTTP:
//! the handlers in `api` extract the input, call these, and turn their
//! results and refusals into answers.

pub mod accounts;
pub mod bundles;
pub mod channels;
pub mod cursor;
mod error;
pub mod events;
pub mod freight;
pub mod inbounds;
pub mod oauth;
pub mod orders;
pub mod parcels;
pub mod products;
pub mod reports;
pub mod returns;
pub mod uploads;
pub mod warehouse;
pub mod webhooks;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::Config;
use crate::state::{Data, Event, StateChange, Stock};
use crate::store::{Store, Transaction};
pub use error::{DomainError, Kind};

/// One transaction's view of the state, and the way to change it.
pub struct Writer<'a> {
    pub store: &'a Store,
    pub tx: &'a mut Transaction,
}

impl Writer<'_> {
    pub fn data(&self) -> &Data {
        self.tx.data()
    }

    pub fn config(&self) -> &Config {
        &self.store.config
    }

    /// The sandbox's time (the wall clock, or a manual one).
    pub fn now(&self) -> DateTime<Utc> {
        self.store.clock.now()
    }

    pub fn apply(&mut self, change: StateChange) {
        self.tx.apply(change);
    }

    /// Queues a webhook event of type `E`, built by `fill` from a builder
    /// whose envelope is set, delivered once this transaction is committed,
    /// and logs it for `GetEvents` under the names [`events::listed_as`]
    /// gives it. The payload's values follow the event's schema in the
    /// newest document that declares it: a text the schema types as a
    /// number is sent as that number.
    pub fn emit<E: events::WebhookEvent>(&mut self, fill: impl FnOnce(E::Builder) -> E::Builder) {
        let now = self.now();
        let envelope = events::Envelope {
            account_id: self.store.account_id.clone(),
            event_id: uuid::Uuid::new_v4().to_string(),
            time: now,
        };
        let event = E::try_from(fill(E::envelope(E::Builder::default(), &envelope)))
            .unwrap_or_else(|error| panic!("a {} event the sandbox built: {error}", E::TYPE));
        let mut payload = serde_json::to_value(event).expect("an event serializes");
        let (document, schema) = crate::schema::component(E::SCHEMA)
            .unwrap_or_else(|| panic!("no committed document declares {}", E::SCHEMA));
        crate::schema::number_texts(document, &[schema], &mut payload);
        for name in events::listed_as(E::TYPE) {
            events::log(self, name, &payload, now);
        }
        self.tx.push_event(Event {
            event_type: E::TYPE,
            payload,
        });
    }

    /// Moves units: for each `(sku, on_hand, available)`, adds the two
    /// (either may be negative). Repeated SKUs are summed first. Changes
    /// nothing and names the SKU when a result would be negative, over
    /// `i32::MAX`, or have more units available than on hand.
    pub fn move_stock<'s>(
        &mut self,
        moves: impl IntoIterator<Item = (&'s str, i64, i64)>,
    ) -> Result<(), String> {
        let mut totals: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        for (sku, on_hand, available) in moves {
            let total = totals.entry(sku).or_default();
            total.0 = total.0.saturating_add(on_hand);
            total.1 = total.1.saturating_add(available);
        }
        let mut changes = Vec::with_capacity(totals.len());
        for (sku, (on_hand, available)) in totals {
            let stock = self.data().stock(sku);
            let add = |now: i32, delta: i64| {
                i64::from(now)
                    .checked_add(delta)
                    .and_then(|sum| i32::try_from(sum).ok())
                    .filter(|sum| *sum >= 0)
            };
            match (add(stock.on_hand, on_hand), add(stock.available, available)) {
                (Some(on_hand), Some(available)) if available <= on_hand => {
                    changes.push(StateChange::Stock {
                        sku: sku.to_owned(),
                        stock: Stock { on_hand, available },
                    });
                }
                _ => return Err(sku.to_owned()),
            }
        }
        for change in changes {
            self.apply(change);
        }
        Ok(())
    }
}

pub use crate::clock::{expired_before, later};

/// Moves time-driven state along: inbound shipments are received, orders
/// ship, reports finish, and expired idempotency keys are forgotten.
pub fn tick(w: &mut Writer<'_>, now: DateTime<Utc>, expire_keys: bool) {
    inbounds::receive_due(w, now);
    orders::ship_due(w, now);
    reports::finish_due(w, now);
    parcels::tick(w, now);
    returns::advance_due(w, now);
    oauth::expire_codes(w, now);
    quotes_syncs_and_freight_due(w, now);
    if expire_keys {
        let before = expired_before(now, w.config().idempotency_ttl);
        if w.data()
            .responses
            .values()
            .any(|response| response.stored_at < before)
        {
            w.apply(StateChange::ResponsesExpired { before });
        }
    }
}

/// Requires `value` to be non-blank.
pub fn required(field: &str, value: &str) -> Result<(), DomainError> {
    if value.trim().is_empty() {
        return Err(DomainError::invalid_field(field, "must not be empty"));
    }
    Ok(())
}

/// A stock count as the API reports it (a count below zero reads 0).
pub fn count(units: i32) -> u64 {
    u64::try_from(units).unwrap_or(0)
}

/// A quantity: positive and at most `i32::MAX`.
pub fn quantity(field: &str, value: u64) -> Result<i32, DomainError> {
    if value >= 1 && value <= i32::MAX as u64 {
        Ok(value as i32)
    } else {
        Err(DomainError::invalid_field(
            field,
            format!("{value} is not a whole number from 1 to {}", i32::MAX),
        ))
    }
}

/// Time-driven progress of the inbound quote processes, product syncs and
/// freight tracking.
fn quotes_syncs_and_freight_due(w: &mut Writer<'_>, now: DateTime<Utc>) {
    inbounds::quotes_due(w, now);
    channels::syncs_due(w, now);
    freight::tracking_due(w, now);
}
