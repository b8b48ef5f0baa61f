//! Opt-in faults of list pages that clients of production Flexport meet
//! (production differences `gateway-timeout`, `short-pages` and
//! `link-cursors`), as one layer in front of the handlers: API Gateway's
//! 504 for pages over a size, silently short pages, and a cursor that fails
//! for good. None is on by default.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use flexport_runtime::gateway::{APIGW_ID, ERROR_TYPE};

use crate::error_answer::ErrorAnswer;

/// Which page faults are on ([`crate::Config::page_faults`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageFaults {
    /// A `GET` whose `limit` is over this answers `504 {"message":
    /// "Endpoint request timed out"}` as API Gateway does (JSON, not
    /// problem+json, with `x-amzn-errortype: IntegrationTimeout` and
    /// `x-amz-apigw-id`), every time; the same request with a smaller
    /// `limit` is answered. Observed by production's clients on big pages.
    pub gateway_timeout_above: Option<usize>,
    /// A `GET` lists at most this many items a page, whatever its `limit`
    /// (one without `limit` is given this `limit`), without saying so:
    /// offset lists then return short pages before their end, as
    /// production's bulk inventory list does; cursor lists still link the
    /// next page.
    pub page_cap: Option<usize>,
    /// The cursor handed out in the `Link` header of this many-th page
    /// (from 1, over the sandbox's life) fails for good: every request that
    /// sends it answers 500, while every other cursor (a walk started again
    /// gets new ones) works. Observed by production's clients of stored
    /// cursors.
    pub failing_cursor: Option<usize>,
}

/// The layer's state: the faults, and the cursors handed out so far.
pub struct PageFaultState {
    faults: PageFaults,
    handed_out: AtomicUsize,
    failing: Mutex<Option<String>>,
}

impl PageFaultState {
    pub fn new(faults: PageFaults) -> Arc<Self> {
        Arc::new(Self {
            faults,
            handed_out: AtomicUsize::new(0),
            failing: Mutex::new(None),
        })
    }
}

/// The body API Gateway answers when the service took longer than its
/// integration limit.
pub const GATEWAY_TIMEOUT_BODY: &str = r#"{"message": "Endpoint request timed out"}"#;

/// The layer: see [`PageFaults`].
pub async fn inject(
    State(state): State<Arc<PageFaultState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let faults = &state.faults;
    if request.method() != Method::GET || *faults == PageFaults::default() {
        return next.run(request).await;
    }
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let limit = pairs
        .iter()
        .find(|(name, _)| name == "limit")
        .and_then(|(_, value)| value.parse::<f64>().ok());
    if let (Some(above), Some(limit)) = (faults.gateway_timeout_above, limit)
        && limit > above as f64
    {
        return gateway_timeout();
    }
    let page_info = pairs
        .iter()
        .find(|(name, _)| name == "page_info")
        .map(|(_, value)| value.as_str());
    if page_info.is_some() && page_info == state.failing.lock().unwrap().as_deref() {
        return ErrorAnswer::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "this page_info failed (the sandbox's failing-cursor fault); start the walk again",
        )
        .into_response();
    }
    if let Some(cap) = faults.page_cap
        && limit.is_none_or(|limit| limit > cap as f64)
    {
        cap_limit(&mut request, &pairs, cap);
    }
    let response = next.run(request).await;
    if let Some(nth) = faults.failing_cursor
        && let Some(cursor) = next_cursor(&response)
        && state.handed_out.fetch_add(1, Ordering::SeqCst) + 1 == nth
    {
        *state.failing.lock().unwrap() = Some(cursor);
    }
    response
}

fn gateway_timeout() -> Response {
    let mut response = (StatusCode::GATEWAY_TIMEOUT, GATEWAY_TIMEOUT_BODY).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(ERROR_TYPE, HeaderValue::from_static("IntegrationTimeout"));
    headers.insert(
        APIGW_ID,
        HeaderValue::from_str(&format!("sbx{:08x}=", fastrand::u32(..))).expect("ASCII"),
    );
    response
}

/// Rewrites the request's `limit` to `cap` (in its URI and in the
/// [`OriginalUri`] handlers read).
fn cap_limit(request: &mut Request, pairs: &[(String, String)], cap: usize) {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs.iter().filter(|(name, _)| name != "limit") {
        query.append_pair(name, value);
    }
    query.append_pair("limit", &cap.to_string());
    let query = query.finish();
    let with_query = |uri: &Uri| -> Option<Uri> { format!("{}?{query}", uri.path()).parse().ok() };
    if let Some(uri) = with_query(request.uri()) {
        *request.uri_mut() = uri;
    }
    if let Some(OriginalUri(original)) = request.extensions().get::<OriginalUri>().cloned()
        && let Some(uri) = with_query(&original)
    {
        request.extensions_mut().insert(OriginalUri(uri));
    }
}

/// The `page_info` of the response's `Link: <…>; rel="next"`, if any.
fn next_cursor(response: &Response) -> Option<String> {
    let link = response.headers().get(header::LINK)?.to_str().ok()?;
    let target = link.split_once('<')?.1.split_once('>')?.0;
    let query = target.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "page_info")
        .map(|(_, value)| value.into_owned())
}
