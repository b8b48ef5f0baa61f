//! Freight (`unstable`): quotes for containers (drayage), pallets (LTL) and
//! trucks (FTL), orders booked from a quote, their cancellation, documents,
//! and bill-of-lading tracking that advances every
//! [`crate::Config::freight_step_after`].
//!
//! Requests, answers and the state kept of them are the `unstable` crate's
//! generated types, and the quote, order and bill-of-lading status machines
//! run on its enums: nothing here re-types the document. The per-version
//! contract ([`crate::contract`]) has checked each request body against the
//! document (types, `required`, enums) before it gets here, and turns the
//! ids these types hold as text back into the numbers the document gives.

use chrono::{DateTime, Utc};
use flexport_logistics_unstable::types::{
    self, FreightBolStatus, FreightShipmentMode as Mode, FreightTrackingEventType, OrderStatus,
    QuoteStatus,
};

use super::{Writer, later, required};
use crate::engine::DomainError;
use crate::state::{Data, FreightOrder, StateChange};

/// How long a quote can be booked: 7 days.
const QUOTE_VALID_DAYS: i64 = 7;
/// The most pallets or packages one quote or order may carry.
const MAX_PALLETS: u64 = 10_000;

/// `$body` with `$x` bound to the quote inside `$quote`, whatever its mode
/// (each mode's quote is its own generated type).
macro_rules! each_quote {
    ($quote:expr, $x:ident => $body:expr) => {
        match $quote {
            types::QuoteResponse::DrayageQuoteResponse($x) => $body,
            types::QuoteResponse::FtlQuoteResponse($x) => $body,
            types::QuoteResponse::LtlQuoteResponse($x) => $body,
        }
    };
}

/// [`each_quote`] for orders.
macro_rules! each_order {
    ($order:expr, $x:ident => $body:expr) => {
        match $order {
            types::OrderResponse::DrayageOrderResponse($x) => $body,
            types::OrderResponse::FtlOrderResponse($x) => $body,
            types::OrderResponse::LtlOrderResponse($x) => $body,
        }
    };
}

fn quote_mode(quote: &types::QuoteResponse) -> Mode {
    match quote {
        types::QuoteResponse::DrayageQuoteResponse(_) => Mode::Drayage,
        types::QuoteResponse::FtlQuoteResponse(_) => Mode::Ftl,
        types::QuoteResponse::LtlQuoteResponse(_) => Mode::Ltl,
    }
}

fn order_mode(order: &types::OrderResponse) -> Mode {
    match order {
        types::OrderResponse::DrayageOrderResponse(_) => Mode::Drayage,
        types::OrderResponse::FtlOrderResponse(_) => Mode::Ftl,
        types::OrderResponse::LtlOrderResponse(_) => Mode::Ltl,
    }
}

/// The cost and days in transit a quote gives, from its mode's item.
fn quote_item(quote: &types::QuoteResponse) -> (f64, f64) {
    match quote {
        types::QuoteResponse::DrayageQuoteResponse(quote) => (
            quote.drayage_quote_item.total_cost,
            quote.drayage_quote_item.transit_days,
        ),
        types::QuoteResponse::FtlQuoteResponse(quote) => (
            quote.ftl_quote_item.total_cost,
            quote.ftl_quote_item.transit_days,
        ),
        types::QuoteResponse::LtlQuoteResponse(quote) => (
            quote.ltl_quote_item.total_cost,
            quote.ltl_quote_item.transit_days,
        ),
    }
}

