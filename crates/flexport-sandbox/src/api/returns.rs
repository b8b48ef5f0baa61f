//! Returns: create, get, list (cursor-paged) and cancel.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use flexport_logistics_2024_04::types;

use super::{JsonBody, QueryPairs, Reply, Tx};
use crate::engine::returns::{self, Filter};
use crate::problem::Problem;
use crate::store::Store;

/// Returns per page when `limit` is not given, and the most `limit` takes.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 250;

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
    returns::find(&store.read(), &return_id).map(|record| axum::Json(record.order.clone()))
}

pub(super) async fn cancel(
    State(store): State<Arc<Store>>,
    Extension(tx): Extension<Tx>,
    Path(return_id): Path<String>,
) -> Result<StatusCode, Problem> {
    tx.run_raw(&store, |w| returns::cancel(w, &return_id))?;
    Ok(StatusCode::NO_CONTENT)
}

/// One page of returns; when more follow, a `Link` header names the next
/// page (`<?limit=…&page_info=CURSOR>; rel="next"`: the request's path with
/// its other parameters kept).
pub(super) async fn list(State(store): State<Arc<Store>>, uri: Uri) -> Result<Response, Problem> {
    let query = QueryPairs::from_uri(&uri);
    let one = |name: &str| query.all(name).next().map(str::to_owned);
    let limit = match one("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|limit| (1..=MAX_LIMIT).contains(limit))
            .ok_or_else(|| {
                Problem::invalid_field(
                    "limit",
                    format!("`{text}` is not a whole number from 1 to {MAX_LIMIT}"),
                )
            })?,
    };
    let filter = Filter {
        external_return_id: one("externalReturnId"),
        rma: one("rma"),
        tracking_code: one("trackingCode"),
        status: one("status"),
    };
    let page_info = one("page_info");
    let (page, next) = returns::list(&store.read(), &filter, limit, page_info.as_deref())?;
    let mut response = axum::Json(page).into_response();
    if let Some(next) = next {
        let mut link = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
            if name != "page_info" {
                link.append_pair(&name, &value);
            }
        }
        link.append_pair("page_info", &next);
        // A reference of only a query keeps the request's path (RFC 3986, 5.2.2).
        let link = format!("<?{}>; rel=\"next\"", link.finish());
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}
