use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types::{self, ExternalOrderStatus, InternalOrderStatus};
use serde_json::json;

use super::{JsonBody, Reply, quantity, required};
use crate::problem::Problem;
use crate::state::{Change, Data, Order, Store, Transaction, numeric_id};

/// Flexport's code for an order action its status does not allow.
const INVALID_ORDER_STATUS: u32 = 407001;

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Transaction>,
    JsonBody(input): JsonBody<types::CreateOrderInput202307>,
) -> Reply<types::OrderModel> {
    required("externalOrderId", &input.external_order_id)?;
    required("address.address1", &input.address.address1)?;
    required("address.city", &input.address.city)?;
    required("address.countryCode", &input.address.country_code)?;
    if input.line_items.is_empty() {
        return Err(Problem::invalid_field(
            "lineItems",
            "an order needs at least one line item",
        ));
    }
    let id =
        {
            let data = store.read();
            for (i, item) in input.line_items.iter().enumerate() {
                if !data.products.contains_key(&item.logistics_sku) {
                    return Err(Problem::invalid_field(
                        &format!("lineItems[{i}].logisticsSku"),
                        format!("no product with logisticsSku `{}`", item.logistics_sku),
                    ));
                }
                quantity(&format!("lineItems[{i}].quantity"), item.quantity)?;
            }
            if data.orders.values().any(|order| {
                order.order.external_order_id.as_deref() == Some(&input.external_order_id)
            }) {
                return Err(Problem::conflict(format!(
                    "an order with externalOrderId `{}` exists",
                    input.external_order_id
                )));
            }
            Data::next_id(&data.orders)
        };
    let now = Utc::now();
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
    let order = allocate(&store, &tx, order, now);
    store.emit(
        &tx,
        "Order",
        json!({"id": order.id, "orderId": order.id, "externalOrderId": input.external_order_id}),
    );
    Ok(axum::Json(order))
}

fn state(internal: InternalOrderStatus, external: ExternalOrderStatus) -> types::OrderState {
    types::OrderState {
        fulfillment_delayed: false,
        fulfillment_in_progress: matches!(internal, InternalOrderStatus::Created),
        fulfillment_status: external,
        internal_status: internal,
    }
}

