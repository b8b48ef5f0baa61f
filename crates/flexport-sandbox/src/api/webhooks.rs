use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use flexport_logistics_2024_04::types;

use super::{JsonBody, Reply, Tx};
use crate::engine;
use crate::problem::Problem;
use crate::state::numeric_id;
use crate::store::Store;

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::WebhookCreateModel>,
) -> Reply<types::WebhookModel> {
    tx.run(&store, |w| engine::webhooks::create(w, input))
}

pub async fn list(State(store): State<Arc<Store>>) -> Reply<Vec<types::WebhookModel>> {
    Ok(axum::Json(
        store.read().webhooks.values().cloned().collect(),
    ))
}

pub async fn get(
    State(store): State<Arc<Store>>,
    Path(webhook_id): Path<String>,
) -> Reply<types::WebhookModel> {
    store
        .read()
        .webhooks
        .get(&numeric_id(&webhook_id))
        .cloned()
        .map(axum::Json)
        .ok_or_else(|| Problem::not_found("webhook", &webhook_id))
}

pub async fn delete(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path(webhook_id): Path<String>,
) -> Result<StatusCode, Problem> {
    tx.run_raw(&store, |w| engine::webhooks::delete(w, webhook_id))?;
    Ok(StatusCode::NO_CONTENT)
}