/// The ports drayage picks containers up from (`GetFreightPorts`).
pub fn ports() -> types::GetPortsResponse {
    let port =
        |id: &str, name: &str, street1: &str, city: &str, state: &str, zip: &str| types::Port {
            id: id.into(),
            name: name.into(),
            street1: street1.into(),
            street2: String::new(),
            city: city.into(),
            state_or_province: state.into(),
            postal_code: zip.into(),
            country: "US".into(),
        };
    types::GetPortsResponse {
        ports: vec![
            port(
                "USLAX",
                "Port of Los Angeles",
                "425 S Palos Verdes St",
                "San Pedro",
                "CA",
                "90731",
            ),
            port(
                "USLGB",
                "Port of Long Beach",
                "415 W Ocean Blvd",
                "Long Beach",
                "CA",
                "90802",
            ),
            port(
                "USOAK",
                "Port of Oakland",
                "530 Water St",
                "Oakland",
                "CA",
                "94607",
            ),
            port(
                "USNYC",
                "Port of New York and New Jersey",
                "4 World Trade Center",
                "New York",
                "NY",
                "10007",
            ),
            port(
                "USSAV",
                "Port of Savannah",
                "2 Main St",
                "Garden City",
                "GA",
                "31408",
            ),
        ],
    }
}

fn port(id: &str) -> Option<types::Port> {
    ports().ports.into_iter().find(|port| port.id == id)
}

fn check_location(field: &str, location: &types::QuoteLocationDetails) -> Result<(), DomainError> {
    required(&format!("{field}.zip"), &location.zip)
}

fn count(field: &str, value: u64) -> Result<u64, DomainError> {
    if (1..=MAX_PALLETS).contains(&value) {
        Ok(value)
    } else {
        Err(DomainError::invalid_field(
            field,
            format!("{value} is not a whole number from 1 to {MAX_PALLETS}"),
        ))
    }
}

fn positive(field: &str, value: f64) -> Result<(), DomainError> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(DomainError::invalid_field(
            field,
            format!("{value} is not above 0"),
        ))
    }
}

/// Days in transit between two ZIP codes: 1 within a region (same first
/// digit), up to 7 across the country; also 7 for codes that are not digits.
fn transit_days(from: &str, to: &str) -> f64 {
    let region = |zip: &str| zip.chars().next().and_then(|c| c.to_digit(10));
    match (region(from), region(to)) {
        (Some(a), Some(b)) => 1.0 + f64::from(a.abs_diff(b)).min(6.0),
        _ => 7.0,
    }
}

