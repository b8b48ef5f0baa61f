use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::Uri;
use flexport_logistics_2024_04::types;

use super::{JsonBody, QueryPairs, Reply, Tx};
use crate::engine;
use crate::error_answer::ErrorAnswer;
use crate::state::Data;
use crate::store::Store;

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::CreateProductModel>,
) -> Reply<types::ApiProductResponse> {
    tx.run(&store, |w| engine::products::create(w, input))
}

pub async fn list(
    State(store): State<Arc<Store>>,
    uri: Uri,
) -> Reply<Vec<types::ApiProductResponse>> {
    let data = store.read();
    Ok(axum::Json(
        QueryPairs::from_uri(&uri).page(data.products.values().cloned())?,
    ))
}

pub async fn get(
    State(store): State<Arc<Store>>,
    Path(logistics_sku): Path<String>,
) -> Reply<types::ApiProductResponse> {
    store
        .read()
        .products
        .get(&logistics_sku)
        .cloned()
        .map(axum::Json)
        .ok_or_else(|| ErrorAnswer::not_found("product", &logistics_sku))
}

pub async fn inventory(
    State(store): State<Arc<Store>>,
    Path(logistics_sku): Path<String>,
) -> Reply<types::ApiInventoryResponse> {
    let data = store.read();
    if !data.products.contains_key(&logistics_sku) {
        return Err(ErrorAnswer::not_found("product", &logistics_sku));
    }
    Ok(axum::Json(inventory_of(&data, &logistics_sku)))
}

pub async fn all_inventory(
    State(store): State<Arc<Store>>,
    uri: Uri,
) -> Reply<Vec<types::ApiInventoryResponse>> {
    let data = store.read();
    let all = data.products.keys().map(|sku| inventory_of(&data, sku));
    Ok(axum::Json(QueryPairs::from_uri(&uri).page(all)?))
}

fn inventory_of(data: &Data, logistics_sku: &str) -> types::ApiInventoryResponse {
    let stock = data.stock(logistics_sku);
    types::ApiInventoryResponse {
        logistics_sku: logistics_sku.parse().ok(),
        on_hand: crate::engine::count(stock.on_hand),
        available: crate::engine::count(stock.available),
        unavailable: crate::engine::count(stock.on_hand - stock.available),
        units_per_pack: None,
        lot_tracking_details: Vec::new(),
        breakdown: Vec::new(),
    }
}
