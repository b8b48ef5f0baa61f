use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::Uri;
use chrono::Utc;
use flexport_logistics_2024_04::types;

use super::{JsonBody, QueryPairs, Reply, required};
use crate::problem::Problem;
use crate::state::{Change, Data, Stock, Store, Transaction};

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Transaction>,
    JsonBody(input): JsonBody<types::CreateProductModel>,
) -> Reply<types::ApiProductResponse> {
    required("name", &input.name)?;
    required("merchantSku", &input.merchant_sku)?;
    if let Some(dimensions) = &input.dimensions {
        for (field, value) in [
            ("dimensions.weight", dimensions.weight),
            ("dimensions.height", dimensions.height),
            ("dimensions.width", dimensions.width),
            ("dimensions.length", dimensions.length),
        ] {
            if value.is_nan() || value <= 0.0 {
                return Err(Problem::invalid_field(field, format!("{value} is not > 0")));
            }
        }
    }
    let logistics_sku = {
        let data = store.read();
        if data
            .products
            .values()
            .any(|product| product.merchant_sku == input.merchant_sku)
        {
            return Err(Problem::conflict(format!(
                "a product with merchantSku `{}` exists",
                input.merchant_sku
            )));
        }
        format!("D{:010}", data.products.len() + 1)
    };
    let now = Utc::now();
    let product = types::ApiProductResponse {
        name: input.name,
        logistics_sku: logistics_sku.clone(),
        merchant_sku: input.merchant_sku,
        barcodes: Vec::new(),
        dimensions: input.dimensions,
        international: input.customs_information,
        dims_locked: false,
        created_at: Some(now),
        updated_at: Some(now),
    };
    store.apply(&tx, Change::Product(Box::new(product.clone())));
    store.apply(
        &tx,
        Change::Stock {
            sku: logistics_sku,
            stock: Stock::default(),
        },
    );
    Ok(axum::Json(product))
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
        .ok_or_else(|| Problem::not_found("product", &logistics_sku))
}

pub async fn inventory(
    State(store): State<Arc<Store>>,
    Path(logistics_sku): Path<String>,
) -> Reply<types::ApiInventoryResponse> {
    let data = store.read();
    if !data.products.contains_key(&logistics_sku) {
        return Err(Problem::not_found("product", &logistics_sku));
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
        on_hand: stock.on_hand,
        available: stock.available,
        unavailable: stock.on_hand - stock.available,
        units_per_pack: None,
        lot_tracking_details: Vec::new(),
        breakdown: Vec::new(),
    }
}
