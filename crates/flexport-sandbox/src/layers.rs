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

use crate::auth::{Access, required_scope};
use crate::clock::expired_before;
use crate::contract::MAX_BODY;
use crate::error_answer::ErrorAnswer;
use crate::journal::CommitError;
use crate::state::{StateChange, StoredResponse};
use crate::store::Store;
use crate::transaction::Tx;
use crate::webhooks;

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

/// Checks the bearer token (401 when it is missing or unknown), then the
/// account (423 when the token is one of [`crate::Config::locked_tokens`]),
/// then the scope the operation needs ([`crate::auth::required_scope`]; 403
/// naming it when the token lacks it).
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
    let Some(token) = token else {
        return ErrorAnswer::new(
            StatusCode::UNAUTHORIZED,
            "missing `Authorization: Bearer <token>` header",
        )
        .into_response();
    };
    let Some(access) = access_of(&store, &token) else {
        return ErrorAnswer::new(StatusCode::UNAUTHORIZED, "unknown bearer token").into_response();
    };
    if store.config.locked_tokens.contains(&token) {
        return ErrorAnswer::new(
            StatusCode::LOCKED,
            "the account of this token is locked; no API call is allowed until it is unlocked",
        )
        .into_response();
    }
    if let Some(scope) = required_scope(request.method(), request.uri().path())
        && !access.allows(&scope)
    {
        return ErrorAnswer::new(
            StatusCode::FORBIDDEN,
            format!(
                "this token lacks the scope `{scope}`, which {} {} needs",
                request.method(),
                request.uri().path()
            ),
        )
        .into_response();
    }
    request.extensions_mut().insert(Account(token));
    next.run(request).await
}

/// What `token` may do, or `None` for a token the sandbox does not know.
fn access_of(store: &Store, token: &str) -> Option<Access> {
    let config = &store.config;
    if config.accepted_tokens().iter().any(|known| known == token)
        || config.locked_tokens.iter().any(|known| known == token)
    {
        return Some(Access::All);
    }
    if let Some(scoped) = config
        .scoped_tokens
        .iter()
        .find(|scoped| scoped.token == token)
    {
        return Some(Access::Scopes(scoped.scopes.clone()));
    }
    store
        .read()
        .oauth_tokens
        .get(&crate::auth::digest(token))
        .filter(|issued| {
            config
                .oauth_token_ttl
                .is_none_or(|ttl| crate::clock::later(issued.issued_at, ttl) > store.clock.now())
        })
        .map(|issued| Access::Scopes(issued.scopes.clone()))
}

/// A token bucket per token, as an API gateway keeps one: it holds up to
/// `burst` permits, refills at `rate` per second, and each request takes one.
/// A request that finds less than one permit is refused, takes nothing, and
/// is told to come back when the next permit will be there.
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    permits: f64,
    refilled_at: Instant,
}

impl RateLimiter {
    /// `Some(wait)` when this request goes over the limit: the time until
    /// the bucket holds a permit again.
    fn check(&self, token: &str, rate: u32, burst: u32, now: Instant) -> Option<Duration> {
        let (rate, burst) = (f64::from(rate.max(1)), f64::from(burst.max(1)));
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(token.to_owned()).or_insert(Bucket {
            permits: burst,
            refilled_at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.refilled_at);
        bucket.permits = (bucket.permits + elapsed.as_secs_f64() * rate).min(burst);
        bucket.refilled_at = now;
        if bucket.permits >= 1.0 {
            bucket.permits -= 1.0;
            return None;
        }
        Some(Duration::from_secs_f64((1.0 - bucket.permits) / rate))
    }
}

/// `Retry-After` in whole seconds (what the header carries), rounded up so
/// that a client that waits it finds a permit, and at least 1.
fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

pub async fn rate_limit(
    State((store, limiter)): State<(Arc<Store>, Arc<RateLimiter>)>,
    request: Request,
    next: Next,
) -> Response {
    if let (Some(rate), Some(Account(token))) = (
        store.config.rate_limit,
        request.extensions().get::<Account>(),
    ) {
        let burst = store.config.rate_burst.unwrap_or(rate);
        if let Some(wait) = limiter.check(token, rate, burst, Instant::now()) {
            let mut problem = ErrorAnswer::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("more than {rate} requests per second (bursts of {burst})"),
            );
            problem.retry_after_seconds = Some(retry_after_seconds(wait));
            return problem.into_response();
        }
    }
    next.run(request).await
}

