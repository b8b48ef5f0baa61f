use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use flexport_logistics_2024_04::types;

use super::{JsonBody, Reply, Tx};
use crate::engine;
use crate::error_answer::ErrorAnswer;
use crate::store::Store;

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::ApiBundle>,
) -> Reply<types::ApiBundleResponse> {
    tx.run(&store, |w| engine::bundles::create(w, input))
}

pub async fn get(
    State(store): State<Arc<Store>>,
    Path(bundle_id): Path<String>,
) -> Reply<types::ApiBundleResponse> {
    store
        .read()
        .bundles
        .get(&bundle_id)
        .cloned()
        .map(axum::Json)
        .ok_or_else(|| ErrorAnswer::not_found("bundle", &bundle_id))
}

/// Whole bundles the available units of their products make up.
pub async fn inventory(
    State(store): State<Arc<Store>>,
    Path(bundle_id): Path<String>,
) -> Reply<types::ApiBundleInventoryResponse> {
    let data = store.read();
    let bundle = data
        .bundles
        .get(&bundle_id)
        .ok_or_else(|| ErrorAnswer::not_found("bundle", &bundle_id))?;
    let available_units = bundle
        .bundle_contents
        .iter()
        .map(|content| {
            crate::engine::count(data.stock(&content.product_id).available)
                / content.quantity.max(1)
        })
        .min()
        .unwrap_or(0);
    Ok(axum::Json(types::ApiBundleInventoryResponse {
        available_units,
        bundle_id,
    }))
}
