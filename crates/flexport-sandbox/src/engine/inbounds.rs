use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types;

use super::{Writer, later};
use crate::engine::DomainError;
use crate::state::{Data, Inbound, StateChange};

pub fn create(
    w: &mut Writer<'_>,
    input: types::CreateInboundShipmentRequest,
) -> Result<types::InboundShipmentResponseV4, DomainError> {
    let expected = expected_units(w.data(), &input)?;
    let id = Data::next_id(&w.data().inbounds);
    let items = expected
        .into_iter()
        .enumerate()
        .map(|(index, (logistics_sku, units))| types::ItemOutput {
            counts: types::CountsOutput {
                damaged: 0,
                expected: units as u64,
                sellable: 0,
            },
            logistics_sku,
            shipment_item_id: (id * 100 + index as u64 + 1).to_string(),
        })
        .collect();
    let packages = input
        .packages
        .iter()
        .enumerate()
        .map(|(index, package)| types::PackageOutput {
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
    let receive_at = later(w.now(), w.config().receive_after);
    w.apply(StateChange::Inbound(Box::new(Inbound {
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
    input: &types::CreateInboundShipmentRequest,
) -> Result<BTreeMap<String, i64>, DomainError> {
    let mut copies_of = Vec::with_capacity(input.packages.len());
    for (p, package) in input.packages.iter().enumerate() {
        let copies = package.number_of_identical_pkgs;
        if copies < 1 || copies > i32::MAX as u64 {
            return Err(DomainError::invalid_field(
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
            return Err(DomainError::invalid_field(
                &format!("{field}.logisticsSku"),
                format!("no product with logisticsSku `{}`", item.logistics_sku),
            ));
        }
        if item.quantity < 1 {
            return Err(DomainError::invalid_field(
                &format!("{field}.quantity"),
                "must be ≥ 1",
            ));
        }
        let total = i64::try_from(item.quantity)
            .ok()
            .and_then(|quantity| quantity.checked_mul(copies))
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
        return Err(DomainError::invalid_field(
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

fn too_many(field: &str, sku: &str) -> DomainError {
    DomainError::invalid_field(
        field,
        format!(
            "{sku} would hold more than {} units (on hand, inbound and this shipment together)",
            i32::MAX
        ),
    )
}

fn warehouse_address() -> types::InboundAddress {
    types::InboundAddress::builder()
        .name(
            "Flexport Sandbox Warehouse"
                .parse::<types::InboundAddressName>()
                .ok(),
        )
        .address1("1 Sandbox Way")
        .city("Reno")
        .province_code("NV")
        .zip("89501")
        .country_code(types::CountryCode::Us)
        .try_into()
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
        let mut received = Vec::new();
        for item in &mut shipment.items {
            item.counts.sellable = item.counts.expected;
            received.push((item.shipment_item_id.clone(), item.counts.expected));
        }
        let shipment_id = shipment.id.clone();
        inbound.receive_at = None;
        w.apply(StateChange::Inbound(Box::new(inbound)));
        for (item_id, units) in received {
            w.emit::<types::InboundReceivedEvent>(|event| {
                event
                    .type_(Some(types::InboundReceivedEventType::Sellable))
                    .amount(i32::try_from(units).unwrap_or(i32::MAX))
                    .shipment_item_id(item_id)
            });
        }
        w.emit::<types::InboundShipmentStatusChangeEvent>(|event| {
            event
                .shipment_id(shipment_id)
                .status(types::LogisticsInboundShipmentStatus::Completed.to_string())
        });
    }
}

// Quotes, purchases, transfer documents and updates of inbound shipments.

use types::{
    InboundShippingOption as ShippingOption, NetworkInboundShippingOption as NetworkOption,
};

/// The shipment of `shipment_id`, or 404.
fn shipment<'a>(data: &'a Data, shipment_id: &str) -> Result<&'a Inbound, DomainError> {
    data.inbounds
        .get(&crate::state::numeric_id(shipment_id))
        .ok_or_else(|| DomainError::not_found("inbound shipment", shipment_id))
}

/// Refuses a shipping option the document does not declare (the generated
/// enum is open for decoding responses).
pub fn declared_option(option: &Option<ShippingOption>) -> Result<(), DomainError> {
    if let Some(ShippingOption::UnknownValue(value)) = option {
        return Err(DomainError::invalid_field(
            "shippingOption",
            format!("`{value}` is not a shipping option"),
        ));
    }
    Ok(())
}

const ALL_OPTIONS: [ShippingOption; 6] = [
    ShippingOption::SpdExternal,
    ShippingOption::FreightExternal,
    ShippingOption::LtlExternal,
    ShippingOption::LtlInternal,
    ShippingOption::FtlInternal,
    ShippingOption::SpdInternal,
];

/// The same option as the network (quote and purchase) responses name it.
fn network_option(option: &ShippingOption) -> NetworkOption {
    match option {
        ShippingOption::SpdExternal => NetworkOption::SpdExternal,
        ShippingOption::FreightExternal => NetworkOption::FtlExternal,
        ShippingOption::LtlExternal => NetworkOption::LtlExternal,
        ShippingOption::LtlInternal => NetworkOption::LtlDeliverr,
        ShippingOption::FtlInternal => NetworkOption::FtlDeliverr,
        ShippingOption::SpdInternal => NetworkOption::Spd,
        ShippingOption::UnknownValue(value) => NetworkOption::UnknownValue(value.clone()),
    }
}

/// Starts (or restarts) the quote process of a shipment that has not been
/// received; its quotes are ready [`crate::Config::quote_after`] later
/// (`GetInboundingShipmentQuoteResult`), so this answers no quotes yet.
/// 404 for an unknown shipment, 409 once it is received or a quote of it was
/// bought.
pub fn init_quotes(
    w: &mut Writer<'_>,
    shipment_id: &str,
    option: Option<ShippingOption>,
) -> Result<types::InboundRateQuoteResult, DomainError> {
    declared_option(&option)?;
    let inbound = shipment(w.data(), shipment_id)?;
    let id = crate::state::numeric_id(&inbound.shipment.id);
    if inbound.receive_at.is_none() {
        return Err(DomainError::conflict(format!(
            "inbound shipment {id} is {}: only a shipment not yet received can be quoted",
            inbound.shipment.status
        )));
    }
    if let Some(process) = w.data().inbound_quotes.get(&id)
        && process.quotes.iter().any(|quote| quote.purchased)
    {
        return Err(DomainError::conflict(format!(
            "a quote of inbound shipment {id} was already bought"
        )));
    }
    let ready_at = later(w.now(), w.config().quote_after);
    w.apply(StateChange::InboundQuotes(Box::new(
        crate::state::InboundQuotes {
            shipment_id: id,
            ready_at: Some(ready_at),
            shipping_option: option,
            quotes: Vec::new(),
        },
    )));
    Ok(types::InboundRateQuoteResult {
        error: None,
        quotes: Vec::new(),
    })
}

/// The quotes of a shipment's process (none while it runs), of one shipping
/// option if given. 404 for an unknown shipment or one never quoted.
pub fn quotes(
    data: &Data,
    shipment_id: &str,
    option: Option<ShippingOption>,
    purchased_only: bool,
) -> Result<types::QuoteResultResponse, DomainError> {
    declared_option(&option)?;
    let inbound = shipment(data, shipment_id)?;
    let process = data
        .inbound_quotes
        .get(&crate::state::numeric_id(&inbound.shipment.id))
        .ok_or_else(|| DomainError::not_found("quote process for inbound shipment", shipment_id))?;
    Ok(types::QuoteResultResponse {
        error: None,
        quotes: process
            .quotes
            .iter()
            .filter(|quote| option.as_ref().is_none_or(|o| *o == quote.shipping_option))
            .filter(|quote| !purchased_only || quote.purchased)
            .cloned()
            .collect(),
    })
}

/// Buys quotes of the shipment's completed process. 404 for an unknown
/// shipment or a quote id that is not one of its quotes (all such ids named),
/// 409 while the process runs, once the shipment is received, or for a quote
/// already bought. Nothing changes unless every id can be bought.
pub fn buy(
    w: &mut Writer<'_>,
    shipment_id: &str,
    input: types::PurchaseQuotesRequest,
) -> Result<types::InboundRateBuyResult, DomainError> {
    let inbound = shipment(w.data(), shipment_id)?;
    let id = crate::state::numeric_id(&inbound.shipment.id);
    if input.quote_ids.is_empty() {
        return Err(DomainError::invalid_field(
            "quoteIds",
            "at least one quote id is required",
        ));
    }
    if inbound.receive_at.is_none() {
        return Err(DomainError::conflict(format!(
            "inbound shipment {id} is {}: its quotes can no longer be bought",
            inbound.shipment.status
        )));
    }
    let mut process =
        w.data().inbound_quotes.get(&id).cloned().ok_or_else(|| {
            DomainError::not_found("quote process for inbound shipment", shipment_id)
        })?;
    if process.ready_at.is_some() {
        return Err(DomainError::conflict(format!(
            "the quote process of inbound shipment {id} has not completed yet"
        )));
    }
    let unknown: Vec<String> = input
        .quote_ids
        .iter()
        .filter(|quote_id| !process.quotes.iter().any(|q| q.id == quote_id.to_string()))
        .map(|quote_id| quote_id.to_string())
        .collect();
    if !unknown.is_empty() {
        return Err(DomainError::new(
            crate::engine::Kind::NotFound,
            format!(
                "inbound shipment {id} has no quote with id {}",
                unknown.join(", ")
            ),
        ));
    }
    let now = w.now();
    let mut transactions = Vec::new();
    for quote_id in &input.quote_ids {
        let quote = process
            .quotes
            .iter_mut()
            .find(|q| q.id == quote_id.to_string())
            .expect("every id was found above");
        if quote.purchased {
            return Err(DomainError::conflict(format!(
                "quote {quote_id} was already bought"
            )));
        }
        quote.purchased = true;
        transactions.push(types::InboundRateTransactionNetwork {
            amount: quote.amount,
            currency: quote.currency.clone(),
            external_estimate_days: ((quote.estimated_time_of_arrival - now).num_hours() as f64
                / 24.0)
                .ceil()
                .max(0.0),
            external_eta: quote.estimated_time_of_arrival,
            provider_method: quote.provider_method.clone(),
            quote_id: quote.id.clone(),
            rate_shopping_method: quote.rate_shopping_method.clone(),
            shipping_option: network_option(&quote.shipping_option),
            shipping_provider: quote.shipping_provider.clone(),
        });
    }
    w.apply(StateChange::InboundQuotes(Box::new(process)));
    Ok(types::InboundRateBuyResult {
        error: None,
        transactions,
    })
}

/// Completes the quote processes whose time has come: one quote per shipping
/// option asked for (every option when none was), priced by the shipment's
/// units.
pub fn quotes_due(w: &mut Writer<'_>, now: DateTime<Utc>) {
    let due: Vec<crate::state::InboundQuotes> = w
        .data()
        .inbound_quotes
        .values()
        .filter(|process| process.ready_at.is_some_and(|at| at <= now))
        .cloned()
        .collect();
    let mut next_id = w
        .data()
        .inbound_quotes
        .values()
        .flat_map(|process| &process.quotes)
        .filter_map(|quote| quote.id.parse::<i64>().ok())
        .max()
        .map_or(5001, |last| last + 1);
    for mut process in due {
        let units: f64 = w
            .data()
            .inbounds
            .get(&process.shipment_id)
            .map(|inbound| {
                inbound
                    .shipment
                    .items
                    .iter()
                    .map(|item| item.counts.expected as f64)
                    .sum()
            })
            .unwrap_or(0.0);
        let options: Vec<ShippingOption> = match &process.shipping_option {
            Some(option) => vec![option.clone()],
            None => ALL_OPTIONS.to_vec(),
        };
        process.quotes = options
            .into_iter()
            .map(|option| {
                let (provider, method, base, per_unit, days) = match option {
                    ShippingOption::SpdExternal | ShippingOption::SpdInternal => {
                        ("UPS", "GROUND", 12.0, 0.35, 5)
                    }
                    ShippingOption::LtlExternal | ShippingOption::LtlInternal => {
                        ("ESTES", "LTL_STANDARD", 180.0, 0.08, 7)
                    }
                    _ => ("FLEXPORT", "FTL_STANDARD", 950.0, 0.02, 4),
                };
                let amount = ((base + per_unit * units) * 100.0).round() / 100.0;
                let quote = types::RateQuoteWithPurchased {
                    amount,
                    currency: "USD".to_owned(),
                    estimated_time_of_arrival: now + chrono::Duration::days(days),
                    full_amount: Some(amount),
                    id: next_id.to_string(),
                    provider_method: method.to_owned(),
                    purchased: false,
                    rate_shopping_method: types::InboundRateShoppingMethod::Cheapest,
                    shipping_option: option,
                    shipping_provider: provider.to_owned(),
                };
                next_id += 1;
                quote
            })
            .collect();
        process.ready_at = None;
        w.apply(StateChange::InboundQuotes(Box::new(process)));
    }
}

/// `DocumentResponse` for a shipment's transfer document: a PDF the sandbox
/// serves at `/sandbox/documents/`. `documentOption` and `documentFormat`
/// are open strings, required but not interpreted.
pub fn transfer_document(
    data: &Data,
    base_url: &str,
    shipment_id: &str,
    document_option: Option<&str>,
    document_format: Option<&str>,
) -> Result<types::DocumentResponse, DomainError> {
    for (name, value) in [
        ("documentOption", document_option),
        ("documentFormat", document_format),
    ] {
        if value.is_none_or(|value| value.trim().is_empty()) {
            return Err(DomainError::invalid_field(name, "is required"));
        }
    }
    let inbound = shipment(data, shipment_id)?;
    Ok(types::DocumentResponse {
        ready: true,
        url: format!(
            "{base_url}/sandbox/documents/inbound-{}.pdf",
            inbound.shipment.id
        ),
    })
}

/// Updates a shipment not yet received (`READY_TO_SHIP`): its `from`
/// address, prep, packages (by id), new packages (their units join the
/// expected items, checked like a creation's) and freight. 404 for an
/// unknown shipment, 422 once it is received, 400 for an invalid field;
/// any error changes nothing.
pub fn update(
    w: &mut Writer<'_>,
    shipment_id: &str,
    input: types::UpdateInboundShipmentRequest,
) -> Result<types::InboundShipmentResponseV3, DomainError> {
    declared_option(&input.shipping_option)?;
    let mut inbound = shipment(w.data(), shipment_id)?.clone();
    if inbound.receive_at.is_none() {
        return Err(DomainError::unprocessable(format!(
            "inbound shipment {} is {}: only a shipment not yet received can be updated",
            inbound.shipment.id, inbound.shipment.status
        )));
    }
    let id = crate::state::numeric_id(&inbound.shipment.id);
    let shipment = &mut inbound.shipment;
    for (p, package) in input.packages.iter().enumerate() {
        if package.ids.is_empty() {
            return Err(DomainError::invalid_field(
                &format!("packages[{p}].ids"),
                "at least one package id is required",
            ));
        }
        for (field, value) in [
            ("length", package.length),
            ("width", package.width),
            ("height", package.height),
            ("weight", package.weight),
        ] {
            if value.is_some_and(|value| value < 0.01) {
                return Err(DomainError::invalid_field(
                    &format!("packages[{p}].{field}"),
                    "must be at least 0.01",
                ));
            }
        }
        for (i, package_id) in package.ids.iter().enumerate() {
            let Some(target) = shipment.packages.iter_mut().find(|pk| &pk.id == package_id) else {
                return Err(DomainError::invalid_field(
                    &format!("packages[{p}].ids[{i}]"),
                    format!("inbound shipment {id} has no package `{package_id}`"),
                ));
            };
            target.length = package.length.or(target.length);
            target.width = package.width.or(target.width);
            target.height = package.height.or(target.height);
            target.weight = package.weight.or(target.weight);
            target.dimension_unit = package
                .dimension_unit
                .clone()
                .or(target.dimension_unit.clone());
            target.weight_unit = package.weight_unit.clone().or(target.weight_unit.clone());
        }
    }
    if !input.create_packages.is_empty() {
        for (p, package) in input.create_packages.iter().enumerate() {
            for (field, value) in [
                ("length", package.length),
                ("width", package.width),
                ("height", package.height),
                ("weight", package.weight),
            ] {
                if value.is_some_and(|value| value < 0.01) {
                    return Err(DomainError::invalid_field(
                        &format!("createPackages[{p}].{field}"),
                        "must be at least 0.01",
                    ));
                }
            }
        }
        let check = types::CreateInboundShipmentRequest {
            from: shipment.addresses.from.clone(),
            items: Vec::new(),
            packages: input.create_packages.clone(),
            prep: shipment.prep.clone(),
            shipping_plan_external_id: None,
            shipping_plan_name: None,
        };
        let added = expected_units(w.data(), &check).map_err(|problem| DomainError {
            detail: problem.detail.replacen("`packages", "`createPackages", 1),
            ..problem
        })?;
        let first = shipment.packages.len();
        for (index, package) in input.create_packages.iter().enumerate() {
            shipment.packages.push(types::PackageOutput {
                dimension_unit: package.dimension_unit.clone(),
                height: package.height,
                id: format!("{id}-{}", first + index + 1),
                identical_package_config_identifer: None,
                items: package.items.clone(),
                length: package.length,
                weight: package.weight,
                weight_unit: package.weight_unit.clone(),
                width: package.width,
            });
        }
        for (sku, units) in added {
            match shipment
                .items
                .iter_mut()
                .find(|item| item.logistics_sku == sku)
            {
                Some(item) => item.counts.expected += units as u64,
                None => {
                    let index = shipment.items.len();
                    shipment.items.push(types::ItemOutput {
                        counts: types::CountsOutput {
                            damaged: 0,
                            expected: units as u64,
                            sellable: 0,
                        },
                        logistics_sku: sku,
                        shipment_item_id: (id * 100 + index as u64 + 1).to_string(),
                    });
                }
            }
        }
    }
    if let Some(freight) = &input.freight_details {
        for (p, pallet) in freight.pallets.iter().enumerate() {
            if pallet.number_of_identical_pallets < 1 {
                return Err(DomainError::invalid_field(
                    &format!("freightDetails.pallets[{p}].numberOfIdenticalPallets"),
                    "must be ≥ 1",
                ));
            }
        }
        let mut current = shipment
            .freight
            .clone()
            .unwrap_or(types::ShopifyFreightResponse {
                pallets: Vec::new(),
                pickup: None,
            });
        if !freight.pallets.is_empty() {
            current.pallets = freight
                .pallets
                .iter()
                .flat_map(|pallet| (0..pallet.number_of_identical_pallets).map(move |_| pallet))
                .take(10_000)
                .enumerate()
                .map(|(index, pallet)| types::FreightPalletResponse {
                    dimension_unit: pallet.dimension_unit.clone(),
                    height: pallet.height,
                    id: (id * 1000 + index as u64 + 1).to_string(),
                    length: pallet.length,
                    pallet_config_id: None,
                    weight: pallet.weight,
                    weight_unit: pallet.weight_unit.clone(),
                    width: pallet.width,
                })
                .collect();
        }
        if let Some(pickup) = &freight.pickup {
            current.pickup = Some(types::FreightPickupResponse {
                contact_email: pickup.contact_email.clone(),
                contact_name: pickup.contact_name.clone(),
                contact_phone: pickup.contact_phone.clone(),
                customer_reference_number: pickup.customer_reference_number.clone(),
                facility_operating_hours: match (
                    &pickup.facility_hours_start,
                    &pickup.facility_hours_end,
                ) {
                    (Some(start), Some(end)) => Some(types::TimeWindow {
                        start_time: start.clone(),
                        end_time: end.clone(),
                    }),
                    _ => None,
                },
                id: id.to_string(),
                lift_gate: Some(pickup.lift_gate),
                pickup_date: pickup.ready_date,
            });
        }
        shipment.freight = Some(current);
    }
    if let Some(from) = input.from {
        shipment.addresses.from = from;
    }
    if let Some(prep) = input.prep {
        shipment.prep = prep;
    }
    let answer = serde_json::to_value(&inbound.shipment)
        .and_then(serde_json::from_value)
        .expect("an InboundShipmentResponseV4 has every field of an InboundShipmentResponseV3");
    w.apply(StateChange::Inbound(Box::new(inbound)));
    Ok(answer)
}
