use std::sync::Arc;

use axum::Extension;
use axum::extract::State;

use super::{JsonBody, Reply, Tx};
use crate::engine;
use crate::store::Store;
use flexport_logistics_unstable::types;

pub async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::CreateUploadTargetRequest>,
) -> Reply<types::CreateUploadTargetResponse> {
    tx.run(&store, |w| engine::uploads::create(w, input))
}
