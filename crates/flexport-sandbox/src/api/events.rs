//! `GetEvents` (`unstable`): the query read into an [`events::Filter`], and
//! the next page's cursor as a `Link` header (see [`crate::engine::events`]).

use std::sync::Arc;

use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::{QueryPairs, next_link};
use crate::engine::events;
use crate::error_answer::ErrorAnswer;
use crate::store::Store;

/// Events oldest first, filtered by `ids` (comma-separated), `type`,
/// `orderId`, `shipmentId` and `after`; `limit` a page. When more match, a
/// `Link: <…?limit=…&page_info=…>; rel="next"` header gives the next page:
/// its cursor carries the filters.
pub async fn list(
    State(store): State<Arc<Store>>,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, ErrorAnswer> {
    let query = QueryPairs::from_uri(&uri);
    let first = |name: &'static str| {
        query
            .all(name)
            .next()
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let after = first("after")
        .map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|time| time.with_timezone(&Utc))
                .map_err(|_| {
                    ErrorAnswer::invalid_field("after", format!("`{text}` is not a date-time"))
                })
        })
        .transpose()?;
    let filter = events::Filter {
        ids: first("ids").map(|ids| ids.split(',').map(|id| id.trim().to_owned()).collect()),
        event_type: first("type"),
        order_id: first("orderId"),
        shipment_id: first("shipmentId"),
        after,
    };
    let limit = query.count("limit")?;
    let page_info = first("page_info");
    let page = events::list(&store.read(), filter, limit, page_info.as_deref())?;
    let mut response = axum::Json(page.events).into_response();
    if let Some(next) = page.next {
        next_link(&mut response, &store, &uri, limit, &next);
    }
    Ok(response)
}
