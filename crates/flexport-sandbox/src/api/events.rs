//! `GetEvents` (`unstable`): the webhook events the sandbox emitted.

use std::sync::Arc;

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use flexport_runtime::webhooks::event_key;

use super::QueryPairs;
use crate::engine::events::item;
use crate::problem::Problem;
use crate::store::Store;

/// The most events one page lists.
const MAX_LIMIT: usize = 250;

/// Events oldest first, filtered by `ids` (comma-separated), `type`
/// (`InboundReceived`, `inbound_received` and `inbound.received` are one
/// type), `orderId`, `shipmentId` (the payload's fields) and `after` (events
/// emitted later than it). `limit` (default 50, at most 250) events a page;
/// when more match, a `Link: <…?page_info=…>; rel="next"` header gives the
/// next page, whose `page_info` is opaque.
pub async fn list(
    State(store): State<Arc<Store>>,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, Problem> {
    let query = QueryPairs::from_uri(&uri);
    let limit = query.count("limit")?.unwrap_or(50);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Problem::invalid_field(
            "limit",
            format!("must be from 1 to {MAX_LIMIT}"),
        ));
    }
    let first = |name: &'static str| query.all(name).next().filter(|value| !value.is_empty());
    let after_seq = match first("page_info") {
        Some(text) => text.parse::<u64>().map_err(|_| {
            Problem::invalid_field("page_info", "is not a page_info this sandbox handed out")
        })?,
        None => 0,
    };
    let after = first("after")
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|time| time.with_timezone(&Utc))
                .map_err(|_| {
                    Problem::invalid_field("after", format!("`{text}` is not a date-time"))
                })
        })
        .transpose()?;
    let ids: Option<Vec<&str>> = first("ids").map(|ids| ids.split(',').map(str::trim).collect());
    let event_type = first("type").map(event_key);
    let order_id = first("orderId");
    let shipment_id = first("shipmentId");

    let data = store.read();
    let mut matching = data.events.iter().filter(|event| {
        event.seq > after_seq
            && after.is_none_or(|after| event.time > after)
            && ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&event.id.as_str()))
            && event_type
                .as_ref()
                .is_none_or(|wanted| event_key(&event.event_type) == *wanted)
            && order_id.is_none_or(|id| field(&event.payload, "orderId") == Some(id.to_owned()))
            && shipment_id
                .is_none_or(|id| field(&event.payload, "shipmentId") == Some(id.to_owned()))
    });
    let page: Vec<_> = matching.by_ref().take(limit).collect();
    let more = matching.next().is_some();
    let body: Vec<serde_json::Value> = page.iter().map(|event| item(event)).collect();
    let mut response = axum::Json(body).into_response();
    if more && let Some(last) = page.last() {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in query.pairs() {
            if name != "page_info" {
                next.append_pair(name, value);
            }
        }
        next.append_pair("page_info", &last.seq.to_string());
        let link = format!(
            "<{}{}?{}>; rel=\"next\"",
            store.base_url,
            uri.path(),
            next.finish()
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}

/// A payload field as text (numbers as their JSON text).
fn field(payload: &serde_json::Value, name: &str) -> Option<String> {
    match &payload[name] {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}
