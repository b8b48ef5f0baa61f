//! Parcels: a label on creation, quotes, tracking that advances with time
//! (label created → in transit → out for delivery → delivered, one stage per
//! [`Config::parcel_step_after`](crate::Config::parcel_step_after)),
//! cancellation before the parcel ships, and bulk jobs that make their
//! parcels after [`Config::parcel_job_after`](crate::Config::parcel_job_after).

use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types::{self, LengthUnit, WeightUnit};

use super::{Writer, later, required};
use crate::engine::DomainError;
use crate::state::{BulkParcelJob, Data, ParcelRecord, ParcelStage, numeric_id};

/// The carrier every sandbox label is issued by.
pub const CARRIER: &str = "SANDBOX_POST";

/// Sides and weights above these are refused, as no parcel carrier takes them
/// (and the price stays a small finite number).
const MAX_SIDE_INCHES: f64 = 1_000.0;
const MAX_WEIGHT_LBS: f64 = 10_000.0;

/// The `labelFormat` of a typed parcel request as the string it was sent as:
/// the document allows any string there, which decodes as `UnknownValue` and
/// is checked (case-insensitively) by [`check`].
pub fn label_format(format: Option<&types::ShippingLabelFormatParcel>) -> Option<String> {
    format.map(ToString::to_string)
}

/// The parts of a parcel request that creation and bulk jobs share.
pub struct ParcelInput {
    pub customer_parcel_id: Option<String>,
    pub customer_custom_field: Option<String>,
    pub service_level: Option<String>,
    pub ship_to_address: types::DeliverrAddress,
    pub dimensions: types::ParcelDimensions,
    pub label_format: Option<String>,
}

impl ParcelInput {
    pub fn single(input: types::CreateParcelRequest, label_format: Option<String>) -> Self {
        Self {
            customer_parcel_id: input.customer_parcel_id,
            customer_custom_field: input.customer_custom_field,
            service_level: input.service_level,
            ship_to_address: input.ship_to_address,
            dimensions: input.dimensions,
            label_format,
        }
    }

    pub fn bulk(input: types::BulkParcelRequest, label_format: Option<String>) -> Self {
        Self {
            customer_parcel_id: input.customer_parcel_id,
            customer_custom_field: input.customer_custom_field,
            service_level: Some(input.service_level),
            ship_to_address: input.ship_to_address,
            dimensions: input.dimensions,
            label_format,
        }
    }
}

pub fn address(field: &str, address: &types::DeliverrAddress) -> Result<(), DomainError> {
    for (name, value) in [
        ("name", &address.name),
        ("street1", &address.street1),
        ("city", &address.city),
        ("state", &address.state),
        ("zip", &address.zip),
        ("country", &address.country),
    ] {
        required(&format!("{field}.{name}"), value)?;
    }
    Ok(())
}

/// The weight billed for `dimensions`, in pounds: the larger of the actual
/// weight and the dimensional weight (cubic inches / 139), rounded up to a
/// whole pound. Refuses units the sandbox does not know (a newer version's)
/// and sizes that are not positive or beyond any carrier's.
pub fn billed_weight_lbs(
    field: &str,
    dimensions: &types::ParcelDimensions,
) -> Result<f64, DomainError> {
    let Some(inches) = inches_per(&dimensions.length_unit) else {
        return Err(DomainError::invalid_field(
            &format!("{field}.lengthUnit"),
            format!("`{}` is not one of in, cm, mm, m", dimensions.length_unit),
        ));
    };
    let Some(pounds) = pounds_per(&dimensions.weight_unit) else {
        return Err(DomainError::invalid_field(
            &format!("{field}.weightUnit"),
            format!("`{}` is not one of oz, kg, lb, g", dimensions.weight_unit),
        ));
    };
    let mut volume = 1.0;
    for (name, value) in [
        ("height", dimensions.height),
        ("length", dimensions.length),
        ("width", dimensions.width),
    ] {
        let side = value * inches;
        if !(value > 0.0 && side <= MAX_SIDE_INCHES) {
            return Err(DomainError::invalid_field(
                &format!("{field}.{name}"),
                format!("{value} is not a side from 0 to {MAX_SIDE_INCHES} inches"),
            ));
        }
        volume *= side;
    }
    let weight = dimensions.weight * pounds;
    if !(dimensions.weight > 0.0 && weight <= MAX_WEIGHT_LBS) {
        return Err(DomainError::invalid_field(
            &format!("{field}.weight"),
            format!(
                "{} is not a weight from 0 to {MAX_WEIGHT_LBS} lb",
                dimensions.weight
            ),
        ));
    }
    Ok(weight.max(volume / 139.0).ceil())
}