fn money(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// What every quote has: its id (as the types hold ids, text), when it was
/// made and until when it can be booked.
struct NewQuote {
    id: u64,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

fn new_quote(w: &Writer<'_>) -> NewQuote {
    let now = w.now();
    NewQuote {
        id: Data::next_id(&w.data().freight_quotes),
        created_at: now,
        expires_at: now + chrono::Duration::days(QUOTE_VALID_DAYS),
    }
}

fn keep_quote(w: &mut Writer<'_>, id: u64, quote: types::QuoteResponse) {
    w.apply(StateChange::FreightQuote {
        id,
        quote: Box::new(quote),
    });
}

/// `CreateContainersQuote`: drayage of one container from a port.
pub fn quote_containers(
    w: &mut Writer<'_>,
    input: types::DrayageQuoteRequest,
) -> Result<types::DrayageQuoteResponse, DomainError> {
    check_location("pickupDetails", &input.pickup_details)?;
    check_location("deliveryDetails", &input.delivery_details)?;
    if let Some(packages) = input.package_count {
        count("packageCount", packages)?;
    }
    let days = transit_days(&input.pickup_details.zip, &input.delivery_details.zip);
    let new = new_quote(w);
    let quote = types::DrayageQuoteResponse {
        type_: types::FreightModeDrayage::Drayage,
        id: new.id.to_string(),
        created_at: new.created_at,
        expires_at: new.expires_at,
        status: QuoteStatus::Created,
        drayage_quote_item: types::DrayageQuoteItem {
            package_count: input.package_count,
            package_type: input.package_type,
            transit_days: days,
            total_cost: money(450.0 + 60.0 * days),
            original_cost: None,
        },
        pickup_details: input.pickup_details,
        delivery_details: input.delivery_details,
        ftl_quote_item: None,
        transload_quote_item: None,
    };
    keep_quote(w, new.id, quote.clone().into());
    Ok(quote)
}

/// `CreatePalletsQuote` (LTL).
pub fn quote_pallets(
    w: &mut Writer<'_>,
    input: types::QuoteRequest,
) -> Result<types::LtlQuoteResponse, DomainError> {
    let (pallets, days) = check_quote_request(&input)?;
    let unit_cost = money(85.0 + 15.0 * days);
    let new = new_quote(w);
    let quote = types::LtlQuoteResponse {
        type_: types::FreightModeLtl::Ltl,
        id: new.id.to_string(),
        created_at: new.created_at,
        expires_at: new.expires_at,
        status: QuoteStatus::Created,
        ltl_quote_item: types::LtlQuoteItem {
            pallet_count: pallets,
            unit_cost,
            transit_days: days,
            total_cost: money(unit_cost * pallets as f64),
            original_cost: None,
        },
        pickup_details: input.pickup_details,
        delivery_details: input.delivery_details,
    };
    keep_quote(w, new.id, quote.clone().into());
    Ok(quote)
}

/// `CreateTruckQuote` (FTL).
pub fn quote_trucks(
    w: &mut Writer<'_>,
    input: types::QuoteRequest,
) -> Result<types::FtlQuoteResponse, DomainError> {
    let (pallets, days) = check_quote_request(&input)?;
    let new = new_quote(w);
    let quote = types::FtlQuoteResponse {
        type_: types::FreightModeFtl::Ftl,
        id: new.id.to_string(),
        created_at: new.created_at,
        expires_at: new.expires_at,
        status: QuoteStatus::Created,
        ftl_quote_item: types::FtlQuoteItem {
            pallet_count: pallets,
            transit_days: days,
            total_cost: money(900.0 + 250.0 * days),
            total_weight: input.total_weight,
            weight_unit: input
                .total_weight
                .map(|_| types::FtlQuoteItemResponseWeightUnitEnum::Lb),
            original_cost: None,
        },
        pickup_details: input.pickup_details,
        delivery_details: input.delivery_details,
    };
    keep_quote(w, new.id, quote.clone().into());
    Ok(quote)
}

/// The pallet count and days in transit of a pallets or truck quote request.
fn check_quote_request(input: &types::QuoteRequest) -> Result<(u64, f64), DomainError> {
    check_location("pickupDetails", &input.pickup_details)?;
    check_location("deliveryDetails", &input.delivery_details)?;
    let pallets = count("palletCount", input.pallet_count)?;
    if let Some(weight) = input.total_weight {
        positive("totalWeight", weight)?;
    }
    let days = transit_days(&input.pickup_details.zip, &input.delivery_details.zip);
    Ok((pallets, days))
}

/// A quote by its id as the path gives it; 404 when there is none.
pub fn quote(data: &Data, quote_id: &str) -> Result<types::QuoteResponse, DomainError> {
    data.freight_quotes
        .get(&crate::state::numeric_id(quote_id))
        .map(|quote| quote.as_ref().clone())
        .ok_or_else(|| DomainError::not_found("freight quote", quote_id))
}

/// The ids, in the cursor-paged lists' terms.
pub struct Paging {
    /// At most this many (50 when not given).
    pub limit: Option<usize>,
    /// After (forward) or before (backward) this id.
    pub cursor: Option<f64>,
    /// Descending from the cursor, instead of ascending.
    pub backward: bool,
}

/// One page of `items` (ascending ids) by the cursor-paged lists'
/// parameters: forward (the default) lists ids after `cursor`, ascending;
/// backward lists ids before it, descending; `limit` defaults to 50.
pub fn page<'a, V: 'a>(
    items: impl DoubleEndedIterator<Item = (&'a u64, &'a V)>,
    paging: &Paging,
) -> Vec<&'a V> {
    let limit = paging.limit.unwrap_or(50);
    let cursor = paging.cursor;
    if paging.backward {
        items
            .rev()
            .filter(|(id, _)| cursor.is_none_or(|cursor| (**id as f64) < cursor))
            .take(limit)
            .map(|(_, value)| value)
            .collect()
    } else {
        items
            .filter(|(id, _)| cursor.is_none_or(|cursor| (**id as f64) > cursor))
            .take(limit)
            .map(|(_, value)| value)
            .collect()
    }
}

/// `GetQuotes`: one page of quotes.
pub fn quotes(data: &Data, paging: &Paging) -> types::GetQuotesResponse {
    types::GetQuotesResponse {
        quotes: page(data.freight_quotes.iter(), paging)
            .into_iter()
            .map(|quote| quote.as_ref().clone())
            .collect(),
    }
}

/// `GetFreightOrders`: one page of orders.
pub fn orders(data: &Data, paging: &Paging) -> types::GetOrdersResponse {
    types::GetOrdersResponse {
        orders: page(data.freight_orders.iter(), paging)
            .into_iter()
            .map(|order| order.order.clone())
            .collect(),
    }
}

/// Checks that `quote_id` names a quote of `mode` that can still be booked:
/// 422 when there is none, it is of another mode or it has expired, 409 when
/// it is already booked.
fn bookable(
    data: &Data,
    quote_id: u64,
    mode: Mode,
    now: DateTime<Utc>,
) -> Result<types::QuoteResponse, DomainError> {
    let quote: &types::QuoteResponse = data.freight_quotes.get(&quote_id).ok_or_else(|| {
        DomainError::unprocessable(format!("`quoteId`: no freight quote with id {quote_id}"))
    })?;
    if quote_mode(quote) != mode {
        return Err(DomainError::unprocessable(format!(
            "`quoteId`: quote {quote_id} is a {} quote; this order needs a {mode} quote",
            quote_mode(quote),
        )));
    }
    let status = each_quote!(quote, quote => &quote.status);
    if *status != QuoteStatus::Created {
        return Err(DomainError::conflict(format!(
            "quote {quote_id} is {status} and cannot be booked again",
        )));
    }
    if each_quote!(quote, quote => quote.expires_at) < now {
        return Err(DomainError::unprocessable(format!(
            "`quoteId`: quote {quote_id} has expired"
        )));
    }
    Ok(quote.clone())
}

fn check_delivery(details: &types::OrderDeliveryDetails, field: &str) -> Result<(), DomainError> {
    check_address(&details.address, &format!("{field}.address"))?;
    check_contact(&details.contact, &format!("{field}.contact"))?;
    if let Some(partner) = &details.trading_partner_details {
        // The contract refuses a `fieldId` the document does not declare;
        // this keeps the engine from storing one if it is ever called
        // without it.
        let undeclared = [
            (
                "requiredTradingPartnerGeneralBolFields",
                partner
                    .required_trading_partner_general_bol_fields
                    .iter()
                    .map(|field| {
                        matches!(
                            field.field_id,
                            types::RequiredTradingPartnerGeneralBolInfo::UnknownValue(_)
                        )
                    })
                    .collect::<Vec<_>>(),
            ),
            (
                "requiredGeneralLtlGs1BolFields",
                partner
                    .required_general_ltl_gs1_bol_fields
                    .iter()
                    .map(|field| {
                        matches!(
                            field.field_id,
                            types::RequiredGeneralLtlGs1BolInfo::UnknownValue(_)
                        )
                    })
                    .collect(),
            ),
            (
                "requiredGeneralGs1BolFields",
                partner
                    .required_general_gs1_bol_fields
                    .iter()
                    .map(|field| {
                        matches!(
                            field.field_id,
                            types::RequiredGeneralGs1BolInfo::UnknownValue(_)
                        )
                    })
                    .collect(),
            ),
        ];
        for (name, unknown) in undeclared {
            if let Some(i) = unknown.iter().position(|unknown| *unknown) {
                return Err(DomainError::invalid_field(
                    &format!("{field}.tradingPartnerDetails.{name}[{i}].fieldId"),
                    "not a field id the document declares",
                ));
            }
        }
    }
    Ok(())
}

fn check_address(address: &types::FreightAddress, field: &str) -> Result<(), DomainError> {
    for (name, value) in [
        ("street1", &address.street1),
        ("city", &address.city),
        ("zip", &address.zip),
        ("state", &address.state),
        ("country", &address.country),
    ] {
        required(&format!("{field}.{name}"), value)?;
    }
    Ok(())
}

fn check_contact(contact: &types::Contact, field: &str) -> Result<(), DomainError> {
    for (name, value) in [
        ("firstName", &contact.first_name),
        ("lastName", &contact.last_name),
        ("phone", &contact.phone),
        ("email", &contact.email),
    ] {
        required(&format!("{field}.{name}"), value)?;
    }
    Ok(())
}

fn check_pickup(details: &types::OrderPickupDetails) -> Result<(), DomainError> {
    check_address(&details.address, "pickupDetails.address")?;
    check_contact(&details.contact, "pickupDetails.contact")
}

fn check_packages(field: &str, packages: &[types::PackageDetails]) -> Result<u64, DomainError> {
    let mut total = 0;
    for (i, package) in packages.iter().enumerate() {
        total += count(&format!("{field}[{i}].palletCount"), package.pallet_count)?;
        for (name, value) in [
            ("length", package.length),
            ("width", package.width),
            ("height", package.height),
            ("weight", package.weight),
        ] {
            positive(&format!("{field}[{i}].{name}"), value)?;
        }
    }
    if total > MAX_PALLETS {
        return Err(DomainError::invalid_field(
            field,
            format!("more than {MAX_PALLETS} pallets in all"),
        ));
    }
    Ok(total)
}

/// Checks the pickup and the delivery of an LTL or FTL order (the
/// delivery first, as every mode does); the addresses of their stops.
fn road_stops(
    pickup: &types::OrderPickupDetails,
    delivery: &types::OrderDeliveryDetails,
) -> Result<(types::DeliverrAddress, types::DeliverrAddress), DomainError> {
    check_delivery(delivery, "deliveryDetails")?;
    check_pickup(pickup)?;
    Ok((
        stop_address(&pickup.address, &pickup.contact),
        stop_address(&delivery.address, &delivery.contact),
    ))
}

/// `DeliverrAddress` of a freight address and its contact.
fn stop_address(
    address: &types::FreightAddress,
    contact: &types::Contact,
) -> types::DeliverrAddress {
    types::DeliverrAddress {
        name: format!("{} {}", contact.first_name, contact.last_name),
        company: address.company.clone(),
        street1: address.street1.clone(),
        street2: address.street2.clone(),
        city: address.city.clone(),
        zip: address.zip.clone(),
        state: address.state.clone(),
        country: address.country.clone(),
        phone: Some(contact.phone.clone()),
        email: Some(contact.email.clone()),
        is_residential: None,
    }
}

/// `DeliverrAddress` of a port drayage picks a container up from.
fn port_address(port: &types::Port) -> types::DeliverrAddress {
    types::DeliverrAddress {
        name: port.name.clone(),
        company: None,
        street1: port.street1.clone(),
        street2: None,
        city: port.city.clone(),
        zip: port.postal_code.clone(),
        state: port.state_or_province.clone(),
        country: port.country.clone(),
        phone: None,
        email: None,
        is_residential: None,
    }
}

fn stop(address: types::DeliverrAddress, at: DateTime<Utc>) -> types::FreightStopDetails {
    types::FreightStopDetails {
        appointment_window: types::AppointmentWindow {
            date: at.format("%Y-%m-%d").to_string(),
            start_time: "08:00".into(),
            end_time: "17:00".into(),
        },
        address,
    }
}

/// The id and bill of lading an order about to be booked gets.
struct NewOrder {
    id: u64,
    bol_id: String,
    now: DateTime<Utc>,
}

fn new_order(w: &Writer<'_>) -> NewOrder {
    let id = Data::next_id(&w.data().freight_orders);
    NewOrder {
        id,
        bol_id: format!("SBX-BOL-{id}"),
        now: w.now(),
    }
}

/// Books `order` from `quote` (both of `order`'s mode) and starts its
/// tracking.
fn book(
    w: &mut Writer<'_>,
    new: NewOrder,
    mut quote: types::QuoteResponse,
    order: types::OrderResponse,
    (pickup, delivery): (types::DeliverrAddress, types::DeliverrAddress),
    pallets: Option<u64>,
) {
    let now = new.now;
    let step = w.config().freight_step_after;
    let pickup_at = later(now, step * 2);
    let (_, transit_days) = quote_item(&quote);
    let delivery_at = pickup_at + chrono::Duration::days(transit_days as i64);
    let tracking = types::FreightTrackingInfo {
        pickup_details: stop(pickup, pickup_at),
        delivery_details: stop(delivery, delivery_at),
        bol_status: FreightBolStatus::Created,
        carrier_name: Some("Sandbox Freight".into()),
        estimated_pickup_time: Some(pickup_at),
        estimated_delivery_time: Some(delivery_at),
        estimated_port_arrival_time: None,
        estimated_port_departure_time: None,
        total_pallets: pallets,
        events: vec![event(
            FreightTrackingEventType::Created,
            FreightBolStatus::Created,
            now,
        )],
        updated_at: now,
        mode: order_mode(&order),
    };
    let quote_id = each_quote!(&mut quote, booked => {
        booked.status = QuoteStatus::Booked;
        crate::state::numeric_id(&booked.id)
    });
    keep_quote(w, quote_id, quote);
    w.apply(StateChange::FreightOrder(Box::new(FreightOrder {
        id: new.id,
        order,
        bol_id: new.bol_id,
        tracking,
        next_step_at: Some(later(now, step)),
    })));
}

/// `CreateContainersOrder`: a drayage order from a drayage quote, picked up
/// at a port of [`ports`] (422 for another port id).
pub fn order_containers(
    w: &mut Writer<'_>,
    input: types::DrayageOrderRequest,
) -> Result<types::DrayageOrderResponse, DomainError> {
    for (name, value) in [
        ("containerId", &input.container_id),
        ("masterBolId", &input.master_bol_id),
        (
            "deliveryOrderDocumentKey",
            &input.delivery_order_document_key,
        ),
        ("packingListDocumentKey", &input.packing_list_document_key),
        ("portId", &input.port_id),
    ] {
        required(name, value)?;
    }
    check_delivery(&input.delivery_details, "deliveryDetails")?;
    let pallets = if input.packages.is_empty() {
        None
    } else {
        Some(check_packages("packages", &input.packages)?)
    };
    let port = port(&input.port_id).ok_or_else(|| {
        DomainError::unprocessable(format!(
            "`portId`: no port with id `{}` (see GetFreightPorts)",
            input.port_id
        ))
    })?;
    let new = new_order(w);
    let quote = bookable(w.data(), input.quote_id, Mode::Drayage, new.now)?;
    let stops = (
        port_address(&port),
        stop_address(
            &input.delivery_details.address,
            &input.delivery_details.contact,
        ),
    );
    let order = types::DrayageOrderResponse {
        type_: types::FreightModeDrayage::Drayage,
        id: new.id.to_string(),
        created_at: new.now,
        status: OrderStatus::Booked,
        quote_id: input.quote_id.to_string(),
        port_id: Some(input.port_id),
        commodity_description: input.commodity_description,
        customer_reference_number: input.customer_reference_number,
        delivery_details: input.delivery_details,
        drayage_order_item: types::DrayageOrderItemResponse {
            cost: quote_item(&quote).0,
            customer_bol_id: Some(new.bol_id.clone()),
            master_bol_id: input.master_bol_id,
            container_id: input.container_id,
            package_type: input.package_type,
            packages: input.packages,
        },
        ftl_order_item: None,
        transload_order_item: None,
    };
    book(w, new, quote, order.clone().into(), stops, pallets);
    Ok(order)
}

/// `CreatePalletsOrder`: an LTL order from an LTL quote.
pub fn order_pallets(
    w: &mut Writer<'_>,
    input: types::LtlOrderRequest,
) -> Result<types::LtlOrderResponse, DomainError> {
    let stops = road_stops(&input.pickup_details, &input.delivery_details)?;
    if input.pallets.is_empty() {
        return Err(DomainError::invalid_field(
            "pallets",
            "at least one pallet is required",
        ));
    }
    let pallets = check_packages("pallets", &input.pallets)?;
    let new = new_order(w);
    let quote = bookable(w.data(), input.quote_id, Mode::Ltl, new.now)?;
    let order = types::LtlOrderResponse {
        type_: types::FreightModeLtl::Ltl,
        id: new.id.to_string(),
        created_at: new.now,
        status: OrderStatus::Booked,
        quote_id: input.quote_id.to_string(),
        commodity_description: input.commodity_description,
        customer_reference_number: input.customer_reference_number,
        delivery_details: input.delivery_details,
        pickup_details: input.pickup_details,
        ltl_order_item: types::LtlOrderItemResponse {
            cost: quote_item(&quote).0,
            customer_bol_id: Some(new.bol_id.clone()),
            pallets: input.pallets,
        },
    };
    book(w, new, quote, order.clone().into(), stops, Some(pallets));
    Ok(order)
}

/// `CreateTrucksOrder`: an FTL order from an FTL quote.
pub fn order_trucks(
    w: &mut Writer<'_>,
    input: types::FtlOrderRequest,
) -> Result<types::FtlOrderResponse, DomainError> {
    let stops = road_stops(&input.pickup_details, &input.delivery_details)?;
    let pallets = count("palletCount", input.pallet_count)?;
    positive("totalWeight", input.total_weight)?;
    let new = new_order(w);
    let quote = bookable(w.data(), input.quote_id, Mode::Ftl, new.now)?;
    let order = types::FtlOrderResponse {
        type_: types::FreightModeFtl::Ftl,
        id: new.id.to_string(),
        created_at: new.now,
        status: OrderStatus::Booked,
        quote_id: input.quote_id.to_string(),
        commodity_description: input.commodity_description,
        customer_reference_number: input.customer_reference_number,
        delivery_details: input.delivery_details,
        pickup_details: input.pickup_details,
        ftl_order_item: types::FtlOrderItemResponse {
            cost: quote_item(&quote).0,
            customer_bol_id: Some(new.bol_id.clone()),
            total_weight: input.total_weight,
            weight_unit: types::FtlOrderItemResponseWeightUnitEnum::Lb,
            pallet_count: Some(pallets),
        },
    };
    book(w, new, quote, order.clone().into(), stops, Some(pallets));
    Ok(order)
}

/// An order by its id as the path gives it; 404 when there is none.
pub fn order<'a>(data: &'a Data, order_id: &str) -> Result<&'a FreightOrder, DomainError> {
    data.freight_orders
        .get(&crate::state::numeric_id(order_id))
        .ok_or_else(|| DomainError::not_found("freight order", order_id))
}

