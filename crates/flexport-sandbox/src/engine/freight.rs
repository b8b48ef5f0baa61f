//! Freight (`unstable`): quotes for containers (drayage), pallets (LTL) and
//! trucks (FTL), orders booked from a quote, their cancellation, documents,
//! and bill-of-lading tracking that advances every
//! [`crate::Config::freight_step_after`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Writer, later, required};
use crate::engine::DomainError;
use crate::state::{Data, FreightOrder, StateChange};

// The request bodies, shaped by the `unstable` document. Closed enums are
// Rust enums (an undeclared value is a 400); open strings stay `String`.

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LocationType {
    Commercial,
    Residential,
    MaritimePort,
    Airport,
    MilitaryBase,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PackageType {
    Pallets,
    Cartons,
}

/// The one unit the documents allow for weights (`lb`) and for dimensions (`in`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub enum Pounds {
    #[serde(rename = "lb")]
    Lb,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub enum Inches {
    #[serde(rename = "in")]
    In,
}

/// `QuoteLocationDetails`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteLocation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lift_gate_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_type: Option<LocationType>,
    pub zip: String,
}

/// `DrayageQuoteRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainersQuoteRequest {
    #[serde(default)]
    pub package_type: Option<PackageType>,
    pub delivery_details: QuoteLocation,
    pub pickup_details: QuoteLocation,
    #[serde(default)]
    pub package_count: Option<f64>,
}

/// `QuoteRequest` (pallets and trucks).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteRequest {
    #[serde(default)]
    pub total_weight: Option<f64>,
    /// Only checked: `lb` is the one unit there is.
    #[serde(default)]
    #[allow(dead_code)]
    pub weight_unit: Option<Pounds>,
    pub pallet_count: f64,
    pub pickup_details: QuoteLocation,
    pub delivery_details: QuoteLocation,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeWindow {
    pub start_time: String,
    pub end_time: String,
}

/// `FreightAddress`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreightAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<TimeWindow>,
    pub street1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street2: Option<String>,
    pub city: String,
    pub zip: String,
    pub state: String,
    pub country: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: String,
}

/// A `TradingPartnerGeneralBolField*`; its `fieldId` is checked against the
/// list the document declares for its array.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BolField {
    pub field_id: String,
    pub value: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TradingPartner {
    FulfillmentByAmazon,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TradingPartnerDetails {
    pub required_trading_partner_general_bol_fields: Vec<BolField>,
    pub required_general_ltl_gs1_bol_fields: Vec<BolField>,
    pub required_general_gs1_bol_fields: Vec<BolField>,
    pub trading_partner: TradingPartner,
}

/// `OrderDeliveryDetails`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetails {
    pub address: FreightAddress,
    pub contact: Contact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lift_gate_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_type: Option<LocationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropoff_reference_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trading_partner_details: Option<TradingPartnerDetails>,
}

/// `OrderPickupDetails`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PickupDetails {
    pub cargo_ready_date: DateTime<Utc>,
    pub address: FreightAddress,
    pub contact: Contact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lift_gate_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_type: Option<LocationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_reference_number: Option<String>,
}

/// `PackageDetails`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageDetails {
    pub pallet_count: f64,
    pub length: f64,
    pub width: f64,
    pub height: f64,
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stackable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freight_class: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nmfc_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_nmfc_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension_unit: Option<Inches>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_unit: Option<Pounds>,
}

/// `DrayageOrderRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainersOrderRequest {
    #[serde(default)]
    pub commodity_description: Option<String>,
    pub container_id: String,
    #[serde(default)]
    pub customer_reference_number: Option<String>,
    pub delivery_details: DeliveryDetails,
    pub delivery_order_document_key: String,
    pub master_bol_id: String,
    #[serde(default)]
    pub package_type: Option<PackageType>,
    #[serde(default)]
    pub packages: Option<Vec<PackageDetails>>,
    pub packing_list_document_key: String,
    pub port_id: String,
    pub quote_id: f64,
}