/// The sandbox's rate: 4.50 plus 0.85 per billed pound, more for faster
/// service levels.
pub fn price(service_level: &str, billed_lbs: f64) -> f64 {
    let factor = match service_level.to_ascii_uppercase().as_str() {
        "EXPEDITED" | "PRIORITY" => 1.5,
        "OVERNIGHT" | "NEXT_DAY" => 2.5,
        _ => 1.0,
    };
    ((4.50 + 0.85 * billed_lbs) * factor * 100.0).round() / 100.0
}

const DEFAULT_SERVICE_LEVEL: &str = "STANDARD";

/// The label file's extension: PNG unless ZPL203 is asked for; another
/// format (the document allows any string) is refused.
fn label_extension(field: &str, format: Option<&str>) -> Result<&'static str, DomainError> {
    match format {
        None => Ok("png"),
        Some(text) if text.eq_ignore_ascii_case("PNG") => Ok("png"),
        Some(text) if text.eq_ignore_ascii_case("ZPL203") => Ok("zpl"),
        Some(text) => Err(DomainError::invalid_field(
            field,
            format!("the sandbox makes PNG and ZPL203 labels, not `{text}`"),
        )),
    }
}

/// Everything that makes a parcel, checked; `field` prefixes the names of
/// invalid fields (`parcels[2].`).
pub struct Checked {
    input: ParcelInput,
    service_level: String,
    price: f64,
    extension: &'static str,
}

pub fn check(prefix: &str, input: ParcelInput) -> Result<Checked, DomainError> {
    address(&format!("{prefix}shipToAddress"), &input.ship_to_address)?;
    let billed = billed_weight_lbs(&format!("{prefix}dimensions"), &input.dimensions)?;
    let service_level = match &input.service_level {
        Some(level) => {
            required(&format!("{prefix}serviceLevel"), level)?;
            level.clone()
        }
        None => DEFAULT_SERVICE_LEVEL.to_owned(),
    };
    let extension = label_extension(
        &format!("{prefix}labelFormat"),
        input.label_format.as_deref(),
    )?;
    Ok(Checked {
        price: price(&service_level, billed),
        service_level,
        extension,
        input,
    })
}

pub fn tracking_code(parcel_id: u64) -> String {
    format!("SBX{parcel_id:012}")
}

/// Makes a checked parcel with the next id: its label is issued now.
fn make(w: &mut Writer<'_>, checked: Checked, now: DateTime<Utc>) -> types::Parcel {
    let id = Data::next_id(&w.data().parcels);
    let code = tracking_code(id);
    let base = &w.store.base_url;
    let ship_to = checked.input.ship_to_address;
    let parcel = types::Parcel {
        carrier_barcode: Some(format!("420{}{code}", ship_to.zip)),
        carrier_code: CARRIER.to_owned(),
        customer_custom_field: checked.input.customer_custom_field,
        customer_reference_id: checked.input.customer_parcel_id,
        flexport_tracking_url: Some(format!("{base}/sandbox/tracking/{code}")),
        package_tracking_url: format!("{base}/sandbox/carrier/{code}"),
        parcel_id: id.to_string(),
        price: checked.price,
        service_level: checked.service_level,
        shipping_label_url: format!("{base}/sandbox/labels/{id}.{}", checked.extension),
        status: types::ParcelApiStatus::Ok,
        tracking_code: code,
    };
    let step = w.config().parcel_step_after;
    let record = ParcelRecord {
        parcel: parcel.clone(),
        ship_to,
        stage: ParcelStage::LabelCreated,
        tracking: types::TrackingResultTimestamps {
            arrival_scan_time: None,
            attempted_delivery_time: None,
            delivery_time: None,
            estimated_delivery_time: Some(later(now, step * 3)),
            facility_time: None,
            label_time: Some(now),
            last_tracking_event_time: Some(now),
            last_tracking_ingestion_time: Some(now),
        },
        next_at: Some(later(now, step)),
    };
    emit_tracking(w, &record, now);
    w.apply(crate::state::StateChange::Parcel(Box::new(record)));
    parcel
}

