//! The routes, derived from the version crates' `OPERATIONS` tables: every
//! operation of every version is routed to the handler [`handler`] names
//! for its documented operationId (one module per resource), so an
//! operation added to a document needs no hand-written route; one the
//! sandbox does not play yet answers 501.

pub mod accounts;
pub mod bundles;
pub mod channels;
pub mod documents;
pub mod events;
pub mod freight;
pub mod inbounds;
pub mod oauth;
pub mod orders;
pub mod page_faults;
pub mod parcels;
pub mod products;
pub mod reports;
pub mod returns;
pub mod uploads;
pub mod warehouse;
pub mod webhooks;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on};
use flexport_runtime::Operation;
use serde::de::DeserializeOwned;

use crate::contract::prefix;
use crate::error_answer::ErrorAnswer;
use crate::layers::{self, RateLimiter};
use crate::schema::DOCUMENTS;
use crate::store::Store;
pub use crate::transaction::Tx;

pub type Reply<T> = Result<axum::Json<T>, ErrorAnswer>;

/// The handler that plays the operation documented as `operation_id`,
/// for requests of `filter`; `None` for one the sandbox does not play.
fn handler(operation_id: &str, filter: MethodFilter) -> Option<MethodRouter<Arc<Store>>> {
    let f = filter;
    Some(match operation_id {
        // products
        "CreateProduct" => on(f, products::create),
        "GetProducts" => on(f, products::list),
        "GetAllInventory" => on(f, products::all_inventory),
        "GetProduct" => on(f, products::get),
        "GetInventory" => on(f, products::inventory),
        "GetWarehouseDetails" => on(f, warehouse::details),
        // inbounds
        "CreateInboundingShipmentV4" => on(f, inbounds::create),
        "GetInboundingShipmentsV4" => on(f, inbounds::list),
        "GetInboundingShipmentV4" => on(f, inbounds::get),
        "InitQuoteProcessForInboundingShipmentV2" => on(f, inbounds::init_quotes),
        "GetInboundingShipmentQuoteResult" => on(f, inbounds::quotes),
        "InitQuotePurchaseProcessForInboundingShipmentV2" => on(f, inbounds::buy_quotes),
        "GetInboundingShipmentQuotePurchaseResult" => on(f, inbounds::bought_quotes),
        "GetTransferDocumentV2" => on(f, inbounds::transfer_document),
        "UpdateInboundingShipmentV3" => on(f, inbounds::update),
        // orders
        "CreateOrder202307" => on(f, orders::create),
        "GetOrder" => on(f, orders::get),
        "GetOrderByExternalId" => on(f, orders::get_by_external_id),
        "CancelOrder" => on(f, orders::cancel),
        "RetryOrder" => on(f, orders::retry),
        // bundles
        "CreateBundle" => on(f, bundles::create),
        "GetBundle" => on(f, bundles::get),
        "GetBundleInventory" => on(f, bundles::inventory),
        // webhooks
        "CreateWebhook" => on(f, webhooks::create),
        "GetWebhooks" => on(f, webhooks::list),
        "GetWebhook" => on(f, webhooks::get),
        "DeleteWebhook" => on(f, webhooks::delete),
        // reports
        "GenerateReport" => on(f, reports::generate),
        "GetReportStatus" => on(f, reports::status),
        // parcels
        "CreateParcelV3" => on(f, parcels::create),
        "GetParcelQuoteV2" => on(f, parcels::quote),
        "CancelParcel" => on(f, parcels::cancel),
        "CreateBulkParcelJob" => on(f, parcels::create_job),
        "GetBulkParcelJob" => on(f, parcels::get_job),
        "GetParcel" => on(f, parcels::get_parcel),
        "GetParcelTracking" => on(f, parcels::tracking),
        "GetTrackingUrl" => on(f, parcels::tracking_url),
        "GetParcelTrackingByTrackingCode" => on(f, parcels::tracking_by_code),
        // returns
        "ReturnsCreateOrder" => on(f, returns::create),
        "GetReturns" => on(f, returns::list),
        "ReturnsGetOrder" => on(f, returns::get_return),
        "ReturnsCancelOrder" => on(f, returns::cancel),
        // accounts, channels, events, uploads
        "GetLogisticsAccountStandingStatus" => on(f, accounts::status),
        "CreateChannel" => on(f, channels::create),
        "CreateProductSync" => on(f, channels::sync),
        "GetProductSyncStatus" => on(f, channels::sync_status),
        "GetEvents" => on(f, events::list),
        "CreateUploadTarget" => on(f, uploads::create),
        // freight
        "GetFreightPorts" => on(f, freight::ports),
        "GetQuotes" => on(f, freight::quotes),
        "GetQuote" => on(f, freight::quote),
        "CreateContainersQuote" => on(f, freight::quote_containers),
        "CreatePalletsQuote" => on(f, freight::quote_pallets),
        "CreateTruckQuote" => on(f, freight::quote_trucks),
        "GetFreightOrders" => on(f, freight::orders),
        "GetFreightOrder" => on(f, freight::order),
        "CreateContainersOrder" => on(f, freight::order_containers),
        "CreatePalletsOrder" => on(f, freight::order_pallets),
        "CreateTrucksOrder" => on(f, freight::order_trucks),
        "Cancel" => on(f, freight::cancel),
        "GetOrderDocuments" => on(f, freight::documents),
        "GetBolTracking" => on(f, freight::tracking),
        // OAuth (no token)
        "AuthorizationRedirect" => on(f, oauth::authorize),
        "TokenExchange" => on(f, oauth::token),
        _ => return None,
    })
}

