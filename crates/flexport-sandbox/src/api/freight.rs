//! Freight (`unstable`).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use flexport_logistics_unstable::types;

use super::{JsonBody, QueryPairs, Reply, Tx};
use crate::engine::freight::{self, Paging};
use crate::error_answer::ErrorAnswer;
use crate::store::Store;

pub(super) async fn ports() -> Reply<types::GetPortsResponse> {
    Ok(axum::Json(freight::ports()))
}

/// `limit`, `cursor` and `direction` of the cursor-paged lists.
fn paging(uri: &Uri) -> Result<Paging, ErrorAnswer> {
    let query = QueryPairs::from_uri(uri);
    let limit = query.count("limit")?;
    let cursor = query
        .all("cursor")
        .next()
        .map(|text| {
            text.parse::<f64>()
                .ok()
                .filter(|cursor| cursor.is_finite())
                .ok_or_else(|| {
                    ErrorAnswer::invalid_field("cursor", format!("`{text}` is not a number"))
                })
        })
        .transpose()?;
    let backward = match query.all("direction").next() {
        None | Some("forward") => false,
        Some("backward") => true,
        Some(other) => {
            return Err(ErrorAnswer::invalid_field(
                "direction",
                format!("`{other}` is not `forward` or `backward`"),
            ));
        }
    };
    Ok(Paging {
        limit,
        cursor,
        backward,
    })
}

pub(super) async fn quotes(
    State(store): State<Arc<Store>>,
    uri: Uri,
) -> Reply<types::GetQuotesResponse> {
    let paging = paging(&uri)?;
    Ok(axum::Json(freight::quotes(&store.read(), &paging)))
}

pub(super) async fn quote(
    State(store): State<Arc<Store>>,
    Path(quote_id): Path<String>,
) -> Reply<types::QuoteResponse> {
    freight::quote(&store.read(), &quote_id)
        .map(axum::Json)
        .map_err(ErrorAnswer::from)
}

pub(super) async fn quote_containers(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::DrayageQuoteRequest>,
) -> Reply<types::DrayageQuoteResponse> {
    tx.run(&store, |w| freight::quote_containers(w, input))
}

pub(super) async fn quote_pallets(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::QuoteRequest>,
) -> Reply<types::LtlQuoteResponse> {
    tx.run(&store, |w| freight::quote_pallets(w, input))
}

pub(super) async fn quote_trucks(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::QuoteRequest>,
) -> Reply<types::FtlQuoteResponse> {
    tx.run(&store, |w| freight::quote_trucks(w, input))
}

pub(super) async fn orders(
    State(store): State<Arc<Store>>,
    uri: Uri,
) -> Reply<types::GetOrdersResponse> {
    let paging = paging(&uri)?;
    Ok(axum::Json(freight::orders(&store.read(), &paging)))
}

pub(super) async fn order(
    State(store): State<Arc<Store>>,
    Path(order_id): Path<String>,
) -> Reply<types::OrderResponse> {
    freight::order(&store.read(), &order_id)
        .map(|order| axum::Json(order.order.clone()))
        .map_err(ErrorAnswer::from)
}

pub(super) async fn order_containers(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::DrayageOrderRequest>,
) -> Reply<types::DrayageOrderResponse> {
    tx.run(&store, |w| freight::order_containers(w, input))
}

pub(super) async fn order_pallets(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::LtlOrderRequest>,
) -> Reply<types::LtlOrderResponse> {
    tx.run(&store, |w| freight::order_pallets(w, input))
}

pub(super) async fn order_trucks(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<types::FtlOrderRequest>,
) -> Reply<types::FtlOrderResponse> {
    tx.run(&store, |w| freight::order_trucks(w, input))
}

pub(super) async fn cancel(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path(order_id): Path<String>,
    JsonBody(input): JsonBody<types::OrderCancelRequest>,
) -> Result<StatusCode, ErrorAnswer> {
    tx.run_raw(&store, |w| freight::cancel(w, &order_id, input))?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn documents(
    State(store): State<Arc<Store>>,
    Path(order_id): Path<String>,
) -> Reply<types::GetOrderDocumentsResponse> {
    freight::documents(&store.read(), &store.base_url, &order_id)
        .map(axum::Json)
        .map_err(ErrorAnswer::from)
}

pub(super) async fn tracking(
    State(store): State<Arc<Store>>,
    Path(bol_id): Path<String>,
) -> Reply<types::FreightTrackingInfo> {
    freight::tracking(&store.read(), &bol_id)
        .map(axum::Json)
        .map_err(ErrorAnswer::from)
}
