use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types::{self, ExternalOrderStatus, InternalOrderStatus};

use super::{Writer, events, later, parcels, quantity, required};
use crate::engine::DomainError;
use crate::state::{Data, Order, StateChange, numeric_id};

/// Flexport's code for an order action its status does not allow.
use flexport_runtime::ErrorCode;

pub fn create(
    w: &mut Writer<'_>,
    input: types::CreateOrderInput,
) -> Result<types::OrderModel, DomainError> {
    required("externalOrderId", &input.external_order_id)?;
    required("address.address1", &input.address.address1)?;
    required("address.city", &input.address.city)?;
    required("address.countryCode", &input.address.country_code)?;
    if input.line_items.is_empty() {
        return Err(DomainError::invalid_field(
            "lineItems",
            "an order needs at least one line item",
        ));
    }
    let data = w.data();
    for (i, item) in input.line_items.iter().enumerate() {
        if !data.products.contains_key(&item.logistics_sku) {
            return Err(DomainError::invalid_field(
                &format!("lineItems[{i}].logisticsSku"),
                format!("no product with logisticsSku `{}`", item.logistics_sku),
            ));
        }
        quantity(&format!("lineItems[{i}].quantity"), item.quantity)?;
    }
    if data
        .orders
        .values()
        .any(|order| order.order.external_order_id.as_deref() == Some(&input.external_order_id))
    {
        return Err(DomainError::conflict(format!(
            "an order with externalOrderId `{}` exists",
            input.external_order_id
        )));
    }
    let id = Data::next_id(&data.orders);
    let now = w.now();
    let address = input.address;
    let order = types::OrderModel {
        address: types::Address {
            address1: address.address1,
            address2: address.address2,
            city: address.city,
            company: address.company,
            country_code: address.country_code,
            name: address.name,
            phone: address.phone.unwrap_or_default(),
            province_code: address.province_code.unwrap_or_default(),
            zip: address.zip.unwrap_or_default(),
        },
        cost: None,
        created_at: Some(now),
        delivered_at: None,
        error: None,
        external_order_id: Some(input.external_order_id.clone()),
        id: id.to_string(),
        line_items: input
            .line_items
            .into_iter()
            .map(|item| types::OrderLineItem {
                customs_unit_value: item.customs_unit_value.map(|money| types::Money {
                    amount: money.amount,
                    currency_code: money.currency_code,
                }),
                logistics_sku: item.logistics_sku,
                quantity: item.quantity,
            })
            .collect(),
        promised_delivery_by_time: input.promised_delivery_by_time,
        promised_ship_by_time: input.promised_ship_by_time,
        shipments: Vec::new(),
        shipped_at: None,
        source: input.source,
        state: state(
            InternalOrderStatus::Created,
            ExternalOrderStatus::RoutingInProgress,
        ),
        updated_at: Some(now),
    };
    let order = allocate(w, order, now);
    w.emit::<types::OrderEvent>(|event| {
        event
            .id(order.id.clone())
            .order_id(order.id.clone())
            .external_order_id(input.external_order_id.clone())
    });
    Ok(order)
}

fn state(internal: InternalOrderStatus, external: ExternalOrderStatus) -> types::OrderState {
    types::OrderState {
        fulfillment_delayed: false,
        fulfillment_in_progress: matches!(internal, InternalOrderStatus::Created),
        fulfillment_status: external,
        internal_status: internal,
    }
}

/// Units per SKU of `lines`, lines of one SKU summed. Quantities are whole
/// numbers from 1 to `i32::MAX` (checked at creation), so sums fit an i64.
fn units_per_sku(lines: &[types::OrderLineItem]) -> BTreeMap<String, i64> {
    let mut units = BTreeMap::new();
    for line in lines {
        *units.entry(line.logistics_sku.clone()).or_insert(0) += line.quantity as i64;
    }
    units
}

/// Reserves the order's units and schedules its shipping, or, when some
/// product lacks available units (counting every line of that product),
/// fails it with a retriable inventory error.
fn allocate(
    w: &mut Writer<'_>,
    mut order: types::OrderModel,
    now: DateTime<Utc>,
) -> types::OrderModel {
    let units = units_per_sku(&order.line_items);
    let short: Vec<types::LineItemError> = units
        .iter()
        .filter(|(sku, units)| i64::from(w.data().stock(sku).available) < **units)
        .map(|(sku, _)| types::LineItemError {
            logistics_sku: (*sku).to_owned(),
        })
        .collect();
    order.updated_at = Some(now);
    let reserved = short.is_empty()
        && w.move_stock(units.iter().map(|(sku, units)| (sku.as_str(), 0, -units)))
            .is_ok();
    let ship_at = if reserved {
        order.error = None;
        order.state = state(
            InternalOrderStatus::Created,
            ExternalOrderStatus::RoutingInProgress,
        );
        Some(later(now, w.config().ship_after))
    } else {
        let skus: Vec<&str> = short
            .iter()
            .map(|item| item.logistics_sku.as_str())
            .collect();
        order.error = Some(types::OrderError {
            code: 1,
            message: format!(
                "not enough available inventory for {}; receive an inbound shipment, then retry the order",
                skus.join(", ")
            ),
            line_item_errors: short,
            retriable: true,
            type_: types::OrderErrorType::InventoryErr,
        });
        order.state = state(InternalOrderStatus::Error, ExternalOrderStatus::Stopped);
        None
    };
    w.apply(StateChange::Order(Box::new(Order {
        order: order.clone(),
        ship_at,
    })));
    order
}

