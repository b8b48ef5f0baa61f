use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::{JsonBody, Reply, Tx};
use crate::engine;
use crate::error_answer::ErrorAnswer;
use crate::store::Store;
use flexport_logistics_unstable::types;

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::CreateChannelInput>,
) -> Reply<types::CreateChannelOutput> {
    tx.run(&store, |w| engine::channels::create(w, input))
}

pub async fn sync(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path((channel_type, store_name)): Path<(String, String)>,
) -> Result<StatusCode, ErrorAnswer> {
    tx.run_raw(&store, |w| {
        engine::channels::sync(w, &channel_type, &store_name)
    })?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn sync_status(
    State(store): State<Arc<Store>>,
    Path((channel_type, store_name)): Path<(String, String)>,
) -> Reply<types::ProductSyncStatus> {
    engine::channels::sync_status(&store.read(), &channel_type, &store_name)
        .map(axum::Json)
        .map_err(ErrorAnswer::from)
}
