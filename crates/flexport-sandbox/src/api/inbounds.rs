use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::Uri;
use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types;
use serde_json::json;

use super::{JsonBody, QueryPairs, Reply};
use crate::problem::Problem;
use crate::state::{Change, Data, Inbound, Store, Transaction, numeric_id};

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Transaction>,
    JsonBody(input): JsonBody<types::CreateInboundShipmentRequestV4>,
) -> Reply<types::InboundShipmentResponseV4> {
    let expected = expected_units(&store.read(), &input)?;
    let id = Data::next_id(&store.read().inbounds);
    let items = expected
        .into_iter()
        .enumerate()
        .map(
            |(index, (logistics_sku, units))| types::ItemOutputUnstable {
                counts: types::CountsOutput {
                    damaged: 0.0,
                    expected: units as f64,
                    sellable: 0.0,
                },
                logistics_sku,
                shipment_item_id: (id * 100 + index as u64 + 1).to_string(),
            },
        )
        .collect();
    let packages = input
        .packages
        .iter()
        .enumerate()
        .map(|(index, package)| types::PackageOutputUnstable {
            dimension_unit: package.dimension_unit.clone(),
            height: package.height,
            id: format!("{id}-{}", index + 1),
            identical_package_config_identifer: None,
            items: package.items.clone(),
            length: package.length,
            weight: package.weight,
            weight_unit: package.weight_unit.clone(),
            width: package.width,
        })
        .collect();
    let shipment = types::InboundShipmentResponseV4 {
        addresses: types::AddressesOutput {
            from: input.from,
            to: warehouse_address(),
        },
        arrived_at: None,
        completed_at: None,
        freight: None,
        id: id.to_string(),
        items,
        packages,
        prep: input.prep,
        receiving_id: format!("RCV-{id}"),
        shipping_plan_external_id: input.shipping_plan_external_id,
        shipping_plan_id: format!("SP-{id}"),
        shipping_plan_name: input.shipping_plan_name,
        status: types::LogisticsInboundShipmentStatus::ReadyToShip,
    };
    let receive_at = Utc::now() + store.config.receive_after;
    store.apply(
        &tx,
        Change::Inbound(Box::new(Inbound {
            shipment: shipment.clone(),
            receive_at: Some(receive_at),
        })),
    );
    Ok(axum::Json(shipment))
}

/// Units per SKU, from `items` and the packages' items, checked against the
/// catalogue.
fn expected_units(
    data: &Data,
    input: &types::CreateInboundShipmentRequestV4,
) -> Result<BTreeMap<String, i64>, Problem> {
    for (p, package) in input.packages.iter().enumerate() {
        let copies = package.number_of_identical_pkgs;
        if copies < 1.0 || copies.fract() != 0.0 || copies.is_nan() {
            return Err(Problem::invalid_field(
                &format!("packages[{p}].numberOfIdenticalPkgs"),
                format!("{copies} is not a whole number ≥ 1"),
            ));
        }
    }
    let mut units = BTreeMap::new();
    let loose = input
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| (format!("items[{i}]"), item, 1.0));
    let packed = input.packages.iter().enumerate().flat_map(|(p, package)| {
        package.items.iter().enumerate().map(move |(i, item)| {
            (
                format!("packages[{p}].items[{i}]"),
                item,
                package.number_of_identical_pkgs,
            )
        })
    });
    for (field, item, copies) in loose.chain(packed) {
        if !data.products.contains_key(&item.logistics_sku) {
            return Err(Problem::invalid_field(
                &format!("{field}.logisticsSku"),
                format!("no product with logisticsSku `{}`", item.logistics_sku),
            ));
        }
        if item.quantity < 1 {
            return Err(Problem::invalid_field(
                &format!("{field}.quantity"),
                "must be ≥ 1",
            ));
        }
        *units.entry(item.logistics_sku.clone()).or_insert(0) +=
            item.quantity as i64 * copies as i64;
    }
    if units.is_empty() {
        return Err(Problem::invalid_field(
            "items",
            "an inbound shipment needs at least one item, in `items` or in `packages`",
        ));
    }
    Ok(units)
}

fn warehouse_address() -> types::InboundAddress {
    serde_json::from_value(json!({
        "name": "Flexport Sandbox Warehouse",
        "address1": "1 Sandbox Way",
        "city": "Reno",
        "provinceCode": "NV",
        "zip": "89501",
        "countryCode": "US",
    }))
    .expect("the sandbox warehouse address fits InboundAddress")
}

pub async fn list(
    State(store): State<Arc<Store>>,
    uri: Uri,
) -> Reply<Vec<types::InboundShipmentResponseV4>> {
    let query = QueryPairs::from_uri(&uri);
    let mut ids = Vec::new();
    for text in query.all("shipmentIds") {
        let id: u64 = text.parse().map_err(|_| {
            Problem::invalid_field("shipmentIds", format!("`{text}` is not a shipment id"))
        })?;
        ids.push(id);
    }
    if ids.is_empty() {
        return Err(Problem::invalid_field(
            "shipmentIds",
            "at least one shipment id is required",
        ));
    }
    let data = store.read();
    Ok(axum::Json(
        ids.iter()
            .filter_map(|id| data.inbounds.get(id))
            .map(|inbound| inbound.shipment.clone())
            .collect(),
    ))
}

pub async fn get(
    State(store): State<Arc<Store>>,
    Path(shipment_id): Path<String>,
) -> Reply<types::InboundShipmentResponseV4> {
    store
        .read()
        .inbounds
        .get(&numeric_id(&shipment_id))
        .map(|inbound| axum::Json(inbound.shipment.clone()))
        .ok_or_else(|| Problem::not_found("inbound shipment", &shipment_id))
}

/// Receives every shipment whose time has come: all expected units become
/// sellable and available.
pub fn receive_due(store: &Store, tx: &Transaction, now: DateTime<Utc>) {
    let due: Vec<Inbound> = store
        .read()
        .inbounds
        .values()
        .filter(|inbound| inbound.receive_at.is_some_and(|at| at <= now))
        .cloned()
        .collect();
    for mut inbound in due {
        let shipment = &mut inbound.shipment;
        shipment.status = types::LogisticsInboundShipmentStatus::Completed;
        shipment.arrived_at = Some(now);
        shipment.completed_at = Some(now);
        for item in &mut shipment.items {
            item.counts.sellable = item.counts.expected;
            let units = item.counts.expected as i32;
            store.adjust_stock(tx, &item.logistics_sku, units, units);
            store.emit(
                tx,
                "InboundReceived",
                json!({
                    "type": "SELLABLE",
                    "amount": units,
                    "shipmentItemId": item.shipment_item_id.parse::<i64>().unwrap_or_default(),
                }),
            );
        }
        store.emit(
            tx,
            "InboundShipmentStatusChange",
            json!({"shipmentId": shipment.id, "status": "COMPLETED"}),
        );
        inbound.receive_at = None;
        store.apply(tx, Change::Inbound(Box::new(inbound)));
    }
}
