//! Returns: created with a label, then shipped by the buyer, received for
//! processing and processed, one status per
//! [`Config::return_step_after`](crate::Config::return_step_after);
//! processing restocks the returned units (on hand and available).
//! Cancellable until the buyer ships it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types::{
    self, ReturnItemType, ReturnOrderStatus, ReturnOrderTrackingStatus,
};
use serde_json::Value;

use super::cursor::Cursor;
use super::{Writer, later, parcels, quantity, required};
use crate::engine::DomainError;
use crate::state::{Data, ReturnRecord, StateChange, numeric_id};
use serde::{Deserialize, Serialize};

pub fn create(
    w: &mut Writer<'_>,
    input: types::CreateReturnRequest,
) -> Result<types::ReturnsApiOrder, DomainError> {
    required("rma", &input.rma)?;
    required("externalReturnId", &input.external_return_id)?;
    if let Some(address) = &input.source_address {
        parcels::address("sourceAddress", address)?;
    }
    if let Some(label) = &input.external_label {
        required("externalLabel.carrier", &label.carrier)?;
        required("externalLabel.trackingCode", &label.tracking_code)?;
    }
    if input.return_items.is_empty() {
        return Err(DomainError::invalid_field(
            "returnItems",
            "a return needs at least one item",
        ));
    }
    let data = w.data();
    if let Some(order_id) = &input.logistics_order_id
        && !data.orders.contains_key(&numeric_id(order_id))
    {
        return Err(DomainError::invalid_field(
            "logisticsOrderId",
            format!("no order with id `{order_id}`"),
        ));
    }
    let mut restock: BTreeMap<String, i64> = BTreeMap::new();
    for (i, item) in input.return_items.iter().enumerate() {
        let units = quantity(&format!("returnItems[{i}].quantity"), item.quantity)?;
        let sku = match item.type_ {
            ReturnItemType::LogisticsSku => data
                .products
                .contains_key(&item.identifier)
                .then(|| item.identifier.clone()),
            ReturnItemType::Sku => data
                .products
                .values()
                .find(|product| product.merchant_sku == item.identifier)
                .map(|product| product.logistics_sku.clone()),
        };
        let Some(sku) = sku else {
            return Err(DomainError::invalid_field(
                &format!("returnItems[{i}].identifier"),
                format!("no product with {} `{}`", item.type_, item.identifier),
            ));
        };
        *restock.entry(sku).or_default() += i64::from(units);
    }
    if data
        .returns
        .values()
        .any(|record| record.order.external_return_id == input.external_return_id)
    {
        return Err(DomainError::conflict(format!(
            "a return with externalReturnId `{}` exists",
            input.external_return_id
        )));
    }
    // Restocking must not take a product past i32::MAX units on hand,
    // counting the returns not yet processed and the inbounds not yet received.
    for (sku, units) in &restock {
        let returning: i64 = data
            .returns
            .values()
            .filter(|record| record.next_at.is_some())
            .flat_map(|record| &record.restock)
            .filter(|(returned, _)| returned == sku)
            .map(|(_, units)| units)
            .sum();
        let inbound: i64 = data
            .inbounds
            .values()
            .filter(|inbound| inbound.receive_at.is_some())
            .flat_map(|inbound| &inbound.shipment.items)
            .filter(|item| &item.logistics_sku == sku)
            .map(|item| item.counts.expected as i64)
            .sum();
        if i64::from(data.stock(sku).on_hand) + returning + inbound + units > i64::from(i32::MAX) {
            return Err(DomainError::invalid_field(
                "returnItems",
                format!(
                    "{sku} would hold more than {} units once this return is restocked",
                    i32::MAX
                ),
            ));
        }
    }
    let id = Data::next_id(&data.returns);
    let now = w.now();
    let base = &w.store.base_url;
    let shipping_label = match input.external_label {
        Some(label) => types::ShippingLabel {
            carrier: label.carrier,
            label_url: label.label_url,
            tracking_code: label.tracking_code,
            tracking_status: ReturnOrderTrackingStatus::Created,
            tracking_url: label.tracking_url,
        },
        None => {
            let code = format!("RET{id:012}");
            types::ShippingLabel {
                carrier: parcels::CARRIER.to_owned(),
                label_url: Some(format!("{base}/sandbox/labels/returns/{id}.png")),
                tracking_url: Some(format!("{base}/sandbox/carrier/{code}")),
                tracking_code: code,
                tracking_status: ReturnOrderTrackingStatus::Created,
            }
        }
    };
    let order = types::ReturnsApiOrder {
        external_return_id: input.external_return_id,
        id: id.to_string(),
        inspected_at: None,
        received_at: None,
        return_items: input
            .return_items
            .iter()
            .map(|item| types::ReturnItem {
                expected_quantity: item.quantity,
                identifier: item.identifier.clone(),
                inspected_items: Vec::new(),
            })
            .collect(),
        rma: input.rma,
        shipped_at: None,
        shipping_label,
        source_address: input.source_address,
        status: ReturnOrderStatus::Created,
    };
    let record = ReturnRecord {
        order: order.clone(),
        restock: restock.into_iter().collect(),
        order_id: input.logistics_order_id,
        next_at: Some(later(now, w.config().return_step_after)),
    };
    emit_updated(w, &record.order);
    w.apply(StateChange::Return(Box::new(record)));
    Ok(order)
}

