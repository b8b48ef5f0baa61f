//! Freight (`unstable`).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use serde_json::{Value, json};

use super::{JsonBody, QueryPairs, Reply, Tx};
use crate::engine::freight::{self, Mode};
use crate::error_answer::ErrorAnswer;
use crate::store::Store;

pub(super) async fn ports() -> Reply<Value> {
    Ok(axum::Json(freight::ports()))
}

/// `limit`, `cursor` and `direction` of the cursor-paged lists.
fn paging(uri: &Uri) -> Result<(Option<usize>, Option<f64>, bool), ErrorAnswer> {
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
    Ok((limit, cursor, backward))
}

pub(super) async fn quotes(State(store): State<Arc<Store>>, uri: Uri) -> Reply<Value> {
    let (limit, cursor, backward) = paging(&uri)?;
    let data = store.read();
    let page = freight::page(data.freight_quotes.iter(), limit, cursor, backward);
    Ok(axum::Json(json!({"quotes": page})))
}

pub(super) async fn quote(
    State(store): State<Arc<Store>>,
    Path(quote_id): Path<String>,
) -> Reply<Value> {
    freight::quote(&store.read(), &quote_id)
        .map(axum::Json)
        .map_err(ErrorAnswer::from)
}

pub(super) async fn quote_containers(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::ContainersQuoteRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| freight::quote_containers(w, input))
}

pub(super) async fn quote_pallets(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::QuoteRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| {
        freight::quote_pallets_or_truck(w, Mode::Ltl, input)
    })
}

pub(super) async fn quote_trucks(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::QuoteRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| {
        freight::quote_pallets_or_truck(w, Mode::Ftl, input)
    })
}

pub(super) async fn orders(State(store): State<Arc<Store>>, uri: Uri) -> Reply<Value> {
    let (limit, cursor, backward) = paging(&uri)?;
    let data = store.read();
    let page: Vec<&Value> = freight::page(data.freight_orders.iter(), limit, cursor, backward)
        .into_iter()
        .map(|order| &order.order)
        .collect();
    Ok(axum::Json(json!({"orders": page})))
}

pub(super) async fn order(
    State(store): State<Arc<Store>>,
    Path(order_id): Path<String>,
) -> Reply<Value> {
    freight::order(&store.read(), &order_id)
        .map(|order| axum::Json(order.order.clone()))
        .map_err(ErrorAnswer::from)
}

pub(super) async fn order_containers(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::ContainersOrderRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| freight::order_containers(w, input))
}

pub(super) async fn order_pallets(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::PalletsOrderRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| freight::order_pallets(w, input))
}

pub(super) async fn order_trucks(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::TrucksOrderRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| freight::order_trucks(w, input))
}

pub(super) async fn cancel(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path(order_id): Path<String>,
    JsonBody(input): JsonBody<freight::CancelRequest>,
) -> Result<StatusCode, ErrorAnswer> {
    tx.run_raw(&store, |w| freight::cancel(w, &order_id, input))?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn documents(
    State(store): State<Arc<Store>>,
    Path(order_id): Path<String>,
) -> Reply<Value> {
    freight::documents(&store.read(), &store.base_url, &order_id)
        .map(axum::Json)
        .map_err(ErrorAnswer::from)
}

pub(super) async fn tracking(
    State(store): State<Arc<Store>>,
    Path(bol_id): Path<String>,
) -> Reply<Value> {
    freight::tracking(&store.read(), &bol_id)
        .map(axum::Json)
        .map_err(ErrorAnswer::from)
}