pub fn find(data: &Data, order_id: &str) -> Result<Order, DomainError> {
    data.orders
        .get(&numeric_id(order_id))
        .cloned()
        .ok_or_else(|| DomainError::not_found("order", order_id))
}

pub fn cancel(w: &mut Writer<'_>, order_id: &str) -> Result<types::OrderModel, DomainError> {
    let Order { mut order, .. } = find(w.data(), order_id)?;
    match order.state.internal_status {
        InternalOrderStatus::Shipped | InternalOrderStatus::Delivered => {
            return Err(DomainError::conflict(format!(
                "order {order_id} has shipped and cannot be cancelled"
            ))
            .with_code(ErrorCode::InvalidOrderStatus));
        }
        InternalOrderStatus::Cancelled => return Ok(order),
        InternalOrderStatus::Created => {
            let units = units_per_sku(&order.line_items);
            w.move_stock(units.iter().map(|(sku, units)| (sku.as_str(), 0, *units)))
                .map_err(|sku| {
                    DomainError::conflict(format!(
                        "the units order {order_id} reserved of {sku} are no longer there"
                    ))
                })?;
        }
        // The sandbox only stores statuses it set itself.
        InternalOrderStatus::Error | InternalOrderStatus::UnknownValue(_) => {}
    }
    order.state = state(InternalOrderStatus::Cancelled, ExternalOrderStatus::Stopped);
    order.updated_at = Some(w.now());
    w.apply(StateChange::Order(Box::new(Order {
        order: order.clone(),
        ship_at: None,
    })));
    Ok(order)
}

pub fn retry(w: &mut Writer<'_>, order_id: &str) -> Result<types::OrderModel, DomainError> {
    let Order { order, .. } = find(w.data(), order_id)?;
    if order.state.internal_status != InternalOrderStatus::Error {
        return Err(DomainError::unprocessable(format!(
            "order {order_id} is {}, not failed; only a failed order can be retried",
            order.state.internal_status
        ))
        .with_code(ErrorCode::InvalidOrderStatus));
    }
    Ok(allocate(w, order, w.now()))
}

/// The fulfillment fee per unit the sandbox charges.
const FEE_PER_UNIT: f64 = 1.25;

/// What a shipped order costs: its label's price and [`FEE_PER_UNIT`] per
/// unit, in dollars to the cent.
fn cost(shipping: f64, units: f64) -> f64 {
    ((shipping + FEE_PER_UNIT * units) * 100.0).round() / 100.0
}

/// Ships every order whose time has come, from one sandbox warehouse in one
/// package with a label ([`parcels::order_package`]), its `cost` filled in.
pub fn ship_due(w: &mut Writer<'_>, now: DateTime<Utc>) {
    let due: Vec<Order> = w
        .data()
        .orders
        .values()
        .filter(|order| order.ship_at.is_some_and(|at| at <= now))
        .cloned()
        .collect();
    for Order { mut order, .. } in due {
        let units = units_per_sku(&order.line_items);
        if let Err(sku) = w.move_stock(units.iter().map(|(sku, units)| (sku.as_str(), -units, 0))) {
            // Reservation keeps on-hand units at least the reserved ones,
            // so only an edited state file gets here; the order waits.
            tracing::error!(order = order.id, sku, "shipping would leave negative units");
            continue;
        }
        let shipment_id = format!("SH-{}", order.id);
        let (label, shipping) = parcels::order_package(w, &order, now);
        let units: f64 = order
            .line_items
            .iter()
            .map(|item| item.quantity as f64)
            .sum();
        order.cost = Some(cost(shipping, units));
        order.shipments = vec![types::FulfillmentShipment {
            created_at: Some(now),
            estimated_delivery_time: Some(later(now, std::time::Duration::from_secs(3 * 86_400))),
            estimated_ship_time: Some(now),
            id: shipment_id.clone(),
            label_print_time: Some(now),
            line_items: order
                .line_items
                .iter()
                .map(|item| types::FulfillmentShipmentItem {
                    logistics_sku: item.logistics_sku.clone(),
                    quantity: item.quantity,
                })
                .collect(),
            packages: vec![types::FulfillmentPackage {
                attempted_delivery_time: None,
                carrier_delivery_time: None,
                carrier_pick_up_time: Some(now),
                carrier_ship_time: Some(now),
                created_at: Some(now),
                id: format!("PKG-{}", order.id),
                label: Some(label),
                label_create_time: Some(now),
                line_items: order
                    .line_items
                    .iter()
                    .map(|item| types::FulfillmentPackageItem {
                        expiration_date: None,
                        logistics_sku: item.logistics_sku.clone(),
                        lot_number: None,
                        quantity: item.quantity,
                    })
                    .collect(),
            }],
            shipped_at: Some(now),
            status: types::ShipmentStatus::Shipped,
            warehouse_id: "SANDBOX-WH-1".to_owned(),
            warehouse_order_id: Some(format!("WO-{}", order.id)),
        }];
        order.state = state(InternalOrderStatus::Shipped, ExternalOrderStatus::Shipped);
        order.shipped_at = Some(now);
        order.updated_at = Some(now);
        w.emit::<types::ShipmentEvent>(|event| {
            event
                .id(shipment_id.clone())
                .order_id(order.id.clone())
                .external_order_id(order.external_order_id.clone().unwrap_or_default())
        });
        let shipped = events::payload([
            ("id", Some(&order.id)),
            ("orderId", Some(&order.id)),
            ("externalOrderId", order.external_order_id.as_ref()),
        ]);
        events::log(w, events::ORDER_SHIPPED, &shipped, now);
        w.apply(StateChange::Order(Box::new(Order {
            order,
            ship_at: None,
        })));
    }
}
