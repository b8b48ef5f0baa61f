//! The request log: what the sandbox received and how it answered, oldest
//! first, for tests to assert on (`GET /sandbox/requests`,
//! [`crate::Sandbox::requests`]). It keeps the last
//! [`crate::Config::request_log_limit`] requests; the sandbox's own control
//! paths (`/sandbox/clock`, `/sandbox/faults`, `/sandbox/requests`) are
//! not logged.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use flexport_runtime::headers::{CORRELATION_ID, IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED};
use serde::{Deserialize, Serialize};

use crate::faults::{DropConnection, Injected};

/// One request, as the sandbox received and answered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoggedRequest {
    /// Its number, from 1, in the order answers were finished; counts
    /// requests the log no longer holds too.
    pub seq: u64,
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The documented operationId (`CreateOrder202307`); `None` for a path
    /// that is no operation of its version (labels, report downloads, 404s).
    pub operation_id: Option<String>,
    /// The status answered; `None` when the connection was closed without an
    /// answer (a drop fault).
    pub status: Option<u16>,
    /// The `idempotency-key` header as sent.
    pub idempotency_key: Option<String>,
    /// Whether the answer was a replay of a stored one
    /// (`idempotent-replayed: true`).
    pub replayed: bool,
    /// The `x-correlation-id` answered.
    pub correlation_id: Option<String>,
    /// Whether a fault chose the answer: the rule's id
    /// ([`crate::faults::RegisteredFault::rule_id`]), or 0 for a random
    /// fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<u64>,
}

/// The bounded log.
pub(crate) struct RequestLog {
    limit: usize,
    entries: Mutex<(u64, VecDeque<LoggedRequest>)>,
}

impl RequestLog {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            entries: Mutex::new((0, VecDeque::new())),
        }
    }

    pub(crate) fn list(&self) -> Vec<LoggedRequest> {
        self.lock().1.iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.lock().1.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, VecDeque<LoggedRequest>)> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, mut entry: LoggedRequest) {
        if self.limit == 0 {
            return;
        }
        let mut entries = self.lock();
        entries.0 += 1;
        entry.seq = entries.0;
        if entries.1.len() >= self.limit {
            entries.1.pop_front();
        }
        entries.1.push_back(entry);
    }
}

/// Whether `path` is one of the sandbox's control paths, which are not logged.
pub(crate) fn is_control(path: &str) -> bool {
    ["/sandbox/clock", "/sandbox/faults", "/sandbox/requests"]
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
}

/// The outermost layer: logs each request once its answer is made.
pub(crate) async fn record(
    State(log): State<Arc<RequestLog>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if is_control(&path) {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let query = request.uri().query().map(str::to_owned);
    let operation_id = crate::contract::Contract::get()
        .find(&method, &path)
        .map(|row| row.operation_id.to_owned());
    let header = |headers: &axum::http::HeaderMap, name| {
        headers
            .get(name)
            .and_then(|value: &axum::http::HeaderValue| value.to_str().ok())
            .map(str::to_owned)
    };
    let idempotency_key = header(request.headers(), IDEMPOTENCY_KEY);
    let response = next.run(request).await;
    let dropped = response.extensions().get::<DropConnection>().is_some();
    log.push(LoggedRequest {
        seq: 0,
        method: method.to_string(),
        path,
        query,
        operation_id,
        status: (!dropped).then(|| response.status().as_u16()),
        idempotency_key,
        replayed: header(response.headers(), IDEMPOTENT_REPLAYED).as_deref() == Some("true"),
        correlation_id: header(response.headers(), CORRELATION_ID),
        fault: response
            .extensions()
            .get::<Injected>()
            .map(|Injected(rule)| rule.unwrap_or(0)),
    });
    response
}
