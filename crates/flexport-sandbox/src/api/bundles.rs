use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use chrono::Utc;
use flexport_logistics_2024_04::types;

use super::{JsonBody, Reply, quantity, required};
use crate::problem::Problem;
use crate::state::{Change, Store, Transaction};

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Transaction>,
    JsonBody(input): JsonBody<types::ApiBundle>,
) -> Reply<types::ApiBundleResponse> {
    required("externalBundleId", &input.external_bundle_id)?;
    required("title", &input.title)?;
    required("sku", &input.sku)?;
    if input.bundle_contents.is_empty() {
        return Err(Problem::invalid_field(
            "bundleContents",
            "a bundle needs at least one product",
        ));
    }
    let bundle_id = {
        let data = store.read();
        for (i, content) in input.bundle_contents.iter().enumerate() {
            if !data.products.contains_key(&content.product_id) {
                return Err(Problem::invalid_field(
                    &format!("bundleContents[{i}].productId"),
                    format!("no product with logisticsSku `{}`", content.product_id),
                ));
            }
            quantity(&format!("bundleContents[{i}].quantity"), content.quantity)?;
        }
        if data
            .bundles
            .values()
            .any(|bundle| bundle.external_bundle_id == input.external_bundle_id)
        {
            return Err(Problem::conflict(format!(
                "a bundle with externalBundleId `{}` exists",
                input.external_bundle_id
            )));
        }
        format!("BDL-{}", data.bundles.len() + 1)
    };
    let bundle = types::ApiBundleResponse {
        bundle_contents: input.bundle_contents,
        bundle_id,
        created_at: Utc::now(),
        external_bundle_id: input.external_bundle_id,
        sku: input.sku,
        title: input.title,
    };
    store.apply(&tx, Change::Bundle(bundle.clone()));
    Ok(axum::Json(bundle))
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
        .ok_or_else(|| Problem::not_found("bundle", &bundle_id))
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
        .ok_or_else(|| Problem::not_found("bundle", &bundle_id))?;
    let available_units = bundle
        .bundle_contents
        .iter()
        .map(|content| {
            (data.stock(&content.product_id).available as f64 / content.quantity).floor()
        })
        .fold(f64::INFINITY, f64::min)
        .max(0.0);
    Ok(axum::Json(types::ApiBundleInventoryResponse {
        available_units,
        bundle_id,
    }))
}