/// Cancels an order before pickup (`BOOKED` or `TENDERED`): 404 for an
/// unknown order, 409 once it is picked up, delivered or cancelled.
pub fn cancel(
    w: &mut Writer<'_>,
    order_id: &str,
    input: types::OrderCancelRequest,
) -> Result<(), DomainError> {
    let mut order = order(w.data(), order_id)?.clone();
    let status = each_order!(&order.order, order => &order.status);
    if !matches!(status, OrderStatus::Booked | OrderStatus::Tendered) {
        return Err(DomainError::conflict(format!(
            "freight order {} is {status}: only an order not yet picked up can be cancelled",
            order.id
        )));
    }
    let now = w.now();
    each_order!(&mut order.order, order => order.status = OrderStatus::Cancelled);
    advance_tracking(
        &mut order.tracking,
        FreightTrackingEventType::Cancelled,
        FreightBolStatus::Cancelled,
        now,
    );
    if let Some(reason) = input.cancellation_reason {
        tracing::debug!(order = order.id, reason, "freight order cancelled");
    }
    order.next_step_at = None;
    w.apply(StateChange::FreightOrder(Box::new(order)));
    Ok(())
}

fn event(
    event_type: FreightTrackingEventType,
    bol_status: FreightBolStatus,
    at: DateTime<Utc>,
) -> types::FreightTrackingEvent {
    types::FreightTrackingEvent {
        occurred_at: at,
        event_type,
        bol_status,
        address: None,
        location: None,
    }
}