/// The one package an order ships in, as Flexport labels it: a parcel of
/// the sandbox carrier to the order's address (so its tracking code is
/// tracked like any parcel's), sized to hold the order's units, and the
/// label of the order's package made from that parcel. Returns the label
/// and the parcel's price.
pub fn order_package(
    w: &mut Writer<'_>,
    order: &types::OrderModel,
    now: DateTime<Utc>,
) -> (types::PackageLabel, f64) {
    let dimensions = package_dimensions(w.data(), &order.line_items);
    let to = &order.address;
    let ship_to = types::DeliverrAddress {
        city: to.city.clone(),
        company: to.company.clone(),
        country: to.country_code.clone(),
        email: None,
        is_residential: None,
        name: to.name.clone().unwrap_or_default(),
        phone: Some(to.phone.clone()).filter(|phone| !phone.is_empty()),
        state: to.province_code.clone(),
        street1: to.address1.clone(),
        street2: to.address2.clone(),
        zip: to.zip.clone(),
    };
    // Sides and weight are within the carrier's limits by construction.
    let billed = billed_weight_lbs("dimensions", &dimensions).unwrap_or(1.0);
    let checked = Checked {
        price: price(DEFAULT_SERVICE_LEVEL, billed),
        service_level: DEFAULT_SERVICE_LEVEL.to_owned(),
        extension: "png",
        input: ParcelInput {
            customer_parcel_id: Some(format!("order-{}", order.id)),
            customer_custom_field: None,
            service_level: None,
            ship_to_address: ship_to,
            dimensions: dimensions.clone(),
            label_format: None,
        },
    };
    let parcel = make(w, checked, now);
    let label = types::PackageLabel {
        carrier: parcel.carrier_code,
        created_at: Some(now),
        id: parcel.parcel_id,
        label_format: Some(types::LabelFormat::Png),
        label_url: Some(parcel.shipping_label_url),
        package_dimensions: types::Dimensions {
            height: dimensions.height,
            length: dimensions.length,
            length_unit: dimensions.length_unit,
            weight: dimensions.weight,
            weight_unit: dimensions.weight_unit,
            width: dimensions.width,
        },
        shipping_method: Some(parcel.service_level),
        tracking_code: parcel.tracking_code,
        tracking_url: Some(parcel.package_tracking_url),
    };
    (label, parcel.price)
}

/// A box in inches and pounds that holds `lines`: the longest length and
/// width of their products, their heights stacked and their weights summed,
/// per unit; a product without dimensions counts as 10 × 8 × 4 in and 1 lb.
/// Kept within the carrier's limits.
fn package_dimensions(data: &Data, lines: &[types::OrderLineItem]) -> types::ParcelDimensions {
    let (mut length, mut width, mut height, mut weight) = (0.0_f64, 0.0_f64, 0.0, 0.0);
    for line in lines {
        let (l, wd, h, lbs) = data
            .products
            .get(&line.logistics_sku)
            .and_then(|product| product.dimensions.as_ref())
            .and_then(inches_and_pounds)
            .unwrap_or((10.0, 8.0, 4.0, 1.0));
        length = length.max(l);
        width = width.max(wd);
        height += h * line.quantity as f64;
        weight += lbs * line.quantity as f64;
    }
    let side = |value: f64| ((value * 100.0).round() / 100.0).clamp(0.01, MAX_SIDE_INCHES);
    types::ParcelDimensions {
        height: side(height),
        length: side(length),
        length_unit: LengthUnit::In,
        weight: ((weight * 100.0).round() / 100.0).clamp(0.01, MAX_WEIGHT_LBS),
        weight_unit: WeightUnit::Lb,
        width: side(width),
    }
}