pub fn find<'d>(data: &'d Data, return_id: &str) -> Result<&'d ReturnRecord, DomainError> {
    // The document types the id as a number: `7.0` names return 7.
    return_id
        .parse::<f64>()
        .ok()
        .filter(|id| id.fract() == 0.0 && *id >= 0.0 && *id < u64::MAX as f64)
        .and_then(|id| data.returns.get(&(id as u64)))
        .ok_or_else(|| DomainError::not_found("return", return_id))
}

/// Cancels a return the buyer has not shipped; a shipped one gets 409.
/// Cancelling twice is not an error.
pub fn cancel(w: &mut Writer<'_>, return_id: &str) -> Result<(), DomainError> {
    let mut record = find(w.data(), return_id)?.clone();
    match record.order.status {
        ReturnOrderStatus::Cancelled => return Ok(()),
        ReturnOrderStatus::Created => {}
        ref status => {
            return Err(DomainError::conflict(format!(
                "return {return_id} is {status}: only a return not yet shipped can be cancelled"
            )));
        }
    }
    record.order.status = ReturnOrderStatus::Cancelled;
    record.order.shipping_label.tracking_status = ReturnOrderTrackingStatus::Cancelled;
    record.next_at = None;
    emit_updated(w, &record.order);
    w.apply(StateChange::Return(Box::new(record)));
    Ok(())
}

/// Returns per page when `limit` is not given, and the most `limit` takes.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 250;

/// One page of returns, oldest first, and the cursor of the next page
/// (`None` on the last page): the first page of a walk by `filter`, or, with
/// `page_info` (a cursor from an earlier page; anything else is refused),
/// the page after it by the filter that cursor carries. `limit` returns at
/// most (default [`DEFAULT_LIMIT`], 1 to [`MAX_LIMIT`]).
pub fn list(
    data: &Data,
    filter: Filter,
    limit: Option<usize>,
    page_info: Option<&str>,
) -> Result<(Vec<types::ReturnsApiOrder>, Option<String>), DomainError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(DomainError::invalid_field(
            "limit",
            format!("`{limit}` is not a whole number from 1 to {MAX_LIMIT}"),
        ));
    }
    let cursor = match page_info {
        None => Cursor::start(filter),
        Some(text) => Cursor::<Filter>::decode(text).ok_or_else(|| {
            DomainError::invalid_field("page_info", "not a cursor this sandbox handed out")
        })?,
    };
    let mut matching = data
        .returns
        .range(cursor.after.saturating_add(1)..)
        .map(|(_, record)| &record.order)
        .filter(|order| cursor.filter.matches(order));
    let page: Vec<types::ReturnsApiOrder> = matching.by_ref().take(limit).cloned().collect();
    let next = match (page.last(), matching.next()) {
        (Some(last), Some(_)) => Some(cursor.next(crate::state::numeric_id(&last.id)).encode()),
        _ => None,
    };
    Ok((page, next))
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_return_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rma: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl Filter {
    fn matches(&self, order: &types::ReturnsApiOrder) -> bool {
        self.external_return_id
            .as_ref()
            .is_none_or(|id| *id == order.external_return_id)
            && self.rma.as_ref().is_none_or(|rma| *rma == order.rma)
            && self
                .tracking_code
                .as_ref()
                .is_none_or(|code| *code == order.shipping_label.tracking_code)
            && self
                .status
                .as_ref()
                .is_none_or(|status| status.eq_ignore_ascii_case(&order.status.to_string()))
    }
}