/// `LtlOrderRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PalletsOrderRequest {
    pub delivery_details: DeliveryDetails,
    pub quote_id: f64,
    #[serde(default)]
    pub commodity_description: Option<String>,
    #[serde(default)]
    pub customer_reference_number: Option<String>,
    pub pallets: Vec<PackageDetails>,
    pub pickup_details: PickupDetails,
}

/// `FtlOrderRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrucksOrderRequest {
    pub total_weight: f64,
    /// Only checked: `lb` is the one unit there is.
    #[serde(default)]
    #[allow(dead_code)]
    pub weight_unit: Option<Pounds>,
    pub pallet_count: f64,
    pub delivery_details: DeliveryDetails,
    pub quote_id: f64,
    #[serde(default)]
    pub commodity_description: Option<String>,
    #[serde(default)]
    pub customer_reference_number: Option<String>,
    pub pickup_details: PickupDetails,
}

/// `OrderCancelRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelRequest {
    #[serde(default)]
    pub cancellation_reason: Option<String>,
}

/// The freight modes the sandbox quotes: `type` of the quote and order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Drayage,
    Ltl,
    Ftl,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Drayage => "DRAYAGE",
            Mode::Ltl => "LTL",
            Mode::Ftl => "FTL",
        }
    }

    fn of(value: &Value) -> Option<Mode> {
        match value["type"].as_str()? {
            "DRAYAGE" => Some(Mode::Drayage),
            "LTL" => Some(Mode::Ltl),
            "FTL" => Some(Mode::Ftl),
            _ => None,
        }
    }
}

/// How long a quote can be booked: 7 days.
const QUOTE_VALID_DAYS: i64 = 7;
/// The most pallets or packages one quote or order may carry.
const MAX_PALLETS: f64 = 10_000.0;

/// The ports drayage picks containers up from (`GetFreightPorts`).
pub fn ports() -> Value {
    let port = |id: &str, name: &str, street1: &str, city: &str, state: &str, zip: &str| {
        json!({
            "id": id, "name": name, "street1": street1, "street2": "",
            "city": city, "stateOrProvince": state, "postalCode": zip, "country": "US",
        })
    };
    json!({"ports": [
        port("USLAX", "Port of Los Angeles", "425 S Palos Verdes St", "San Pedro", "CA", "90731"),
        port("USLGB", "Port of Long Beach", "415 W Ocean Blvd", "Long Beach", "CA", "90802"),
        port("USOAK", "Port of Oakland", "530 Water St", "Oakland", "CA", "94607"),
        port("USNYC", "Port of New York and New Jersey", "4 World Trade Center", "New York", "NY", "10007"),
        port("USSAV", "Port of Savannah", "2 Main St", "Garden City", "GA", "31408"),
    ]})
}

fn port(id: &str) -> Option<Value> {
    ports()["ports"]
        .as_array()?
        .iter()
        .find(|port| port["id"] == id)
        .cloned()
}

fn check_location(field: &str, location: &QuoteLocation) -> Result<(), DomainError> {
    required(&format!("{field}.zip"), &location.zip)
}

