use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::Uri;
use flexport_logistics_2024_04::types;

use super::{JsonBody, QueryPairs, Reply, Tx};
use crate::engine;
use crate::problem::Problem;
use crate::state::{Store, numeric_id};

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::CreateInboundShipmentRequestV4>,
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
