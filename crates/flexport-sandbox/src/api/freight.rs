//! Freight (`unstable`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{Value, json};

use super::{JsonBody, QueryPairs, Reply, Tx};
use crate::engine::freight::{self, Mode};
use crate::problem::Problem;
use crate::state::Store;

pub fn routes() -> Router<Arc<Store>> {
    Router::new()
        .route("/freight/ports", get(ports))
        .route("/freight/quotes", get(quotes))
        .route("/freight/quotes/{quote_id}", get(quote))
        // A GET of these paths asks for a quote or order of that id: none.
        .route(
            "/freight/quotes/containers",
            post(quote_containers).get(quote_named),
        )
        .route(
            "/freight/quotes/pallets",
            post(quote_pallets).get(quote_named),
        )
        .route(
            "/freight/quotes/trucks",
            post(quote_trucks).get(quote_named),
        )
        .route("/freight/orders", get(orders))
        .route("/freight/orders/{order_id}", get(order))
        .route(
            "/freight/orders/containers",
            post(order_containers).get(order_named),
        )
        .route(
            "/freight/orders/pallets",
            post(order_pallets).get(order_named),
        )
        .route(
            "/freight/orders/trucks",
            post(order_trucks).get(order_named),
        )
        .route("/freight/orders/{order_id}/cancel", post(cancel))
        .route("/freight/orders/{order_id}/documents", get(documents))
        .route("/freight/tracking_events/{bol_id}", get(tracking))
}

async fn ports() -> Reply<Value> {
    Ok(axum::Json(freight::ports()))
}

/// `limit`, `cursor` and `direction` of the cursor-paged lists.
fn paging(uri: &Uri) -> Result<(Option<usize>, Option<f64>, bool), Problem> {
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
                    Problem::invalid_field("cursor", format!("`{text}` is not a number"))
                })
        })
        .transpose()?;
    let backward = match query.all("direction").next() {
        None | Some("forward") => false,
        Some("backward") => true,
        Some(other) => {
            return Err(Problem::invalid_field(
                "direction",
                format!("`{other}` is not `forward` or `backward`"),
            ));
        }
    };
    Ok((limit, cursor, backward))
}

async fn quotes(State(store): State<Arc<Store>>, uri: Uri) -> Reply<Value> {
    let (limit, cursor, backward) = paging(&uri)?;
    let data = store.read();
    let page = freight::page(data.freight_quotes.iter(), limit, cursor, backward);
    Ok(axum::Json(json!({"quotes": page})))
}

async fn quote(State(store): State<Arc<Store>>, Path(quote_id): Path<String>) -> Reply<Value> {
    freight::quote(&store.read(), &quote_id).map(axum::Json)
}

async fn quote_named(uri: Uri) -> Problem {
    Problem::not_found("freight quote", uri.path().rsplit('/').next().unwrap_or(""))
}

async fn order_named(uri: Uri) -> Problem {
    Problem::not_found("freight order", uri.path().rsplit('/').next().unwrap_or(""))
}

async fn quote_containers(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::ContainersQuoteRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| freight::quote_containers(w, input))
}

async fn quote_pallets(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::QuoteRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| {
        freight::quote_pallets_or_truck(w, Mode::Ltl, input)
    })
}

async fn quote_trucks(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::QuoteRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| {
        freight::quote_pallets_or_truck(w, Mode::Ftl, input)
    })
}

async fn orders(State(store): State<Arc<Store>>, uri: Uri) -> Reply<Value> {
    let (limit, cursor, backward) = paging(&uri)?;
    let data = store.read();
    let page: Vec<&Value> = freight::page(data.freight_orders.iter(), limit, cursor, backward)
        .into_iter()
        .map(|order| &order.order)
        .collect();
    Ok(axum::Json(json!({"orders": page})))
}

async fn order(State(store): State<Arc<Store>>, Path(order_id): Path<String>) -> Reply<Value> {
    freight::order(&store.read(), &order_id).map(|order| axum::Json(order.order.clone()))
}

async fn order_containers(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::ContainersOrderRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| freight::order_containers(w, input))
}

async fn order_pallets(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::PalletsOrderRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| freight::order_pallets(w, input))
}

async fn order_trucks(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    JsonBody(input): JsonBody<freight::TrucksOrderRequest>,
) -> Reply<Value> {
    tx.run(&store, |w| freight::order_trucks(w, input))
}

async fn cancel(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path(order_id): Path<String>,
    JsonBody(input): JsonBody<freight::CancelRequest>,
) -> Result<StatusCode, Problem> {
    tx.run_raw(&store, |w| freight::cancel(w, &order_id, input))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn documents(State(store): State<Arc<Store>>, Path(order_id): Path<String>) -> Reply<Value> {
    freight::documents(&store.read(), &store.base_url, &order_id).map(axum::Json)
}

async fn tracking(State(store): State<Arc<Store>>, Path(bol_id): Path<String>) -> Reply<Value> {
    freight::tracking(&store.read(), &bol_id).map(axum::Json)
}
