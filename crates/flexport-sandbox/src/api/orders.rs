use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use flexport_logistics_2024_04::types;

use super::{JsonBody, Reply, Tx};
use crate::engine::{self, orders::find};
use crate::error_answer::ErrorAnswer;
use crate::store::Store;

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::CreateOrderInput>,
) -> Reply<types::OrderModel> {
    tx.run(&store, |w| engine::orders::create(w, input))
}

pub async fn get(
    State(store): State<Arc<Store>>,
    Path(order_id): Path<String>,
) -> Reply<types::OrderModel> {
    find(&store.read(), &order_id)
        .map(|order| axum::Json(order.order))
        .map_err(ErrorAnswer::from)
}

pub async fn get_by_external_id(
    State(store): State<Arc<Store>>,
    Path(external_order_id): Path<String>,
) -> Reply<types::OrderModel> {
    store
        .read()
        .orders
        .values()
        .find(|order| order.order.external_order_id.as_deref() == Some(&external_order_id))
        .map(|order| axum::Json(order.order.clone()))
        .ok_or_else(|| ErrorAnswer::not_found("order with external id", &external_order_id))
}

pub async fn cancel(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path(order_id): Path<String>,
) -> Reply<types::OrderModel> {
    tx.run(&store, |w| engine::orders::cancel(w, &order_id))
}

pub async fn retry(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path(order_id): Path<String>,
) -> Reply<types::OrderModel> {
    tx.run(&store, |w| engine::orders::retry(w, &order_id))
}
