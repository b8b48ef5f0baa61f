//! Parcels: labels, quotes, tracking, cancellation and bulk jobs.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Router};
use flexport_logistics_2024_04::types;

use super::{JsonBody, Reply, Tx};
use crate::engine::{self, parcels};
use crate::problem::Problem;
use crate::state::Store;

pub fn routes() -> Router<Arc<Store>> {
    // `/parcels/quote`, `/parcels/cancel` and `/parcels/jobs` are also what
    // `GET /parcels/{parcelId}` with those ids looks like: it names no parcel.
    Router::new()
        .route("/parcels", post(create))
        .route("/parcels/quote", post(quote).get(no_parcel))
        .route("/parcels/cancel", post(cancel).get(no_parcel))
        .route("/parcels/jobs", post(create_job).get(no_parcel))
        .route("/parcels/jobs/{id}", get(get_job))
        .route("/parcels/{parcel_id}", get(get_parcel))
        .route("/parcels/{parcel_id}/tracking", get(tracking))
        .route("/parcels/{parcel_id}/tracking_url", get(tracking_url))
        .route("/parcels/tracking/{tracking_code}", get(tracking_by_code))
}

async fn no_parcel(uri: axum::http::Uri) -> Problem {
    let id = uri.path().rsplit('/').next().unwrap_or_default().to_owned();
    Problem::not_found("parcel", &id)
}

async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::CreateParcelRequestUnstable>,
) -> Reply<types::Parcel> {
    tx.run(&store, |w| parcels::create(w, input))
}

async fn quote(
    JsonBody(input): JsonBody<types::CreateQuoteRequest>,
) -> Reply<types::ParcelQuoteResponse> {
    parcels::quote(input).map(axum::Json)
}

async fn cancel(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::CancelParcelRequest>,
) -> Result<StatusCode, Problem> {
    tx.run_raw(&store, |w| engine::parcels::cancel(w, &input.parcel_id))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_parcel(
    State(store): State<Arc<Store>>,
    Path(parcel_id): Path<String>,
) -> Reply<types::Parcel> {
    parcels::find(&store.read(), &parcel_id).map(|record| axum::Json(record.parcel.clone()))
}

async fn tracking(
    State(store): State<Arc<Store>>,
    Path(parcel_id): Path<String>,
) -> Reply<types::ParcelTracking> {
    parcels::find(&store.read(), &parcel_id).map(|record| axum::Json(parcels::tracking(record)))
}

async fn tracking_by_code(
    State(store): State<Arc<Store>>,
    Path(code): Path<String>,
) -> Reply<types::ParcelTracking> {
    parcels::find_by_tracking_code(&store.read(), &code)
        .map(|record| axum::Json(parcels::tracking(record)))
}

async fn tracking_url(
    State(store): State<Arc<Store>>,
    Path(parcel_id): Path<String>,
) -> Reply<String> {
    parcels::find(&store.read(), &parcel_id)
        .map(|record| axum::Json(record.parcel.package_tracking_url.clone()))
}

async fn create_job(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::BulkParcelJobRequest>,
) -> Reply<types::BulkParcelJobResponse> {
    tx.run(&store, |w| parcels::create_job(w, input))
}

async fn get_job(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
) -> Reply<types::BulkParcelJobResponse> {
    parcels::find_job(&store.read(), &id).map(|job| axum::Json(job.job.clone()))
}
