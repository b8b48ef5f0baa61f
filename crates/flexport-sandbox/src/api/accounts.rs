use std::sync::Arc;

use axum::extract::State;

use super::Reply;
use crate::engine;
use crate::store::Store;

pub async fn status(
    State(store): State<Arc<Store>>,
) -> Reply<flexport_logistics_unstable::types::AccountStandingStatusOutput> {
    Ok(axum::Json(engine::accounts::standing(
        &store.read(),
        &store.account_id,
    )))
}