/// The operations of every version's table, once each, by path below the
/// version prefix and method.
fn operations_by_path() -> BTreeMap<String, BTreeMap<Method, &'static Operation>> {
    let mut paths: BTreeMap<String, BTreeMap<Method, &'static Operation>> = BTreeMap::new();
    for (version, _, operations) in DOCUMENTS {
        for operation in *operations {
            let Ok(method) = operation.method.parse::<Method>() else {
                continue;
            };
            paths
                .entry(operation.path_below(&prefix(version)).to_owned())
                .or_default()
                .entry(method)
                .or_insert(operation);
        }
    }
    paths
}

/// The routes of `paths` (below a version prefix), each method to its
/// handler. A literal path that a parameter path also matches
/// (`/parcels/quote` and `/parcels/{parcelId}`) answers the parameter
/// path's other methods with 404: such a request asks for the parcel of id
/// `quote`, which the sandbox never hands out.
fn routes(paths: &BTreeMap<String, BTreeMap<Method, &'static Operation>>) -> Router<Arc<Store>> {
    let mut router = Router::new();
    for (path, methods) in paths {
        let mut route = MethodRouter::new();
        for (method, operation) in methods {
            let filter =
                MethodFilter::try_from(method.clone()).expect("an HTTP method of a document");
            route = route.merge(handler(operation.operation_id, filter).unwrap_or_else(|| {
                let id = operation.operation_id;
                on(filter, move || async move { unplayed(id) })
            }));
        }
        for (other, other_methods) in paths {
            let Some(parameter) = shadowed_parameter(other, path) else {
                continue;
            };
            for method in other_methods
                .keys()
                .filter(|method| !methods.contains_key(*method))
            {
                let filter =
                    MethodFilter::try_from(method.clone()).expect("an HTTP method of a document");
                let parameter = parameter.clone();
                route = route.merge(on(filter, move |uri: Uri| async move {
                    let id = uri.path().rsplit('/').next().unwrap_or_default().to_owned();
                    ErrorAnswer::not_found(&parameter, &id)
                }));
            }
        }
        router = router.route(path, route);
    }
    router
}

/// When the template `parameters` matches the literal path `literal` with
/// a parameter standing for the last segment of `literal` and every other
/// segment equal, that parameter's name in words (`{parcelId}` → `parcel`).
fn shadowed_parameter(parameters: &str, literal: &str) -> Option<String> {
    let template: Vec<&str> = parameters.split('/').collect();
    let segments: Vec<&str> = literal.split('/').collect();
    let (last, rest) = template.split_last()?;
    let (last_segment, rest_segments) = segments.split_last()?;
    let name = last.strip_prefix('{')?.strip_suffix('}')?;
    if template.len() != segments.len() || rest != rest_segments || last_segment.starts_with('{') {
        return None;
    }
    let name = name.strip_suffix("Id").unwrap_or(name);
    let mut words = String::new();
    for c in name.chars() {
        if c.is_uppercase() {
            words.push(' ');
        }
        words.extend(c.to_lowercase());
    }
    Some(words)
}

/// 501 for an operation of a document that no handler plays yet.
fn unplayed(operation_id: &str) -> ErrorAnswer {
    ErrorAnswer::new(
        StatusCode::NOT_IMPLEMENTED,
        format!("the sandbox does not play `{operation_id}` yet"),
    )
}

pub fn router(store: Arc<Store>) -> Router {
    // The operations that take no token (OAuth) are outside the layers
    // that check one.
    let (mut api, mut public) = (BTreeMap::new(), BTreeMap::new());
    for (path, methods) in operations_by_path() {
        for (method, operation) in methods {
            let side = if operation.bearer_token {
                &mut api
            } else {
                &mut public
            };
            side.entry(path.clone())
                .or_insert_with(BTreeMap::new)
                .insert(method, operation);
        }
    }
    let (api, public) = (routes(&api), routes(&public));
    let mut versions = Router::new();
    let mut public_versions = Router::new();
    for (version, _, _) in DOCUMENTS {
        versions = versions.nest(&prefix(version), api.clone());
        public_versions = public_versions.nest(&prefix(version), public.clone());
    }
    let authenticated = versions
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(
            page_faults::PageFaultState::new(store.config.page_faults.clone()),
            page_faults::inject,
        ))
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
        .merge(documents::public_routes())
        .merge(public_versions)
        .merge(authenticated)
        .layer(from_fn(crate::contract::per_version))
        // The faults and the correlation id are layered on by `Sandbox::start`.
        .with_state(store)
}