/// A `ReturnUpdated` event: the return as `GetReturn` answers it.
fn emit_updated(w: &mut Writer<'_>, order: &types::ReturnsApiOrder) {
    let order = order.clone();
    w.emit::<types::ReturnUpdatedEvent>(|event| {
        event
            .id(order.id)
            .rma(order.rma)
            .external_return_id(order.external_return_id)
            .status(order.status)
            .return_items(order.return_items)
            .shipping_label(order.shipping_label)
            .source_address(order.source_address)
            .shipped_at(order.shipped_at)
            .received_at(order.received_at)
            .inspected_at(order.inspected_at)
    });
}

/// Emits the return as one of the events that carry the older shape,
/// `LegacyReturnsApiOrder` (`ReturnShipped`, `ReturnShipmentReceived` and
/// `ReturnInspected`: three generated types with its fields).
macro_rules! emit_legacy {
    ($w:expr, $event:ty, $legacy:expr) => {{
        let legacy: types::LegacyReturnsApiOrder = $legacy;
        $w.emit::<$event>(|event| {
            event
                .id(legacy.id)
                .status(legacy.status)
                .rma(legacy.rma)
                .external_return_id(legacy.external_return_id)
                .marketplace_order(legacy.marketplace_order)
                .return_items(legacy.return_items)
                .shipping_labels(legacy.shipping_labels)
                .source_address(legacy.source_address)
                .destination_address(legacy.destination_address)
                .shipped_at(legacy.shipped_at)
                .received_at(legacy.received_at)
                .inspected_at(legacy.inspected_at)
                .inspection_notes(legacy.inspection_notes)
        })
    }};
}

/// The return in the older shape, `LegacyReturnsApiOrder`.
fn legacy(record: &ReturnRecord) -> types::LegacyReturnsApiOrder {
    let order = &record.order;
    let text = |value: &str| Value::from(value);
    let time = |at: Option<DateTime<Utc>>| at.map(|at| Value::from(at.to_rfc3339()));
    types::LegacyReturnsApiOrder {
        id: text(&order.id),
        status: order
            .status
            .to_string()
            .parse()
            .expect("every return status is a ReturnStatus"),
        rma: text(&order.rma),
        external_return_id: text(&order.external_return_id),
        marketplace_order: types::ReturnsApiMarketplaceOrder {
            marketplace_order_id: text(record.order_id.as_deref().unwrap_or_default()),
            marketplace_name: types::ReturnsPublicApiMarketplace::Other,
        },
        return_items: serde_json::to_value(&order.return_items).expect("return items serialize"),
        shipping_labels: serde_json::to_value([&order.shipping_label])
            .expect("a shipping label serializes"),
        source_address: order.source_address.as_ref().map(|from| {
            types::LegacyReturnsSourceAddress {
                name: Some(text(&from.name)),
                first_name: None,
                last_name: None,
                company: from.company.as_deref().map(text),
                address1: text(&from.street1),
                address2: from.street2.as_deref().map(text),
                city: text(&from.city),
                province_code: text(&from.state),
                zip: Some(text(&from.zip)),
                phone: from.phone.as_deref().map(text),
                country_code: text(&from.country),
            }
        }),
        destination_address: Some(types::LegacyReturnsDestinationAddress {
            name: Some(text("Flexport Sandbox Returns")),
            first_name: None,
            last_name: None,
            company: None,
            address1: text("1 Sandbox Way"),
            address2: None,
            city: text("Reno"),
            province_code: text("NV"),
            zip: text("89501"),
            phone: None,
            country_code: text("US"),
        }),
        shipped_at: time(order.shipped_at),
        received_at: time(order.received_at),
        inspected_at: time(order.inspected_at),
        inspection_notes: None,
    }
}

