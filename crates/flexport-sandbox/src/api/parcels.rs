//! Parcels: labels, quotes, tracking, cancellation and bulk jobs.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use flexport_logistics_2024_04::types;
use serde_json::Value;

use super::{JsonBody, Reply, Tx};
use crate::engine::{self, parcels};
use crate::error_answer::ErrorAnswer;
use crate::state::ParcelStage;
use crate::store::Store;

/// The documents the sandbox hands out URLs for, outside the API (no token
/// needed, like a carrier's links):
/// - labels: `/sandbox/labels/{id}.png` and `.zpl` for a parcel (404 once
///   cancelled), `returns/{id}.png` for a return's sandbox label,
///   `jobs/{id}.zpl` for all labels of a finished bulk job in one ZPL
///   document; every PNG is the same sample label;
/// - tracking pages: `/sandbox/tracking/{code}` and `/sandbox/carrier/{code}`
///   for a parcel's or a sandbox return label's tracking code, as plain text.
pub fn public_routes() -> Router<Arc<Store>> {
    Router::new()
        .route("/sandbox/labels/{*file}", get(label))
        .route("/sandbox/tracking/{code}", get(tracking_page))
        .route("/sandbox/carrier/{code}", get(tracking_page))
}

async fn tracking_page(State(store): State<Arc<Store>>, Path(code): Path<String>) -> Response {
    let data = store.read();
    let page = if let Ok(record) = parcels::find_by_tracking_code(&data, &code) {
        let times = &record.tracking;
        let mut page = format!(
            "{} {}: {}\n",
            record.parcel.carrier_code,
            code,
            parcels::status(record.stage)
        );
        for (what, time) in [
            ("label created", times.label_time),
            ("in transit", times.arrival_scan_time),
            ("delivered", times.delivery_time),
        ] {
            if let Some(time) = time {
                page.push_str(&format!("{what}: {}\n", time.to_rfc3339()));
            }
        }
        page
    } else if let Some(record) = data.returns.values().find(|record| {
        record.order.shipping_label.tracking_code == code
            && record.order.shipping_label.carrier == parcels::CARRIER
    }) {
        let label = &record.order.shipping_label;
        format!("{} {}: {}\n", label.carrier, code, label.tracking_status)
    } else {
        return ErrorAnswer::new(
            StatusCode::NOT_FOUND,
            "no parcel or return with this tracking code",
        )
        .into_response();
    };
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], page).into_response()
}

const SAMPLE_LABEL_PNG: &[u8] = include_bytes!("../../assets/label.png");

async fn label(State(store): State<Arc<Store>>, Path(file): Path<String>) -> Response {
    let url = format!("{}/sandbox/labels/{file}", store.base_url);
    let data = store.read();
    let png = || ([(header::CONTENT_TYPE, "image/png")], SAMPLE_LABEL_PNG).into_response();
    let zpl = |text: String| {
        ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
    };
    if let Some(record) = data.parcels.values().find(|record| {
        record.parcel.shipping_label_url == url && record.stage != ParcelStage::Cancelled
    }) {
        return if file.ends_with(".zpl") {
            zpl(parcels::zpl(record))
        } else {
            png()
        };
    }
    if data
        .returns
        .values()
        .any(|record| record.order.shipping_label.label_url.as_deref() == Some(&url))
    {
        return png();
    }
    if let Some(job) = data
        .parcel_jobs
        .values()
        .find(|job| job.job.labels_url.as_deref() == Some(&url))
    {
        let text = job
            .job
            .parcels
            .iter()
            .filter_map(|made| parcels::find(&data, &made.integration_channel_parcel_id).ok())
            .map(parcels::zpl)
            .collect();
        return zpl(text);
    }
    ErrorAnswer::not_found("label", &file).into_response()
}

/// The typed request in `value`; a value that does not fit gets a 400
/// naming the offending field, as [`JsonBody`] does.
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ErrorAnswer> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        ErrorAnswer::invalid_field(&field, error.into_inner())
    })
}

pub(super) async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(request): JsonBody<Value>,
) -> Reply<types::Parcel> {
    let request: types::CreateParcelRequest = typed(request)?;
    let format = parcels::label_format(request.label_format.as_ref());
    let input = parcels::ParcelInput::single(request, format);
    tx.run(&store, |w| parcels::create(w, input))
}

pub(super) async fn quote(
    JsonBody(input): JsonBody<types::CreateQuoteRequest>,
) -> Reply<types::ParcelQuoteResponse> {
    parcels::quote(input)
        .map(axum::Json)
        .map_err(ErrorAnswer::from)
}

pub(super) async fn cancel(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::CancelParcelRequest>,
) -> Result<StatusCode, ErrorAnswer> {
    tx.run_raw(&store, |w| engine::parcels::cancel(w, &input.parcel_id))?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn get_parcel(
    State(store): State<Arc<Store>>,
    Path(parcel_id): Path<String>,
) -> Reply<types::Parcel> {
    parcels::find(&store.read(), &parcel_id)
        .map(|record| axum::Json(record.parcel.clone()))
        .map_err(ErrorAnswer::from)
}

pub(super) async fn tracking(
    State(store): State<Arc<Store>>,
    Path(parcel_id): Path<String>,
) -> Reply<types::ParcelTracking> {
    parcels::find(&store.read(), &parcel_id)
        .map(|record| axum::Json(parcels::tracking(record)))
        .map_err(ErrorAnswer::from)
}

pub(super) async fn tracking_by_code(
    State(store): State<Arc<Store>>,
    Path(code): Path<String>,
) -> Reply<types::ParcelTracking> {
    parcels::find_by_tracking_code(&store.read(), &code)
        .map(|record| axum::Json(parcels::tracking(record)))
        .map_err(ErrorAnswer::from)
}

pub(super) async fn tracking_url(
    State(store): State<Arc<Store>>,
    Path(parcel_id): Path<String>,
) -> Reply<String> {
    parcels::find(&store.read(), &parcel_id)
        .map(|record| axum::Json(record.parcel.package_tracking_url.clone()))
        .map_err(ErrorAnswer::from)
}

pub(super) async fn create_job(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(request): JsonBody<Value>,
) -> Reply<types::BulkParcelJobResponse> {
    let input: types::BulkParcelJobRequest = typed(request)?;
    tx.run(&store, |w| parcels::create_job(w, input))
}

pub(super) async fn get_job(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
) -> Reply<types::BulkParcelJobResponse> {
    parcels::find_job(&store.read(), &id)
        .map(|job| axum::Json(job.job.clone()))
        .map_err(ErrorAnswer::from)
}
