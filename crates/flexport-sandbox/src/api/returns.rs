//! Returns: create, get, list (cursor-paged) and cancel.

use std::sync::Arc;

use axum::Extension;
use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flexport_logistics_2024_04::types;

use super::{JsonBody, QueryPairs, Reply, Tx, next_link};
use crate::engine::returns::{self, Filter};
use crate::error_answer::ErrorAnswer;
use crate::store::Store;

pub(super) async fn create(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::CreateReturnRequest>,
) -> Reply<types::ReturnsApiOrder> {
    tx.run(&store, |w| returns::create(w, input))
}

pub(super) async fn get_return(
    State(store): State<Arc<Store>>,
    Path(return_id): Path<String>,
) -> Reply<types::ReturnsApiOrder> {
    returns::find(&store.read(), &return_id)
        .map(|record| axum::Json(record.order.clone()))
        .map_err(ErrorAnswer::from)
}

pub(super) async fn cancel(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path(return_id): Path<String>,
) -> Result<StatusCode, ErrorAnswer> {
    tx.run_raw(&store, |w| returns::cancel(w, &return_id))?;
    Ok(StatusCode::NO_CONTENT)
}

/// One page of returns; when more follow, a `Link` header names the next
/// page (`<…?limit=…&page_info=CURSOR>; rel="next"`; the cursor carries the
/// filters).
pub(super) async fn list(
    State(store): State<Arc<Store>>,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, ErrorAnswer> {
    let query = QueryPairs::from_uri(&uri);
    let one = |name: &str| query.all(name).next().map(str::to_owned);
    let limit = query.count("limit")?;
    let filter = Filter {
        external_return_id: one("externalReturnId"),
        rma: one("rma"),
        tracking_code: one("trackingCode"),
        status: one("status"),
    };
    let page_info = one("page_info");
    let (page, next) = returns::list(&store.read(), filter, limit, page_info.as_deref())?;
    let mut response = axum::Json(page).into_response();
    if let Some(next) = next {
        next_link(&mut response, &store, &uri, limit, &next);
    }
    Ok(response)
}
