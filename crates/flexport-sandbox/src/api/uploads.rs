use std::sync::Arc;

use axum::Extension;
use axum::extract::State;

use super::{JsonBody, Reply, Tx};
use crate::engine;
use crate::engine::uploads::UploadRequest;
use crate::store::Store;

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<UploadRequest>,
) -> Reply<serde_json::Value> {
    tx.run(&store, |w| engine::uploads::create(w, input))
}