fn advance_tracking(
    tracking: &mut types::FreightTrackingInfo,
    event_type: FreightTrackingEventType,
    bol_status: FreightBolStatus,
    now: DateTime<Utc>,
) {
    tracking.bol_status = bol_status.clone();
    tracking.updated_at = now;
    tracking.events.push(event(event_type, bol_status, now));
}

/// The document types an order of `mode` has.
fn document_types(mode: &Mode) -> &'static [types::OrderDocumentType] {
    use types::OrderDocumentType::{CustomerBol, DeliveryOrder, PackingList, PalletLabels};
    match mode {
        Mode::Drayage => &[CustomerBol, DeliveryOrder, PackingList],
        _ => &[CustomerBol, PalletLabels],
    }
}

/// `GetOrderDocuments`: the documents of an order's mode, as PDFs the
/// sandbox serves at `/sandbox/documents/`.
pub fn documents(
    data: &Data,
    base_url: &str,
    order_id: &str,
) -> Result<types::GetOrderDocumentsResponse, DomainError> {
    let order = order(data, order_id)?;
    let documents = document_types(&order_mode(&order.order))
        .iter()
        .map(|kind| types::OrderDocumentResponseEntry {
            url: format!(
                "{base_url}/sandbox/documents/freight-{}-{}.pdf",
                order.id,
                kind.to_string().to_lowercase()
            ),
            type_: kind.clone(),
        })
        .collect();
    Ok(types::GetOrderDocumentsResponse { documents })
}

