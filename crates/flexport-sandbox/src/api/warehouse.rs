use std::sync::Arc;

use axum::extract::State;
use axum::http::Uri;
use flexport_logistics_2024_04::types;

use super::{JsonBody, QueryPairs, Reply};
use crate::engine;
use crate::error_answer::ErrorAnswer;
use crate::store::Store;

/// `GetWarehouseDetails`: a POST that changes nothing.
pub async fn details(
    State(store): State<Arc<Store>>,
    uri: Uri,
    JsonBody(input): JsonBody<types::LogisticsSkus>,
) -> Reply<Vec<types::WarehouseDetailsResponse>> {
    let pool = match QueryPairs::from_uri(&uri).all("poolName").next() {
        Some(text) => text.parse().map_err(|_| {
            ErrorAnswer::invalid_field("poolName", format!("`{text}` is not an inventory pool"))
        })?,
        None => types::InventoryPool::Default,
    };
    engine::warehouse::details(&store.read(), &input, pool)
        .map(axum::Json)
        .map_err(ErrorAnswer::from)
}
