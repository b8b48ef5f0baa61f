use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::Uri;
use flexport_logistics_2024_04::types;

use super::{JsonBody, QueryPairs, Reply, Tx};
use crate::engine;
use crate::error_answer::ErrorAnswer;
use crate::state::numeric_id;
use crate::store::Store;

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::CreateInboundShipmentRequest>,
) -> Reply<types::InboundShipmentResponseV4> {
    tx.run(&store, |w| engine::inbounds::create(w, input))
}

pub async fn list(
    State(store): State<Arc<Store>>,
    uri: Uri,
) -> Reply<Vec<types::InboundShipmentResponseV4>> {
    let query = QueryPairs::from_uri(&uri);
    let mut ids = Vec::new();
    for text in query.all("shipmentIds") {
        let id: u64 = text.parse().map_err(|_| {
            ErrorAnswer::invalid_field("shipmentIds", format!("`{text}` is not a shipment id"))
        })?;
        ids.push(id);
    }
    if ids.is_empty() {
        return Err(ErrorAnswer::invalid_field(
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
        .ok_or_else(|| ErrorAnswer::not_found("inbound shipment", &shipment_id))
}

// Quotes, purchases, transfer documents and updates.

/// The optional `shippingOption` query parameter; 400 for an undeclared value.
fn shipping_option(uri: &Uri) -> Result<Option<types::InboundShippingOption>, ErrorAnswer> {
    QueryPairs::from_uri(uri)
        .all("shippingOption")
        .next()
        .map(|text| {
            text.parse().map_err(|_| {
                ErrorAnswer::invalid_field(
                    "shippingOption",
                    format!("`{text}` is not a shipping option"),
                )
            })
        })
        .transpose()
}

pub async fn init_quotes(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path(shipment_id): Path<String>,
    uri: Uri,
) -> Reply<types::InboundRateQuoteResult> {
    let option = shipping_option(&uri)?;
    tx.run(&store, |w| {
        engine::inbounds::init_quotes(w, &shipment_id, option)
    })
}

pub async fn quotes(
    State(store): State<Arc<Store>>,
    Path(shipment_id): Path<String>,
    uri: Uri,
) -> Reply<types::QuoteResultResponse> {
    let option = shipping_option(&uri)?;
    engine::inbounds::quotes(&store.read(), &shipment_id, option, false)
        .map(axum::Json)
        .map_err(ErrorAnswer::from)
}

pub async fn buy_quotes(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path(shipment_id): Path<String>,
    JsonBody(input): JsonBody<types::PurchaseQuotesRequest>,
) -> Reply<types::InboundRateBuyResult> {
    tx.run(&store, |w| engine::inbounds::buy(w, &shipment_id, input))
}

pub async fn bought_quotes(
    State(store): State<Arc<Store>>,
    Path(shipment_id): Path<String>,
    uri: Uri,
) -> Reply<types::QuoteResultResponse> {
    let option = shipping_option(&uri)?;
    engine::inbounds::quotes(&store.read(), &shipment_id, option, true)
        .map(axum::Json)
        .map_err(ErrorAnswer::from)
}

pub async fn transfer_document(
    State(store): State<Arc<Store>>,
    Path(shipment_id): Path<String>,
    uri: Uri,
) -> Reply<types::DocumentResponse> {
    let query = QueryPairs::from_uri(&uri);
    engine::inbounds::transfer_document(
        &store.read(),
        &store.base_url,
        &shipment_id,
        query.all("documentOption").next(),
        query.all("documentFormat").next(),
    )
    .map(axum::Json)
    .map_err(ErrorAnswer::from)
}

pub async fn update(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path(shipment_id): Path<String>,
    JsonBody(input): JsonBody<types::UpdateInboundShipmentRequest>,
) -> Reply<types::InboundShipmentResponseV3> {
    tx.run(&store, |w| engine::inbounds::update(w, &shipment_id, input))
}