/// A product's sides in inches and weight in pounds; `None` for units the
/// sandbox does not know.
fn inches_and_pounds(dimensions: &types::Dimension) -> Option<(f64, f64, f64, f64)> {
    let inches = inches_per(&dimensions.length_unit)?;
    let pounds = pounds_per(&dimensions.weight_unit)?;
    Some((
        dimensions.length * inches,
        dimensions.width * inches,
        dimensions.height * inches,
        dimensions.weight * pounds,
    ))
}

fn inches_per(unit: &LengthUnit) -> Option<f64> {
    Some(match unit {
        LengthUnit::In => 1.0,
        LengthUnit::Cm => 1.0 / 2.54,
        LengthUnit::Mm => 1.0 / 25.4,
        LengthUnit::M => 100.0 / 2.54,
        LengthUnit::UnknownValue(_) => return None,
    })
}

fn pounds_per(unit: &WeightUnit) -> Option<f64> {
    Some(match unit {
        WeightUnit::Lb => 1.0,
        WeightUnit::Oz => 1.0 / 16.0,
        WeightUnit::Kg => 2.204_622_621_8,
        WeightUnit::G => 0.002_204_622_621_8,
        WeightUnit::UnknownValue(_) => return None,
    })
}

pub fn create(w: &mut Writer<'_>, input: ParcelInput) -> Result<types::Parcel, DomainError> {
    let checked = check("", input)?;
    Ok(make(w, checked, w.now()))
}

pub fn quote(input: types::CreateQuoteRequest) -> Result<types::ParcelQuoteResponse, DomainError> {
    address("shipToAddress", &input.ship_to_address)?;
    required("serviceLevel", &input.service_level)?;
    let billed = billed_weight_lbs("dimensions", &input.dimensions)?;
    let mut warnings = Vec::new();
    if billed > input.dimensions.weight {
        warnings.push(format!(
            "billed by dimensional weight: {billed} lb, more than the parcel's actual weight"
        ));
    }
    Ok(types::ParcelQuoteResponse {
        billed_weight_lbs: billed,
        price: price(&input.service_level, billed),
        service_level: input.service_level,
        dimensions: input.dimensions,
        warnings,
    })
}

pub fn find<'d>(data: &'d Data, parcel_id: &str) -> Result<&'d ParcelRecord, DomainError> {
    data.parcels
        .get(&numeric_id(parcel_id))
        .ok_or_else(|| DomainError::not_found("parcel", parcel_id))
}

pub fn find_by_tracking_code<'d>(
    data: &'d Data,
    code: &str,
) -> Result<&'d ParcelRecord, DomainError> {
    // Codes are `SBX` and the parcel id; anything else names no parcel.
    code.strip_prefix("SBX")
        .and_then(|digits| digits.parse::<u64>().ok())
        .and_then(|id| data.parcels.get(&id))
        .filter(|record| record.parcel.tracking_code == code)
        .ok_or_else(|| {
            DomainError::new(
                crate::engine::Kind::NotFound,
                format!("no parcel with tracking code `{code}`"),
            )
        })
}

/// The tracking status the API reports for each stage.
pub fn status(stage: ParcelStage) -> &'static str {
    match stage {
        ParcelStage::LabelCreated => "LABEL_CREATED",
        ParcelStage::InTransit => "IN_TRANSIT",
        ParcelStage::OutForDelivery => "OUT_FOR_DELIVERY",
        ParcelStage::Delivered => "DELIVERED",
        ParcelStage::Cancelled => "CANCELLED",
    }
}

fn message(stage: ParcelStage) -> &'static str {
    match stage {
        ParcelStage::LabelCreated => "Shipping label created",
        ParcelStage::InTransit => "Accepted at the sandbox carrier facility; in transit",
        ParcelStage::OutForDelivery => "Out for delivery",
        ParcelStage::Delivered => "Delivered",
        ParcelStage::Cancelled => "Label cancelled",
    }
}