/// Whether order `order_id` has a document of `kind` (its type in lower
/// case, as in the document's file name).
pub fn has_document(data: &Data, order_id: &str, kind: &str) -> bool {
    order(data, order_id).is_ok_and(|order| {
        document_types(&order_mode(&order.order))
            .iter()
            .any(|known| known.to_string().to_lowercase() == kind)
    })
}

/// `FreightTrackingInfo` of a bill of lading; 404 when no order has it.
pub fn tracking(data: &Data, bol_id: &str) -> Result<types::FreightTrackingInfo, DomainError> {
    data.freight_orders
        .values()
        .find(|order| order.bol_id == bol_id)
        .map(|order| order.tracking.clone())
        .ok_or_else(|| {
            DomainError::new(
                crate::engine::Kind::NotFound,
                format!("no bill of lading `{bol_id}`"),
            )
        })
}

/// Moves each order whose time has come one step: tendered, then picked up
/// (in transit), then delivered (completed).
pub fn tracking_due(w: &mut Writer<'_>, now: DateTime<Utc>) {
    let due: Vec<FreightOrder> = w
        .data()
        .freight_orders
        .values()
        .filter(|order| order.next_step_at.is_some_and(|at| at <= now))
        .cloned()
        .collect();
    let step = w.config().freight_step_after;
    for mut order in due {
        use FreightBolStatus as Bol;
        use FreightTrackingEventType as Event;
        let status = each_order!(&order.order, order => &order.status);
        let (status, event, bol_status, last) = match status {
            OrderStatus::Booked => (OrderStatus::Tendered, Event::Tendered, Bol::Tendered, false),
            OrderStatus::Tendered => (
                OrderStatus::InProgress,
                Event::PickedUp,
                Bol::InTransit,
                false,
            ),
            OrderStatus::InProgress => (
                OrderStatus::Completed,
                Event::Delivered,
                Bol::Delivered,
                true,
            ),
            _ => {
                order.next_step_at = None;
                w.apply(StateChange::FreightOrder(Box::new(order)));
                continue;
            }
        };
        each_order!(&mut order.order, order => order.status = status);
        advance_tracking(&mut order.tracking, event, bol_status, now);
        order.next_step_at = (!last).then(|| later(now, step));
        w.apply(StateChange::FreightOrder(Box::new(order)));
    }
}
