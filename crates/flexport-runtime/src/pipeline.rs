use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, Request, Response};
use tracing::Instrument;
use tracing::field::Empty;

use crate::headers::{CORRELATION_ID, IDEMPOTENCY_KEY};
use crate::retry::{RetryPolicy, parse_retry_after, retryable_error, retryable_status};

/// What every request of a generated client goes through: see the crate docs.
///
/// Cheap to clone; the default adds idempotency keys and retries but no token.
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    settings: Arc<Settings>,
}

#[derive(Debug)]
struct Settings {
    /// `Bearer <token>`, marked sensitive.
    authorization: Option<HeaderValue>,
    idempotency_keys: bool,
    retry: RetryPolicy,
    attempt_timeout: Option<Duration>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            authorization: None,
            idempotency_keys: true,
            retry: RetryPolicy::default(),
            attempt_timeout: None,
        }
    }
}

/// Builds a [`Pipeline`].
#[derive(Debug, Default)]
pub struct PipelineBuilder {
    settings: Settings,
}

/// A token that cannot be sent in a header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the API token contains characters that cannot be sent in an HTTP header")]
pub struct InvalidToken;

impl PipelineBuilder {
    /// Sends `Authorization: Bearer <token>` with every request.
    pub fn bearer_token(self, token: &str) -> Result<Self, InvalidToken> {
        self.authorization(format!("Bearer {}", token.trim()))
    }

    /// Sends HTTP Basic credentials with every request, as an OAuth client
    /// authenticates when it exchanges a code for a token.
    pub fn basic_auth(self, user: &str, password: &str) -> Result<Self, InvalidToken> {
        use base64::Engine as _;
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.authorization(format!("Basic {credentials}"))
    }

    /// Sets the `Authorization` header, marked sensitive so `Debug` hides it.
    fn authorization(mut self, value: String) -> Result<Self, InvalidToken> {
        let mut value = HeaderValue::from_str(&value).map_err(|_| InvalidToken)?;
        value.set_sensitive(true);
        self.settings.authorization = Some(value);
        Ok(self)
    }

    /// Whether POST and PATCH requests get an `idempotency-key` (default: yes).
    pub fn idempotency_keys(mut self, enabled: bool) -> Self {
        self.settings.idempotency_keys = enabled;
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// Time limit of one attempt (connect, send, and receive the headers).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.settings.attempt_timeout = Some(timeout);
        self
    }

    pub fn build(self) -> Pipeline {
        Pipeline {
            settings: Arc::new(self.settings),
        }
    }
}

impl Pipeline {
    pub fn builder() -> PipelineBuilder {
        PipelineBuilder::default()
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.settings.retry
    }

    /// Adds the token and, to a POST or PATCH, an idempotency key; headers the
    /// request already has are left alone.
    pub fn prepare(&self, request: &mut Request) {
        let headers = request.headers_mut();
        if let Some(authorization) = &self.settings.authorization {
            headers
                .entry(AUTHORIZATION)
                .or_insert_with(|| authorization.clone());
        }
        let mutates = matches!(*request.method(), Method::POST | Method::PATCH);
        if self.settings.idempotency_keys
            && mutates
            && !request.headers().contains_key(IDEMPOTENCY_KEY)
        {
            let key = crate::current_idempotency_key()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            if let Ok(value) = HeaderValue::from_str(&key) {
                request.headers_mut().insert(IDEMPOTENCY_KEY, value);
            }
        }
    }

    /// Sends `request`, retrying as the [`RetryPolicy`] allows, inside a
    /// `flexport.request` span.
    ///
    /// A request is retried only when sending it twice cannot act twice: its
    /// method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) or it carries an
    /// idempotency key. The body of a final failed response (status ≥ 400) is
    /// read into memory before it is returned.
    pub async fn execute(
        &self,
        http: &reqwest::Client,
        request: Request,
        operation_id: &str,
    ) -> reqwest::Result<Response> {
        let span = tracing::info_span!(
            "flexport.request",
            operation = operation_id,
            method = %request.method(),
            path = request.url().path(),
            attempt = Empty,
            status = Empty,
            correlation_id = Empty,
        );
        self.send_with_retries(http, request).instrument(span).await
    }

    async fn send_with_retries(
        &self,
        http: &reqwest::Client,
        mut request: Request,
    ) -> reqwest::Result<Response> {
        let policy = &self.settings.retry;
        let may_repeat =
            request.method().is_idempotent() || request.headers().contains_key(IDEMPOTENCY_KEY);
        let key = request.headers().get(IDEMPOTENCY_KEY).cloned();
        let started = Instant::now();
        let span = tracing::Span::current();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let remaining = policy
                .deadline
                .map(|deadline| deadline.saturating_sub(started.elapsed()));
            if let Some(limit) = [self.settings.attempt_timeout, remaining]
                .into_iter()
                .flatten()
                .min()
            {
                *request.timeout_mut() = Some(limit);
            }
            let again = if may_repeat && attempt < policy.max_attempts {
                request.try_clone()
            } else {
                None
            };
            span.record("attempt", attempt);
            let outcome = http.execute(request).await;
            let retry_after = match &outcome {
                Ok(response) => {
                    span.record("status", response.status().as_u16());
                    if let Some(id) = response
                        .headers()
                        .get(CORRELATION_ID)
                        .and_then(|v| v.to_str().ok())
                    {
                        span.record("correlation_id", id);
                    }
                    retryable_status(response.status())
                        .then(|| parse_retry_after(response.headers()))
                }
                Err(error) => retryable_error(error).then_some(None),
            };
            let (Some(again), Some(retry_after)) = (again, retry_after) else {
                return buffer_failure(outcome?, key.as_ref()).await;
            };
            let delay = policy.delay(attempt, retry_after);
            if policy
                .deadline
                .is_some_and(|deadline| started.elapsed() + delay >= deadline)
            {
                tracing::debug!(?delay, "no time left for another attempt");
                return buffer_failure(outcome?, key.as_ref()).await;
            }
            match &outcome {
                Ok(response) => {
                    tracing::debug!(status = response.status().as_u16(), ?delay, "retrying")
                }
                Err(error) => tracing::debug!(%error, ?delay, "retrying"),
            }
            drop(outcome);
            tokio::time::sleep(delay).await;
            request = again;
        }
    }
}

/// Reads the body of a failed response into memory, so the caller's error can
/// show it without awaiting, and copies the request's idempotency key onto it
/// (unless the server echoed one), so the error can name the key to retry
/// with. A successful response is returned untouched.
async fn buffer_failure(
    response: Response,
    key: Option<&HeaderValue>,
) -> reqwest::Result<Response> {
    if response.status().as_u16() < 400 {
        return Ok(response);
    }
    let mut builder = http::Response::builder()
        .status(response.status())
        .version(response.version());
    if let Some(headers) = builder.headers_mut() {
        *headers = response.headers().clone();
        if let Some(key) = key {
            headers
                .entry(IDEMPOTENCY_KEY)
                .or_insert_with(|| key.clone());
        }
    }
    let body = response.bytes().await?;
    Ok(Response::from(
        builder
            .body(body)
            .expect("status and headers came from a response"),
    ))
}