pub fn tracking(record: &ParcelRecord) -> types::ParcelTracking {
    let parcel = &record.parcel;
    types::ParcelTracking {
        carrier_barcode: parcel.carrier_barcode.clone(),
        carrier_code: Some(parcel.carrier_code.clone()),
        customer_custom_field: parcel.customer_custom_field.clone(),
        customer_reference_id: parcel.customer_reference_id.clone(),
        error_message: None,
        errors: None,
        event_timestamps: Some(record.tracking.clone()),
        expired_tracking_data: Vec::new(),
        flexport_tracking_url: parcel.flexport_tracking_url.clone(),
        package_tracking_url: Some(parcel.package_tracking_url.clone()),
        parcel_id: Some(parcel.parcel_id.clone()),
        shipping_label_url: Some(parcel.shipping_label_url.clone()),
        status: Some(status(record.stage).to_owned()),
        tracking_code: Some(parcel.tracking_code.clone()),
    }
}

/// A `ParcelTrackingUpdated` event for the record's stage.
fn emit_tracking(w: &mut Writer<'_>, record: &ParcelRecord, now: DateTime<Utc>) {
    w.emit::<types::ParcelTrackingUpdatedEvent>(|event| {
        event
            .tracking_code(record.parcel.tracking_code.clone())
            .status(status(record.stage))
            .message(message(record.stage))
            .event_time(now.to_rfc3339())
            .location(record_address(record))
    });
}

/// Where the stage happened: the sandbox facility until the parcel goes out
/// for delivery.
fn record_address(record: &ParcelRecord) -> types::EventLocation {
    match record.stage {
        ParcelStage::OutForDelivery | ParcelStage::Delivered => {
            let to = &record.ship_to;
            types::EventLocation {
                city: Some(to.city.clone()),
                state: Some(to.state.clone()),
                country: Some(to.country.clone()),
                zip: Some(to.zip.clone()),
            }
        }
        _ => types::EventLocation {
            city: Some("Reno".to_owned()),
            state: Some("NV".to_owned()),
            country: Some("US".to_owned()),
            zip: Some("89501".to_owned()),
        },
    }
}

/// Cancels a parcel that has not shipped (its label is voided); one that is
/// in transit or delivered gets 409. Cancelling twice is not an error.
pub fn cancel(w: &mut Writer<'_>, parcel_id: &str) -> Result<(), DomainError> {
    required("parcelId", parcel_id)?;
    let Some(record) = w.data().parcels.get(&numeric_id(parcel_id)) else {
        // CancelParcel documents no 404.
        return Err(DomainError::unprocessable(format!(
            "no parcel with id `{parcel_id}`"
        )));
    };
    let mut record = record.clone();
    match record.stage {
        ParcelStage::Cancelled => return Ok(()),
        ParcelStage::LabelCreated => {}
        stage => {
            return Err(DomainError::conflict(format!(
                "parcel {parcel_id} is {}: only a parcel that has not shipped can be cancelled",
                status(stage)
            )));
        }
    }
    let now = w.now();
    record.stage = ParcelStage::Cancelled;
    record.next_at = None;
    record.tracking.last_tracking_event_time = Some(now);
    record.tracking.last_tracking_ingestion_time = Some(now);
    record.tracking.estimated_delivery_time = None;
    emit_tracking(w, &record, now);
    w.apply(crate::state::StateChange::Parcel(Box::new(record)));
    Ok(())
}

/// Finishes the bulk jobs whose time has come, then moves parcels along.
pub fn tick(w: &mut Writer<'_>, now: DateTime<Utc>) {
    finish_due_jobs(w, now);
    advance_due(w, now);
}

/// Moves every parcel whose time has come to its next stage.
pub fn advance_due(w: &mut Writer<'_>, now: DateTime<Utc>) {
    let due: Vec<ParcelRecord> = w
        .data()
        .parcels
        .values()
        .filter(|record| record.next_at.is_some_and(|at| at <= now))
        .cloned()
        .collect();
    let step = w.config().parcel_step_after;
    for mut record in due {
        let (stage, next_at) = match record.stage {
            ParcelStage::LabelCreated => {
                record.tracking.arrival_scan_time = Some(now);
                record.tracking.facility_time = Some(now);
                (ParcelStage::InTransit, Some(later(now, step)))
            }
            ParcelStage::InTransit => (ParcelStage::OutForDelivery, Some(later(now, step))),
            ParcelStage::OutForDelivery => {
                record.tracking.delivery_time = Some(now);
                (ParcelStage::Delivered, None)
            }
            // Never scheduled.
            ParcelStage::Delivered | ParcelStage::Cancelled => (record.stage, None),
        };
        record.stage = stage;
        record.next_at = next_at;
        record.tracking.last_tracking_event_time = Some(now);
        record.tracking.last_tracking_ingestion_time = Some(now);
        emit_tracking(w, &record, now);
        w.apply(crate::state::StateChange::Parcel(Box::new(record)));
    }
}