/// Runs a write (any method but GET and HEAD) as one transaction. The
/// body is read first, without holding anything; then the writers' turn is
/// taken, a repeated `idempotency-key` replays the stored answer instead of
/// acting again, and otherwise the handler runs. Its changes (with the answer
/// kept for replay) are committed before the caller hears of them: with a
/// state file, that means on disk. When they cannot be, the answer is 503
/// and nothing of the request remains. Webhook events go out after the
/// commit.
pub async fn write_transaction(
    State(store): State<Arc<Store>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return ErrorAnswer::new(StatusCode::PAYLOAD_TOO_LARGE, "request body over 4 MiB")
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

    let tx = store.begin().await;
    let now = store.clock.now();
    if let Some(key) = &key
        && let Some(stored) = tx.data().responses.get(key).cloned()
        && stored.stored_at >= expired_before(now, store.config.idempotency_ttl)
    {
        // The stored answer may belong to a transaction still on its way
        // to disk: replay it only once that one is committed.
        if let Err(error) = store.commit(tx).await {
            return not_written(error);
        }
        if stored.request_digest != request_digest {
            return ErrorAnswer::unprocessable(
                "this idempotency-key was used with a different request; use a new key",
            )
            .into_response();
        }
        return replay(stored);
    }

    let tx = Tx::new(tx);
    parts.extensions.insert(tx.clone());
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let mut tx = tx
        .take()
        .expect("the transaction outlives the handler that borrowed it");
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
            stored_at: now,
        };
        tx.apply(StateChange::Response {
            key,
            response: stored,
        });
    }
    match store.commit(tx).await {
        Ok(events) => webhooks::deliver(&store, events),
        Err(error) => return not_written(error),
    }
    response_parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(response_parts, Body::from(response_body))
}

/// 503 for a write whose changes could not be committed: nothing of it was
/// kept, so retrying it (with the same key) is safe.
pub(crate) fn not_written(error: CommitError) -> Response {
    let mut problem = ErrorAnswer::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("{error}; nothing of this request was kept, so it can be retried"),
    );
    problem.retry_after_seconds = Some(1);
    problem.into_response()
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

#[cfg(test)]
mod rate_limit_tests {
    use super::*;

    #[test]
    fn the_bucket_allows_its_burst_then_its_rate_and_says_when_the_next_permit_comes() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        // rate 10 per second, bursts of 3
        for _ in 0..3 {
            assert_eq!(limiter.check("t", 10, 3, at(0)), None);
        }
        let wait = limiter.check("t", 10, 3, at(0)).unwrap();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        assert_eq!(retry_after_seconds(wait), 1);
        // a refused request takes nothing: the permit comes 100 ms after the burst
        assert!(limiter.check("t", 10, 3, at(50)).is_some());
        assert_eq!(limiter.check("t", 10, 3, at(100)), None);
        assert!(limiter.check("t", 10, 3, at(150)).is_some());
        // other tokens have their own bucket
        assert_eq!(limiter.check("u", 10, 3, at(150)), None);
        // an idle bucket fills up to its burst, not beyond
        for _ in 0..3 {
            assert_eq!(limiter.check("t", 10, 3, at(10_000)), None);
        }
        assert!(limiter.check("t", 10, 3, at(10_000)).is_some());
        // a slow rate asks for a longer wait
        let slow = RateLimiter::default();
        assert_eq!(slow.check("t", 1, 1, at(0)), None);
        assert_eq!(
            slow.check("t", 1, 1, at(250)).map(retry_after_seconds),
            Some(1)
        );
        assert_eq!(retry_after_seconds(Duration::from_millis(2_100)), 3);
    }
}
