//! The routes, one module per resource, and what their handlers share.

pub mod bundles;
pub mod inbounds;
pub mod oauth;
pub mod orders;
pub mod parcels;
pub mod products;
pub mod reports;
pub mod returns;
pub mod webhooks;
// sandboxops
pub mod accounts;
pub mod channels;
pub mod events;
pub mod freight;
pub mod sandboxops;
pub mod uploads;
pub mod warehouse;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, Uri};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use crate::VERSIONS;
use crate::engine::Writer;
use crate::layers::{self, RateLimiter};
use crate::problem::Problem;
use crate::state::{Store, Transaction};

pub type Reply<T> = Result<axum::Json<T>, Problem>;

/// The transaction of the write being handled, put in the request's
/// extensions by [`layers::write_transaction`], which commits it after the
/// handler.
#[derive(Clone)]
pub struct Tx(Arc<std::sync::Mutex<Option<Transaction>>>);

impl Tx {
    pub fn new(tx: Transaction) -> Self {
        Self(Arc::new(std::sync::Mutex::new(Some(tx))))
    }

    /// Runs an engine operation in this transaction, answering its result as JSON.
    pub fn run<T>(
        &self,
        store: &Store,
        operation: impl FnOnce(&mut Writer<'_>) -> Result<T, Problem>,
    ) -> Reply<T> {
        self.run_raw(store, operation).map(axum::Json)
    }

    pub fn run_raw<T>(
        &self,
        store: &Store,
        operation: impl FnOnce(&mut Writer<'_>) -> Result<T, Problem>,
    ) -> Result<T, Problem> {
        let mut slot = self.0.lock().unwrap();
        let tx = slot
            .as_mut()
            .expect("a handler runs before its transaction is committed");
        operation(&mut Writer { store, tx })
    }

    pub fn take(&self) -> Option<Transaction> {
        self.0.lock().unwrap().take()
    }
}

pub fn router(store: Arc<Store>) -> Router {
    let api = Router::new()
        .route("/products", post(products::create).get(products::list))
        .route("/products/inventory/all", get(products::all_inventory))
        .route("/products/{logistics_sku}", get(products::get))
        .route(
            "/products/{logistics_sku}/inventory",
            get(products::inventory),
        )
        .route(
            "/inbounds/shipments",
            post(inbounds::create).get(inbounds::list),
        )
        .route("/inbounds/shipments/{shipment_id}", get(inbounds::get))
        .route("/orders", post(orders::create))
        .route("/orders/{order_id}", get(orders::get))
        .route(
            "/orders/external_id/{external_order_id}",
            get(orders::get_by_external_id),
        )
        .route("/orders/{order_id}/cancel", post(orders::cancel))
        .route("/orders/{order_id}/retry", post(orders::retry))
        .route("/bundles", post(bundles::create))
        .route("/bundles/{bundle_id}", get(bundles::get))
        .route("/bundles/{bundle_id}/inventory", get(bundles::inventory))
        .route("/webhooks", post(webhooks::create).get(webhooks::list))
        .route(
            "/webhooks/{webhook_id}",
            get(webhooks::get).delete(webhooks::delete),
        )
        .route("/reports", post(reports::generate))
        .route("/reports/{report_reference}", get(reports::status))
        .merge(parcels::routes().merge(returns::routes()))
        .merge(sandboxops::routes());
    let mut versions = Router::new();
    for version in VERSIONS {
        versions = versions.nest(&format!("/logistics/api/{version}"), api.clone());
    }
    let authenticated = versions
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(store.clone(), layers::write_transaction))
        .layer(from_fn_with_state(
            (store.clone(), Arc::new(RateLimiter::default())),
            layers::rate_limit,
        ))
        .layer(from_fn_with_state(store.clone(), layers::authenticate));
    Router::new()
        .route("/sandbox/reports/{file}", get(reports::download))
        .merge(parcels::public_routes())
        .merge(oauth::routes())
        .merge(sandboxops::public_routes())
        .merge(authenticated)
        .layer(from_fn(crate::contract::per_version))
        .layer(from_fn_with_state(store.clone(), crate::faults::inject))
        .layer(from_fn(layers::correlation_id))
        .with_state(store)
}

async fn not_found(uri: Uri) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        format!("the sandbox has no operation at `{}`", uri.path()),
    )
}

async fn method_not_allowed(uri: Uri) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("the sandbox does not allow this method on `{}`", uri.path()),
    )
}

/// A JSON body of type `T`; a body that does not fit gets a 400 naming the
/// offending field (`lineItems[0].quantity`).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if bytes.is_empty() {
            return Err(Problem::invalid_field("body", "a JSON body is required").into_response());
        }
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(deserializer)
            .map(JsonBody)
            .map_err(|error| {
                let path = error.path().to_string();
                let field = if path == "." { "body".to_owned() } else { path };
                Problem::invalid_field(&field, error.into_inner()).into_response()
            })
    }
}

/// The query string's pairs, repeated names kept (`shipmentIds=1&shipmentIds=2`).
pub struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    pub fn from_uri(uri: &Uri) -> Self {
        let pairs = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        Self(pairs)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A whole, non-negative number (the documents type `limit` and `offset`
    /// as numbers, so `5.0` is accepted).
    pub fn count(&self, name: &str) -> Result<Option<usize>, Problem> {
        let Some(text) = self.all(name).next() else {
            return Ok(None);
        };
        match text.parse::<f64>() {
            Ok(n) if n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64 => Ok(Some(n as usize)),
            _ => Err(Problem::invalid_field(
                name,
                format!("`{text}` is not a whole number ≥ 0"),
            )),
        }
    }

    /// One page of `items` by the `offset` and `limit` parameters.
    pub fn page<T: Clone>(&self, items: impl Iterator<Item = T>) -> Result<Vec<T>, Problem> {
        let offset = self.count("offset")?.unwrap_or(0);
        let limit = self.count("limit")?.unwrap_or(100);
        Ok(items.skip(offset).take(limit).collect())
    }
}

impl QueryPairs {
    /// Every pair, in order (sandboxops).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }
}