async fn not_found(uri: Uri) -> ErrorAnswer {
    ErrorAnswer::new(
        StatusCode::NOT_FOUND,
        format!("the sandbox has no operation at `{}`", uri.path()),
    )
}

async fn method_not_allowed(uri: Uri) -> ErrorAnswer {
    ErrorAnswer::new(
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
            return Err(
                ErrorAnswer::invalid_field("body", "a JSON body is required").into_response(),
            );
        }
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(deserializer)
            .map(JsonBody)
            .map_err(|error| {
                let path = error.path().to_string();
                let field = if path == "." { "body".to_owned() } else { path };
                ErrorAnswer::invalid_field(&field, error.into_inner()).into_response()
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
    pub fn count(&self, name: &str) -> Result<Option<usize>, ErrorAnswer> {
        let Some(text) = self.all(name).next() else {
            return Ok(None);
        };
        match text.parse::<f64>() {
            Ok(n) if n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64 => Ok(Some(n as usize)),
            _ => Err(ErrorAnswer::invalid_field(
                name,
                format!("`{text}` is not a whole number ≥ 0"),
            )),
        }
    }

    /// One page of `items` by the `offset` and `limit` parameters.
    pub fn page<T: Clone>(&self, items: impl Iterator<Item = T>) -> Result<Vec<T>, ErrorAnswer> {
        let offset = self.count("offset")?.unwrap_or(0);
        let limit = self.count("limit")?.unwrap_or(100);
        Ok(items.skip(offset).take(limit).collect())
    }
}

/// Sets the `Link: <…>; rel="next"` header of a cursor-paged list: the
/// request's path with only `limit` (when the request gave one) and
/// `page_info`, since the cursor carries the walk's filters, as production's
/// do.
pub fn next_link(
    response: &mut Response,
    store: &Store,
    uri: &Uri,
    limit: Option<usize>,
    page_info: &str,
) {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(limit) = limit {
        query.append_pair("limit", &limit.to_string());
    }
    query.append_pair("page_info", page_info);
    let link = format!(
        "<{}{}?{}>; rel=\"next\"",
        store.base_url,
        uri.path(),
        query.finish()
    );
    if let Ok(value) = axum::http::HeaderValue::from_str(&link) {
        response
            .headers_mut()
            .insert(axum::http::header::LINK, value);
    }
}

/// A refusal of the engine as the API answers it (here, in the HTTP layer,
/// so that `error_answer` does not depend on the engine).
impl From<crate::engine::DomainError> for crate::error_answer::ErrorAnswer {
    fn from(error: crate::engine::DomainError) -> Self {
        use crate::engine::Kind;
        let status = match error.kind {
            Kind::Invalid => axum::http::StatusCode::BAD_REQUEST,
            Kind::Unauthenticated => axum::http::StatusCode::UNAUTHORIZED,
            Kind::NotFound => axum::http::StatusCode::NOT_FOUND,
            Kind::Conflict => axum::http::StatusCode::CONFLICT,
            Kind::Unprocessable => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        };
        Self {
            code: error.code,
            ..Self::new(status, error.detail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails when an operation of some version's table has no handler, so
    /// the sandbox would answer it 501.
    #[test]
    fn every_operation_of_every_version_has_a_handler() {
        let mut checked = 0;
        for (version, _, operations) in DOCUMENTS {
            for operation in *operations {
                let filter =
                    MethodFilter::try_from(operation.method.parse::<Method>().unwrap()).unwrap();
                assert!(
                    handler(operation.operation_id, filter).is_some(),
                    "{version}: no handler plays {} ({} {})",
                    operation.operation_id,
                    operation.method,
                    operation.path
                );
                checked += 1;
            }
        }
        assert!(checked > 250, "{checked}");
    }

    #[test]
    fn a_literal_path_shadows_the_parameter_path_of_its_last_segment_only() {
        assert_eq!(
            shadowed_parameter("/parcels/{parcelId}", "/parcels/quote").as_deref(),
            Some("parcel")
        );
        assert_eq!(
            shadowed_parameter("/products/{logisticsSku}", "/products/warehouse").as_deref(),
            Some("logistics sku")
        );
        assert_eq!(
            shadowed_parameter("/parcels/{parcelId}", "/parcels/{parcelId}"),
            None
        );
        assert_eq!(
            shadowed_parameter("/parcels/{parcelId}/tracking", "/parcels/tracking/{code}"),
            None
        );
        assert_eq!(
            shadowed_parameter("/orders/{orderId}", "/parcels/quote"),
            None
        );
    }
}