fn count(field: &str, value: f64) -> Result<f64, DomainError> {
    if value >= 1.0 && value.fract() == 0.0 && value <= MAX_PALLETS {
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

fn new_quote(
    w: &mut Writer<'_>,
    mode: Mode,
    pickup: &QuoteLocation,
    delivery: &QuoteLocation,
    item: (&str, Value),
) -> Value {
    let id = Data::next_id(&w.data().freight_quotes);
    let now = w.now();
    let mut quote = json!({
        "type": mode.as_str(),
        "pickupDetails": pickup,
        "deliveryDetails": delivery,
        "id": id,
        "createdAt": now.to_rfc3339(),
        "status": "CREATED",
        "expiresAt": (now + chrono::Duration::days(QUOTE_VALID_DAYS)).to_rfc3339(),
    });
    quote[item.0] = item.1;
    w.apply(StateChange::FreightQuote {
        id,
        quote: quote.clone(),
    });
    quote
}

/// `CreateContainersQuote`: drayage of one container from a port.
pub fn quote_containers(
    w: &mut Writer<'_>,
    input: ContainersQuoteRequest,
) -> Result<Value, DomainError> {
    check_location("pickupDetails", &input.pickup_details)?;
    check_location("deliveryDetails", &input.delivery_details)?;
    if let Some(packages) = input.package_count {
        count("packageCount", packages)?;
    }
    let days = transit_days(&input.pickup_details.zip, &input.delivery_details.zip);
    let mut item = json!({
        "transitDays": days,
        "totalCost": money(450.0 + 60.0 * days),
    });
    if let Some(packages) = input.package_count {
        item["packageCount"] = packages.into();
    }
    if let Some(package_type) = input.package_type {
        item["packageType"] = json!(package_type);
    }
    Ok(new_quote(
        w,
        Mode::Drayage,
        &input.pickup_details,
        &input.delivery_details,
        ("drayageQuoteItem", item),
    ))
}

/// `CreatePalletsQuote` (LTL) and `CreateTruckQuote` (FTL).
pub fn quote_pallets_or_truck(
    w: &mut Writer<'_>,
    mode: Mode,
    input: QuoteRequest,
) -> Result<Value, DomainError> {
    check_location("pickupDetails", &input.pickup_details)?;
    check_location("deliveryDetails", &input.delivery_details)?;
    let pallets = count("palletCount", input.pallet_count)?;
    if let Some(weight) = input.total_weight {
        positive("totalWeight", weight)?;
    }
    let days = transit_days(&input.pickup_details.zip, &input.delivery_details.zip);
    let item = match mode {
        Mode::Ltl => {
            let unit_cost = money(85.0 + 15.0 * days);
            (
                "ltlQuoteItem",
                json!({
                    "palletCount": pallets,
                    "unitCost": unit_cost,
                    "transitDays": days,
                    "totalCost": money(unit_cost * pallets),
                }),
            )
        }
        _ => {
            let mut item = json!({
                "palletCount": pallets,
                "transitDays": days,
                "totalCost": money(900.0 + 250.0 * days),
            });
            if let Some(weight) = input.total_weight {
                item["totalWeight"] = weight.into();
                item["weightUnit"] = "lb".into();
            }
            ("ftlQuoteItem", item)
        }
    };
    Ok(new_quote(
        w,
        mode,
        &input.pickup_details,
        &input.delivery_details,
        item,
    ))
}

/// A quote by its id as the path gives it; 404 when there is none.
pub fn quote(data: &Data, quote_id: &str) -> Result<Value, DomainError> {
    data.freight_quotes
        .get(&crate::state::numeric_id(quote_id))
        .cloned()
        .ok_or_else(|| DomainError::not_found("freight quote", quote_id))
}

/// One page of `items` (ascending ids) by the cursor-paged lists'
/// parameters: `forward` (the default) lists ids after `cursor`, ascending;
/// `backward` lists ids before it, descending; `limit` defaults to 50.
pub fn page<'a, V: 'a>(
    items: impl DoubleEndedIterator<Item = (&'a u64, &'a V)>,
    limit: Option<usize>,
    cursor: Option<f64>,
    backward: bool,
) -> Vec<&'a V> {
    let limit = limit.unwrap_or(50);
    if backward {
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

/// Checks that `quote_id` names a quote of `mode` that can still be booked:
/// 422 when there is none, it is of another mode or it has expired, 409 when
/// it is already booked.
fn bookable(
    data: &Data,
    quote_id: f64,
    mode: Mode,
    now: DateTime<Utc>,
) -> Result<Value, DomainError> {
    let quote = (quote_id >= 0.0 && quote_id.fract() == 0.0)
        .then(|| data.freight_quotes.get(&(quote_id as u64)))
        .flatten()
        .ok_or_else(|| {
            DomainError::unprocessable(format!("`quoteId`: no freight quote with id {quote_id}"))
        })?;
    if Mode::of(quote) != Some(mode) {
        return Err(DomainError::unprocessable(format!(
            "`quoteId`: quote {quote_id} is a {} quote; this order needs a {} quote",
            quote["type"].as_str().unwrap_or("?"),
            mode.as_str()
        )));
    }
    if quote["status"] != "CREATED" {
        return Err(DomainError::conflict(format!(
            "quote {quote_id} is {} and cannot be booked again",
            quote["status"].as_str().unwrap_or("?")
        )));
    }
    let expires = quote["expiresAt"]
        .as_str()
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok());
    if expires.is_some_and(|at| at < now) {
        return Err(DomainError::unprocessable(format!(
            "`quoteId`: quote {quote_id} has expired"
        )));
    }
    Ok(quote.clone())
}

fn check_delivery(details: &DeliveryDetails, field: &str) -> Result<(), DomainError> {
    check_address(&details.address, &format!("{field}.address"))?;
    check_contact(&details.contact, &format!("{field}.contact"))?;
    if let Some(partner) = &details.trading_partner_details {
        const PARTNER: &[&str] = &[
            "AMAZON_ISA_NUMBER",
            "AMAZON_REFERENCE_ID",
            "AMAZON_SHIPMENT_ID",
            "CARE_OF_CARRIER",
            "COMBINED_SHIPMENT_WEIGHT",
            "PO_NUMBER",
            "SRN",
            "VENDOR_NAME",
            "TOTAL_CUBIC_FEET",
            "TOTAL_PACKAGE_WEIGHT",
        ];
        const LTL_GS1: &[&str] = &["PRO_NUMBER", "RECEIVING_STAMP", "TRAILER_NUMBER"];
        const GS1: &[&str] = &[
            "BOL_NUMBER",
            "CARRIER_NAME",
            "CARRIER_SCAC",
            "CARRIER_SIGNATURE_AND_DATE",
            "DESTINATION_ADDRESS",
            "FREIGHT_CHARGE_TERMS",
            "MASTER_BOL_INDICATOR",
            "ORIGIN_ADDRESS",
            "PARTY_THAT_LOADED_TRAILER",
            "PARTY_THAT_COUNTED_FREIGHT",
            "TOTAL_PACKAGE_QUANTITY",
            "SHIPPER_SIGNATURE_DATE",
        ];
        for (name, fields, allowed) in [
            (
                "requiredTradingPartnerGeneralBolFields",
                &partner.required_trading_partner_general_bol_fields,
                PARTNER,
            ),
            (
                "requiredGeneralLtlGs1BolFields",
                &partner.required_general_ltl_gs1_bol_fields,
                LTL_GS1,
            ),
            (
                "requiredGeneralGs1BolFields",
                &partner.required_general_gs1_bol_fields,
                GS1,
            ),
        ] {
            for (i, bol_field) in fields.iter().enumerate() {
                if !allowed.contains(&bol_field.field_id.as_str()) {
                    return Err(DomainError::invalid_field(
                        &format!("{field}.tradingPartnerDetails.{name}[{i}].fieldId"),
                        format!(
                            "`{}` is not one of {}",
                            bol_field.field_id,
                            allowed.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_address(address: &FreightAddress, field: &str) -> Result<(), DomainError> {
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

fn check_contact(contact: &Contact, field: &str) -> Result<(), DomainError> {
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

fn check_packages(field: &str, packages: &[PackageDetails]) -> Result<f64, DomainError> {
    let mut total = 0.0;
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

/// `DeliverrAddress` of a freight address and its contact.
fn stop_address(address: &FreightAddress, contact: &Contact) -> Value {
    let mut stop = json!({
        "name": format!("{} {}", contact.first_name, contact.last_name),
        "street1": address.street1,
        "city": address.city,
        "zip": address.zip,
        "state": address.state,
        "country": address.country,
        "phone": contact.phone,
        "email": contact.email,
    });
    if let Some(company) = &address.company {
        stop["company"] = company.clone().into();
    }
    if let Some(street2) = &address.street2 {
        stop["street2"] = street2.clone().into();
    }
    stop
}

fn stop(address: Value, at: DateTime<Utc>) -> Value {
    json!({
        "appointmentWindow": {
            "date": at.format("%Y-%m-%d").to_string(),
            "startTime": "08:00",
            "endTime": "17:00",
        },
        "address": address,
    })
}

/// Books `order` (the answer without `id`, `createdAt`, `status` and
/// `customerBolId`) from `quote`, with its tracking.
#[allow(clippy::too_many_arguments)]
fn book(
    w: &mut Writer<'_>,
    mode: Mode,
    mut quote: Value,
    mut order: Value,
    item_field: &str,
    pickup: Value,
    delivery: Value,
    pallets: Option<f64>,
    now: DateTime<Utc>,
) -> Value {
    let id = Data::next_id(&w.data().freight_orders);
    let bol_id = format!("SBX-BOL-{id}");
    order["type"] = mode.as_str().into();
    order["id"] = id.into();
    order["createdAt"] = now.to_rfc3339().into();
    order["status"] = "BOOKED".into();
    order[item_field]["customerBolId"] = bol_id.clone().into();
    let transit = quote
        .as_object()
        .into_iter()
        .flat_map(|quote| quote.values())
        .find_map(|item| item["transitDays"].as_f64())
        .unwrap_or(3.0);
    let step = w.config().freight_step_after;
    let pickup_at = later(now, step * 2);
    let delivery_at = pickup_at + chrono::Duration::days(transit as i64);
    let mut tracking = json!({
        "pickupDetails": stop(pickup, pickup_at),
        "deliveryDetails": stop(delivery, delivery_at),
        "bolStatus": "CREATED",
        "carrierName": "Sandbox Freight",
        "estimatedPickupTime": pickup_at.to_rfc3339(),
        "estimatedDeliveryTime": delivery_at.to_rfc3339(),
        "events": [{"occurredAt": now.to_rfc3339(), "eventType": "CREATED", "bolStatus": "CREATED"}],
        "updatedAt": now.to_rfc3339(),
        "mode": mode.as_str(),
    });
    if let Some(pallets) = pallets {
        tracking["totalPallets"] = pallets.into();
    }
    quote["status"] = "BOOKED".into();
    let quote_id = quote["id"].as_u64().unwrap_or_default();
    w.apply(StateChange::FreightQuote {
        id: quote_id,
        quote,
    });
    w.apply(StateChange::FreightOrder(Box::new(FreightOrder {
        id,
        order: order.clone(),
        bol_id,
        tracking,
        next_step_at: Some(later(now, step)),
    })));
    order
}

fn cost(quote: &Value, item: &str) -> f64 {
    quote[item]["totalCost"].as_f64().unwrap_or_default()
}

fn common(
    delivery: &DeliveryDetails,
    quote_id: f64,
    commodity: &Option<String>,
    reference: &Option<String>,
) -> Value {
    let mut order = json!({"deliveryDetails": delivery, "quoteId": quote_id});
    if let Some(commodity) = commodity {
        order["commodityDescription"] = commodity.clone().into();
    }
    if let Some(reference) = reference {
        order["customerReferenceNumber"] = reference.clone().into();
    }
    order
}

/// `CreateContainersOrder`: a drayage order from a drayage quote, picked up
/// at a port of [`ports`] (422 for another port id).
pub fn order_containers(
    w: &mut Writer<'_>,
    input: ContainersOrderRequest,
) -> Result<Value, DomainError> {
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
    let pallets = match &input.packages {
        Some(packages) => Some(check_packages("packages", packages)?),
        None => None,
    };
    let port = port(&input.port_id).ok_or_else(|| {
        DomainError::unprocessable(format!(
            "`portId`: no port with id `{}` (see GetFreightPorts)",
            input.port_id
        ))
    })?;
    let now = w.now();
    let quote = bookable(w.data(), input.quote_id, Mode::Drayage, now)?;
    let mut order = common(
        &input.delivery_details,
        input.quote_id,
        &input.commodity_description,
        &input.customer_reference_number,
    );
    order["portId"] = input.port_id.clone().into();
    let mut item = json!({
        "cost": cost(&quote, "drayageQuoteItem"),
        "masterBolId": input.master_bol_id,
        "containerId": input.container_id,
    });
    if let Some(package_type) = input.package_type {
        item["packageType"] = json!(package_type);
    }
    if let Some(packages) = &input.packages {
        item["packages"] = json!(packages);
    }
    order["drayageOrderItem"] = item;
    let pickup = json!({
        "name": port["name"], "street1": port["street1"], "city": port["city"],
        "zip": port["postalCode"], "state": port["stateOrProvince"], "country": port["country"],
    });
    let delivery = stop_address(
        &input.delivery_details.address,
        &input.delivery_details.contact,
    );
    Ok(book(
        w,
        Mode::Drayage,
        quote,
        order,
        "drayageOrderItem",
        pickup,
        delivery,
        pallets,
        now,
    ))
}

/// `CreatePalletsOrder`: an LTL order from an LTL quote.
pub fn order_pallets(w: &mut Writer<'_>, input: PalletsOrderRequest) -> Result<Value, DomainError> {
    check_delivery(&input.delivery_details, "deliveryDetails")?;
    check_address(&input.pickup_details.address, "pickupDetails.address")?;
    check_contact(&input.pickup_details.contact, "pickupDetails.contact")?;
    if input.pallets.is_empty() {
        return Err(DomainError::invalid_field(
            "pallets",
            "at least one pallet is required",
        ));
    }
    let pallets = check_packages("pallets", &input.pallets)?;
    let now = w.now();
    let quote = bookable(w.data(), input.quote_id, Mode::Ltl, now)?;
    let mut order = common(
        &input.delivery_details,
        input.quote_id,
        &input.commodity_description,
        &input.customer_reference_number,
    );
    order["pickupDetails"] = json!(input.pickup_details);
    order["ltlOrderItem"] = json!({"cost": cost(&quote, "ltlQuoteItem"), "pallets": input.pallets});
    let pickup = stop_address(&input.pickup_details.address, &input.pickup_details.contact);
    let delivery = stop_address(
        &input.delivery_details.address,
        &input.delivery_details.contact,
    );
    Ok(book(
        w,
        Mode::Ltl,
        quote,
        order,
        "ltlOrderItem",
        pickup,
        delivery,
        Some(pallets),
        now,
    ))
}

/// `CreateTrucksOrder`: an FTL order from an FTL quote.
pub fn order_trucks(w: &mut Writer<'_>, input: TrucksOrderRequest) -> Result<Value, DomainError> {
    check_delivery(&input.delivery_details, "deliveryDetails")?;
    check_address(&input.pickup_details.address, "pickupDetails.address")?;
    check_contact(&input.pickup_details.contact, "pickupDetails.contact")?;
    let pallets = count("palletCount", input.pallet_count)?;
    positive("totalWeight", input.total_weight)?;
    let now = w.now();
    let quote = bookable(w.data(), input.quote_id, Mode::Ftl, now)?;
    let mut order = common(
        &input.delivery_details,
        input.quote_id,
        &input.commodity_description,
        &input.customer_reference_number,
    );
    order["pickupDetails"] = json!(input.pickup_details);
    order["ftlOrderItem"] = json!({
        "cost": cost(&quote, "ftlQuoteItem"),
        "totalWeight": input.total_weight,
        "weightUnit": "lb",
        "palletCount": pallets,
    });
    let pickup = stop_address(&input.pickup_details.address, &input.pickup_details.contact);
    let delivery = stop_address(
        &input.delivery_details.address,
        &input.delivery_details.contact,
    );
    Ok(book(
        w,
        Mode::Ftl,
        quote,
        order,
        "ftlOrderItem",
        pickup,
        delivery,
        Some(pallets),
        now,
    ))
}

/// An order by its id as the path gives it; 404 when there is none.
pub fn order<'a>(data: &'a Data, order_id: &str) -> Result<&'a FreightOrder, DomainError> {
    data.freight_orders
        .get(&crate::state::numeric_id(order_id))
        .ok_or_else(|| DomainError::not_found("freight order", order_id))
}

/// Cancels an order before pickup (`BOOKED` or `TENDERED`): 404 for an
/// unknown order, 409 once it is picked up, delivered or cancelled.
pub fn cancel(w: &mut Writer<'_>, order_id: &str, input: CancelRequest) -> Result<(), DomainError> {
    let mut order = order(w.data(), order_id)?.clone();
    let status = order.order["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if !matches!(status.as_str(), "BOOKED" | "TENDERED") {
        return Err(DomainError::conflict(format!(
            "freight order {} is {status}: only an order not yet picked up can be cancelled",
            order.id
        )));
    }
    let now = w.now();
    order.order["status"] = "CANCELLED".into();
    advance_tracking(&mut order.tracking, "CANCELLED", "CANCELLED", now);
    if let Some(reason) = input.cancellation_reason {
        tracing::debug!(order = order.id, reason, "freight order cancelled");
    }
    order.next_step_at = None;
    w.apply(StateChange::FreightOrder(Box::new(order)));
    Ok(())
}

fn advance_tracking(tracking: &mut Value, event_type: &str, bol_status: &str, now: DateTime<Utc>) {
    tracking["bolStatus"] = bol_status.into();
    tracking["updatedAt"] = now.to_rfc3339().into();
    if let Some(events) = tracking["events"].as_array_mut() {
        events.push(json!({"occurredAt": now.to_rfc3339(), "eventType": event_type, "bolStatus": bol_status}));
    }
}

/// `GetOrderDocuments`: the documents of an order's mode, as PDFs the
/// sandbox serves at `/sandbox/documents/`.
pub fn documents(data: &Data, base_url: &str, order_id: &str) -> Result<Value, DomainError> {
    let order = order(data, order_id)?;
    let types: &[&str] = match Mode::of(&order.order) {
        Some(Mode::Drayage) => &["CUSTOMER_BOL", "DELIVERY_ORDER", "PACKING_LIST"],
        _ => &["CUSTOMER_BOL", "PALLET_LABELS"],
    };
    let documents: Vec<Value> = types
        .iter()
        .map(|kind| {
            json!({
                "type": kind,
                "url": format!("{base_url}/sandbox/documents/freight-{}-{}.pdf", order.id, kind.to_lowercase()),
            })
        })
        .collect();
    Ok(json!({"documents": documents}))
}

/// `FreightTrackingInfo` of a bill of lading; 404 when no order has it.
pub fn tracking(data: &Data, bol_id: &str) -> Result<Value, DomainError> {
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
        let (status, event, bol_status, last) = match order.order["status"].as_str() {
            Some("BOOKED") => ("TENDERED", "TENDERED", "TENDERED", false),
            Some("TENDERED") => ("IN_PROGRESS", "PICKED_UP", "IN_TRANSIT", false),
            Some("IN_PROGRESS") => ("COMPLETED", "DELIVERED", "DELIVERED", true),
            _ => {
                order.next_step_at = None;
                w.apply(StateChange::FreightOrder(Box::new(order)));
                continue;
            }
        };
        order.order["status"] = status.into();
        advance_tracking(&mut order.tracking, event, bol_status, now);
        order.next_step_at = (!last).then(|| later(now, step));
        w.apply(StateChange::FreightOrder(Box::new(order)));
    }
}
