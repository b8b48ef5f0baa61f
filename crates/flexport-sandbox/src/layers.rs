//! What every request goes through before its handler, outermost first:
//! a correlation id, the bearer token, the rate limit, and for writes the
//! transaction that makes them durable and idempotent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use flexport_runtime::headers::{CORRELATION_ID, IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED};
use sha2::{Digest, Sha256};

use crate::problem::Problem;
use crate::state::{Change, Store, StoredResponse, Transaction};
use crate::webhooks;

const MAX_BODY: usize = 4 << 20;

/// The token a request authenticated with.
#[derive(Clone)]
struct Account(String);

pub async fn correlation_id(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let id = uuid::Uuid::new_v4().to_string();
    response.headers_mut().insert(
        CORRELATION_ID,
        HeaderValue::from_str(&id).expect("a UUID is a valid header value"),
    );
    response
}

pub async fn authenticate(
    State(store): State<Arc<Store>>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned);
    match token {
        Some(token) if store.config.accepted_tokens().contains(&token) => {
            request.extensions_mut().insert(Account(token));
            next.run(request).await
        }
        Some(_) => Problem::new(StatusCode::UNAUTHORIZED, "unknown bearer token").into_response(),
        None => Problem::new(
            StatusCode::UNAUTHORIZED,
            "missing `Authorization: Bearer <token>` header",
        )
        .into_response(),
    }
}

/// Requests counted per token in one-second windows.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// `Some(seconds to wait)` when this request goes over `limit`.
    fn check(&self, token: &str, limit: u32) -> Option<u64> {
        let mut windows = self.windows.lock().unwrap();
        let now = Instant::now();
        let (start, count) = windows.entry(token.to_owned()).or_insert((now, 0));
        if now.duration_since(*start) >= Duration::from_secs(1) {
            (*start, *count) = (now, 0);
        }
        *count += 1;
        (*count > limit).then_some(1)
    }
}

pub async fn rate_limit(
    State((store, limiter)): State<(Arc<Store>, Arc<RateLimiter>)>,
    request: Request,
    next: Next,
) -> Response {
    if let (Some(limit), Some(Account(token))) = (
        store.config.rate_limit,
        request.extensions().get::<Account>(),
    ) && let Some(wait) = limiter.check(token, limit)
    {
        let mut problem = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("more than {limit} requests per second"),
        );
        problem.retry_after_seconds = Some(wait);
        return problem.into_response();
    }
    next.run(request).await
}

/// Runs a write (any method but GET and HEAD) as one transaction: writes
/// happen one at a time, a repeated `idempotency-key` replays the stored
/// answer instead of acting again, and the changes (with the answer kept for
/// replay) are on disk before the caller hears of them. Webhook events go out
/// after that.
pub async fn write_transaction(
    State(store): State<Arc<Store>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let mut journal = store.writer.lock().await;
    let (mut parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "request body over 4 MiB")
            .into_response();
    };
    let account = parts
        .extensions
        .get::<Account>()
        .map_or("", |Account(token)| token.as_str());
    let key = parts
        .headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .map(|key| format!("{}:{key}", digest(account.as_bytes())));
    let request_digest = digest(
        &[
            parts.method.as_str().as_bytes(),
            parts.uri.path().as_bytes(),
            &body,
        ]
        .join(&b'\n'),
    );
    if let Some(key) = &key
        && let Some(stored) = store.read().responses.get(key).cloned()
    {
        if stored.request_digest != request_digest {
            return Problem::unprocessable(
                "this idempotency-key was used with a different request; use a new key",
            )
            .into_response();
        }
        return replay(stored);
    }

    let tx = Transaction::default();
    parts.extensions.insert(tx.clone());
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (mut response_parts, response_body) = response.into_parts();
    let response_body = to_bytes(response_body, usize::MAX)
        .await
        .unwrap_or_default();
    let status = response_parts.status;
    if let Some(key) = key
        && !status.is_server_error()
        && status != StatusCode::TOO_MANY_REQUESTS
    {
        let stored = StoredResponse {
            request_digest,
            status: status.as_u16(),
            content_type: response_parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            body: String::from_utf8_lossy(&response_body).into_owned(),
        };
        store.apply(
            &tx,
            Change::Response {
                key,
                response: stored,
            },
        );
    }
    let (changes, events) = tx.take();
    if !changes.is_empty()
        && let Err(error) = journal.append(&changes).await
    {
        tracing::error!(%error, "could not write the journal");
        return Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the sandbox could not write its state file: {error}"),
        )
        .into_response();
    }
    drop(journal);
    webhooks::deliver(&store, events);
    response_parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(response_parts, Body::from(response_body))
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    if let Some(value) = stored
        .content_type
        .and_then(|content_type| HeaderValue::from_str(&content_type).ok())
    {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    response
}

fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
