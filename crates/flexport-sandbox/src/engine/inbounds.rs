use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types;
use serde_json::json;

use super::{Writer, later};
use crate::problem::Problem;
use crate::state::{Change, Data, Inbound};

pub fn create(
    w: &mut Writer<'_>,
    input: types::CreateInboundShipmentRequestV4,
) -> Result<types::InboundShipmentResponseV4, Problem> {
    let expected = expected_units(w.data(), &input)?;
    let id = Data::next_id(&w.data().inbounds);
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
    let receive_at = later(Utc::now(), w.config().receive_after);
    w.apply(Change::Inbound(Box::new(Inbound {
        shipment: shipment.clone(),
        receive_at: Some(receive_at),
    })));
    Ok(shipment)
}

/// Units per SKU, from `items` and the packages' items, checked against the
/// catalogue and against the most units a product can hold (`i32::MAX` on
/// hand, counting the shipments not yet received), so that receiving the
/// shipment cannot overflow.
fn expected_units(
    data: &Data,
    input: &types::CreateInboundShipmentRequestV4,
) -> Result<BTreeMap<String, i64>, Problem> {
    let mut copies_of = Vec::with_capacity(input.packages.len());
    for (p, package) in input.packages.iter().enumerate() {
        let copies = package.number_of_identical_pkgs;
        if copies < 1.0 || copies.fract() != 0.0 || copies.is_nan() || copies > i32::MAX as f64 {
            return Err(Problem::invalid_field(
                &format!("packages[{p}].numberOfIdenticalPkgs"),
                format!("{copies} is not a whole number from 1 to {}", i32::MAX),
            ));
        }
        copies_of.push(copies as i64);
    }
    let mut units: BTreeMap<String, i64> = BTreeMap::new();
    let loose = input
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| (format!("items[{i}]"), item, 1));
    let packed = input.packages.iter().enumerate().flat_map(|(p, package)| {
        let copies = copies_of[p];
        package
            .items
            .iter()
            .enumerate()
            .map(move |(i, item)| (format!("packages[{p}].items[{i}]"), item, copies))
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
        let total = i64::from(item.quantity)
            .checked_mul(copies)
            .and_then(|added| {
                units
                    .get(&item.logistics_sku)
                    .copied()
                    .unwrap_or(0)
                    .checked_add(added)
            })
            .filter(|total| *total <= i64::from(i32::MAX));
        let Some(total) = total else {
            return Err(too_many(&format!("{field}.quantity"), &item.logistics_sku));
        };
        units.insert(item.logistics_sku.clone(), total);
    }
    if units.is_empty() {
        return Err(Problem::invalid_field(
            "items",
            "an inbound shipment needs at least one item, in `items` or in `packages`",
        ));
    }
    for (sku, added) in &units {
        let coming: i64 = data
            .inbounds
            .values()
            .filter(|inbound| inbound.receive_at.is_some())
            .flat_map(|inbound| &inbound.shipment.items)
            .filter(|item| &item.logistics_sku == sku)
            .map(|item| item.counts.expected as i64)
            .sum();
        let on_hand = i64::from(data.stock(sku).on_hand);
        if on_hand + coming + added > i64::from(i32::MAX) {
            return Err(too_many("items", sku));
        }
    }
    Ok(units)
}

fn too_many(field: &str, sku: &str) -> Problem {
    Problem::invalid_field(
        field,
        format!(
            "{sku} would hold more than {} units (on hand, inbound and this shipment together)",
            i32::MAX
        ),
    )
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

/// Receives every shipment whose time has come: all expected units become
/// sellable and available.
pub fn receive_due(w: &mut Writer<'_>, now: DateTime<Utc>) {
    let due: Vec<Inbound> = w
        .data()
        .inbounds
        .values()
        .filter(|inbound| inbound.receive_at.is_some_and(|at| at <= now))
        .cloned()
        .collect();
    for mut inbound in due {
        let moves: Vec<(String, i64)> = inbound
            .shipment
            .items
            .iter()
            .map(|item| (item.logistics_sku.clone(), item.counts.expected as i64))
            .collect();
        let moved = w.move_stock(
            moves
                .iter()
                .map(|(sku, units)| (sku.as_str(), *units, *units)),
        );
        if let Err(sku) = moved {
            // Creation keeps every SKU's units within i32::MAX, so only an
            // edited state file gets here; the shipment waits.
            tracing::error!(
                shipment = inbound.shipment.id,
                sku,
                "receiving would overflow the units of a product"
            );
            continue;
        }
        let shipment = &mut inbound.shipment;
        shipment.status = types::LogisticsInboundShipmentStatus::Completed;
        shipment.arrived_at = Some(now);
        shipment.completed_at = Some(now);
        let mut events = Vec::new();
        for item in &mut shipment.items {
            item.counts.sellable = item.counts.expected;
            events.push(json!({
                "type": "SELLABLE",
                "amount": item.counts.expected as i64,
                "shipmentItemId": item.shipment_item_id.parse::<i64>().unwrap_or_default(),
            }));
        }
        let status_change = json!({"shipmentId": shipment.id, "status": "COMPLETED"});
        inbound.receive_at = None;
        w.apply(Change::Inbound(Box::new(inbound)));
        for event in events {
            w.emit("InboundReceived", event);
        }
        w.emit("InboundShipmentStatusChange", status_change);
    }
}