/// The event in the older shape a step of a return sends.
enum Legacy {
    Shipped,
    ShipmentReceived,
    Inspected,
}

/// Moves every return whose time has come to its next status; a processed
/// return's units are restocked.
pub fn advance_due(w: &mut Writer<'_>, now: DateTime<Utc>) {
    let due: Vec<ReturnRecord> = w
        .data()
        .returns
        .values()
        .filter(|record| record.next_at.is_some_and(|at| at <= now))
        .cloned()
        .collect();
    let step = w.config().return_step_after;
    for mut record in due {
        let order = &mut record.order;
        let event = match order.status {
            ReturnOrderStatus::Created => {
                order.status = ReturnOrderStatus::Shipped;
                order.shipped_at = Some(now);
                order.shipping_label.tracking_status = ReturnOrderTrackingStatus::Shipped;
                record.next_at = Some(later(now, step));
                Legacy::Shipped
            }
            ReturnOrderStatus::Shipped => {
                order.status = ReturnOrderStatus::ReceivedForProcessing;
                order.received_at = Some(now);
                order.shipping_label.tracking_status = ReturnOrderTrackingStatus::Delivered;
                record.next_at = Some(later(now, step));
                Legacy::ShipmentReceived
            }
            ReturnOrderStatus::ReceivedForProcessing => {
                let restocked = w.move_stock(
                    record
                        .restock
                        .iter()
                        .map(|(sku, units)| (sku.as_str(), *units, *units)),
                );
                if let Err(sku) = restocked {
                    // Creation keeps every SKU within i32::MAX units, so only
                    // an edited state file gets here; the return waits.
                    tracing::error!(r#return = record.order.id, sku, "restocking would overflow");
                    continue;
                }
                let order = &mut record.order;
                order.status = ReturnOrderStatus::Processed;
                order.inspected_at = Some(now);
                for item in &mut order.return_items {
                    item.inspected_items = vec![types::InspectedItem {
                        disposition: "RESTOCK".to_owned(),
                        final_condition: "SELLABLE".to_owned(),
                        received_condition: "SELLABLE".to_owned(),
                    }];
                }
                record.next_at = None;
                for (sku, units) in &record.restock {
                    w.emit::<types::ReturnReceivedEvent>(|event| {
                        event
                            .type_("SELLABLE")
                            .amount(i32::try_from(*units).unwrap_or(i32::MAX))
                            .logistics_sku(sku.clone())
                    });
                }
                Legacy::Inspected
            }
            // Never scheduled.
            _ => {
                record.next_at = None;
                w.apply(StateChange::Return(Box::new(record)));
                continue;
            }
        };
        match event {
            Legacy::Shipped => emit_legacy!(w, types::ReturnShippedEvent, legacy(&record)),
            Legacy::ShipmentReceived => {
                emit_legacy!(w, types::ReturnShipmentReceivedEvent, legacy(&record))
            }
            Legacy::Inspected => emit_legacy!(w, types::ReturnInspectedEvent, legacy(&record)),
        }
        emit_updated(w, &record.order);
        w.apply(StateChange::Return(Box::new(record)));
    }
}