/// Checks every parcel of a bulk job and queues the job; its parcels are
/// made when it finishes.
pub fn create_job(
    w: &mut Writer<'_>,
    input: types::BulkParcelJobRequest,
) -> Result<types::BulkParcelJobResponse, DomainError> {
    if input.parcels.is_empty() {
        return Err(DomainError::invalid_field(
            "parcels",
            "a bulk job needs at least one parcel",
        ));
    }
    let mut requests = Vec::with_capacity(input.parcels.len());
    for (i, parcel) in input.parcels.into_iter().enumerate() {
        let format = label_format(parcel.label_format.as_ref());
        check(
            &format!("parcels[{i}]."),
            ParcelInput::bulk(parcel.clone(), format.clone()),
        )?;
        requests.push((parcel, format));
    }
    let id = Data::next_id(&w.data().parcel_jobs);
    let job = types::BulkParcelJobResponse {
        job_id: id.to_string(),
        labels_url: None,
        parcels: Vec::new(),
        status: JOB_PENDING.to_owned(),
    };
    w.apply(crate::state::StateChange::BulkParcelJob(Box::new(
        BulkParcelJob {
            job: job.clone(),
            requests,
            finish_at: Some(later(w.now(), w.config().parcel_job_after)),
        },
    )));
    Ok(job)
}

pub const JOB_PENDING: &str = "PENDING";
pub const JOB_COMPLETED: &str = "COMPLETED";

pub fn find_job<'d>(data: &'d Data, id: &str) -> Result<&'d BulkParcelJob, DomainError> {
    // The document types the id as a number: `7.0` names job 7.
    id.parse::<f64>()
        .ok()
        .filter(|id| id.fract() == 0.0 && *id >= 0.0 && *id < u64::MAX as f64)
        .and_then(|id| data.parcel_jobs.get(&(id as u64)))
        .ok_or_else(|| DomainError::not_found("bulk parcel job", id))
}

/// Finishes every job whose time has come: each of its parcels is made
/// (and starts its own tracking), and the job lists them.
pub fn finish_due_jobs(w: &mut Writer<'_>, now: DateTime<Utc>) {
    let due: Vec<BulkParcelJob> = w
        .data()
        .parcel_jobs
        .values()
        .filter(|job| job.finish_at.is_some_and(|at| at <= now))
        .cloned()
        .collect();
    for mut job in due {
        let mut parcels = Vec::with_capacity(job.requests.len());
        for (i, (request, format)) in std::mem::take(&mut job.requests).into_iter().enumerate() {
            let parcel = match check(
                &format!("parcels[{i}]."),
                ParcelInput::bulk(request, format),
            ) {
                Ok(checked) => {
                    let parcel = make(w, checked, now);
                    types::BulkParcelJobParcel {
                        carrier_code: parcel.carrier_code,
                        error_messages: String::new(),
                        integration_channel_parcel_id: parcel.parcel_id,
                        parcel_status: "OK".to_owned(),
                        ship_date: now,
                        tracking_number: parcel.tracking_code,
                    }
                }
                // Checked when the job was created; only an edited state
                // file gets here.
                Err(problem) => types::BulkParcelJobParcel {
                    carrier_code: CARRIER.to_owned(),
                    error_messages: problem.detail,
                    integration_channel_parcel_id: String::new(),
                    parcel_status: "ERROR".to_owned(),
                    ship_date: now,
                    tracking_number: String::new(),
                },
            };
            parcels.push(parcel);
        }
        job.job.parcels = parcels;
        job.job.status = JOB_COMPLETED.to_owned();
        job.job.labels_url = Some(format!(
            "{}/sandbox/labels/jobs/{}.zpl",
            w.store.base_url, job.job.job_id
        ));
        job.finish_at = None;
        w.apply(crate::state::StateChange::BulkParcelJob(Box::new(job)));
    }
}