/// Reserves the order's units and schedules its shipping, or, when some
/// product lacks available units, fails it with a retriable inventory error.
fn allocate(
    store: &Store,
    tx: &Transaction,
    mut order: types::OrderModel,
    now: DateTime<Utc>,
) -> types::OrderModel {
    let short: Vec<types::LineItemError> = {
        let data = store.read();
        order
            .line_items
            .iter()
            .filter(|item| (data.stock(&item.logistics_sku).available as f64) < item.quantity)
            .map(|item| types::LineItemError {
                logistics_sku: item.logistics_sku.clone(),
            })
            .collect()
    };
    order.updated_at = Some(now);
    let ship_at = if short.is_empty() {
        move_units(store, tx, &order.line_items, 0, -1);
        order.error = None;
        order.state = state(
            InternalOrderStatus::Created,
            ExternalOrderStatus::RoutingInProgress,
        );
        Some(now + store.config.ship_after)
    } else {
        let skus: Vec<&str> = short
            .iter()
            .map(|item| item.logistics_sku.as_str())
            .collect();
        order.error = Some(types::OrderError {
            code: 1.0,
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
    store.apply(
        tx,
        Change::Order(Box::new(Order {
            order: order.clone(),
            ship_at,
        })),
    );
    order
}

pub async fn get(
    State(store): State<Arc<Store>>,
    Path(order_id): Path<String>,
) -> Reply<types::OrderModel> {
    find(&store.read(), &order_id).map(|order| axum::Json(order.order))
}

pub async fn get_by_external_id(
    State(store): State<Arc<Store>>,
    Path(external_order_id): Path<String>,
) -> Reply<types::OrderModel> {
    store
        .read()
        .orders
        .values()
        .find(|order| order.order.external_order_id.as_deref() == Some(&external_order_id))
        .map(|order| axum::Json(order.order.clone()))
        .ok_or_else(|| Problem::not_found("order with external id", &external_order_id))
}

fn find(data: &Data, order_id: &str) -> Result<Order, Problem> {
    data.orders
        .get(&numeric_id(order_id))
        .cloned()
        .ok_or_else(|| Problem::not_found("order", order_id))
}

pub async fn cancel(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Transaction>,
    Path(order_id): Path<String>,
) -> Reply<types::OrderModel> {
    let Order { mut order, .. } = find(&store.read(), &order_id)?;
    match order.state.internal_status {
        InternalOrderStatus::Shipped | InternalOrderStatus::Delivered => {
            return Err(Problem::conflict(format!(
                "order {order_id} has shipped and cannot be cancelled"
            ))
            .with_code(INVALID_ORDER_STATUS));
        }
        InternalOrderStatus::Cancelled => return Ok(axum::Json(order)),
        InternalOrderStatus::Created => {
            move_units(&store, &tx, &order.line_items, 0, 1);
        }
        // The sandbox only stores statuses it set itself.
        InternalOrderStatus::Error | InternalOrderStatus::UnknownValue(_) => {}
    }
    order.state = state(InternalOrderStatus::Cancelled, ExternalOrderStatus::Stopped);
    order.updated_at = Some(Utc::now());
    store.apply(
        &tx,
        Change::Order(Box::new(Order {
            order: order.clone(),
            ship_at: None,
        })),
    );
    Ok(axum::Json(order))
}

pub async fn retry(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Transaction>,
    Path(order_id): Path<String>,
) -> Reply<types::OrderModel> {
    let Order { order, .. } = find(&store.read(), &order_id)?;
    if order.state.internal_status != InternalOrderStatus::Error {
        return Err(Problem::unprocessable(format!(
            "order {order_id} is {}, not failed; only a failed order can be retried",
            order.state.internal_status
        ))
        .with_code(INVALID_ORDER_STATUS));
    }
    Ok(axum::Json(allocate(&store, &tx, order, Utc::now())))
}

/// Moves each line's quantity, times `on_hand` and `available` (1, 0 or -1),
/// into or out of its product's units.
fn move_units(
    store: &Store,
    tx: &Transaction,
    lines: &[types::OrderLineItem],
    on_hand: i32,
    available: i32,
) {
    for line in lines {
        let units = line.quantity as i32;
        store.adjust_stock(tx, &line.logistics_sku, on_hand * units, available * units);
    }
}

/// Ships every order whose time has come, from one sandbox warehouse in one
/// package.
pub fn ship_due(store: &Store, tx: &Transaction, now: DateTime<Utc>) {
    let due: Vec<Order> = store
        .read()
        .orders
        .values()
        .filter(|order| order.ship_at.is_some_and(|at| at <= now))
        .cloned()
        .collect();
    for Order { mut order, .. } in due {
        let shipment_id = format!("SH-{}", order.id);
        order.shipments = vec![
            types::PickFulfillmentShipmentExcludeKeyofFulfillmentShipmentWarehouse {
                created_at: Some(now),
                estimated_delivery_time: Some(now + chrono::Duration::days(3)),
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
                    label: None,
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
            },
        ];
        move_units(store, tx, &order.line_items, -1, 0);
        order.state = state(InternalOrderStatus::Shipped, ExternalOrderStatus::Shipped);
        order.shipped_at = Some(now);
        order.updated_at = Some(now);
        store.emit(
            tx,
            "Shipment",
            json!({"id": shipment_id, "orderId": order.id, "externalOrderId": order.external_order_id}),
        );
        store.apply(
            tx,
            Change::Order(Box::new(Order {
                order,
                ship_at: None,
            })),
        );
    }
}