/// The parcel's label as ZPL (for 203 dpi printers): carrier, service level,
/// address and a Code 128 barcode of the tracking code. Characters that
/// start ZPL commands (`^`, `~`) and control characters in the address are
/// replaced by spaces, so an address cannot add commands to the label.
pub fn zpl(record: &ParcelRecord) -> String {
    let text = |value: &str| -> String {
        value
            .chars()
            .map(|c| {
                if c == '^' || c == '~' || c.is_control() {
                    ' '
                } else {
                    c
                }
            })
            .collect()
    };
    let to = &record.ship_to;
    let parcel = &record.parcel;
    let lines = [
        format!("{} {}", parcel.carrier_code, text(&parcel.service_level)),
        text(&to.name),
        text(&to.street1),
        text(to.street2.as_deref().unwrap_or("")),
        text(&format!(
            "{}, {} {} {}",
            to.city, to.state, to.zip, to.country
        )),
    ];
    let mut zpl = String::from("^XA\n^CI28\n");
    for (i, line) in lines.iter().enumerate() {
        zpl.push_str(&format!("^FO50,{}^A0N,30,30^FD{line}^FS\n", 50 + i * 45));
    }
    zpl.push_str(&format!(
        "^FO50,320^BCN,150,Y,N,N^FD{}^FS\n^XZ\n",
        parcel.tracking_code
    ));
    zpl
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dimensions(
        side: f64,
        length_unit: LengthUnit,
        weight: f64,
        weight_unit: WeightUnit,
    ) -> types::ParcelDimensions {
        types::ParcelDimensions {
            height: side,
            length: side,
            length_unit,
            weight,
            weight_unit,
            width: side,
        }
    }

    #[test]
    fn the_billed_weight_is_the_larger_of_actual_and_dimensional_in_whole_pounds() {
        // 10 in cube: 1000 in³ / 139 = 7.2 lb, more than 1 lb actual.
        let cube = dimensions(10.0, LengthUnit::In, 1.0, WeightUnit::Lb);
        assert_eq!(billed_weight_lbs("d", &cube).unwrap(), 8.0);
        // The same cube in centimetres, and a heavy small box in kilograms.
        let cube = dimensions(25.4, LengthUnit::Cm, 16.0, WeightUnit::Oz);
        assert_eq!(billed_weight_lbs("d", &cube).unwrap(), 8.0);
        let heavy = dimensions(0.1, LengthUnit::M, 10.0, WeightUnit::Kg);
        assert_eq!(billed_weight_lbs("d", &heavy).unwrap(), 23.0);
        let grams = dimensions(10.0, LengthUnit::Mm, 500.0, WeightUnit::G);
        assert_eq!(billed_weight_lbs("d", &grams).unwrap(), 2.0);
    }

    #[test]
    fn sizes_that_are_not_positive_finite_or_within_a_carrier_s_are_refused() {
        for (side, weight) in [
            (0.0, 1.0),
            (-1.0, 1.0),
            (f64::NAN, 1.0),
            (f64::INFINITY, 1.0),
            (1_001.0, 1.0),
            (1.0, 0.0),
            (1.0, f64::NAN),
            (1.0, 10_001.0),
        ] {
            let parcel = dimensions(side, LengthUnit::In, weight, WeightUnit::Lb);
            let problem = billed_weight_lbs("dimensions", &parcel).unwrap_err();
            assert_eq!(
                problem.kind,
                crate::engine::Kind::Invalid,
                "{side} {weight}"
            );
            assert!(
                problem.detail.starts_with("`dimensions."),
                "{}",
                problem.detail
            );
        }
    }

    #[test]
    fn label_formats_are_png_or_zpl_in_any_case() {
        assert_eq!(label_extension("f", None).unwrap(), "png");
        assert_eq!(label_extension("f", Some("png")).unwrap(), "png");
        assert_eq!(label_extension("f", Some("ZPL203")).unwrap(), "zpl");
        assert!(label_extension("f", Some("PDF")).is_err());
        assert!(label_extension("f", Some("")).is_err());
    }
}
