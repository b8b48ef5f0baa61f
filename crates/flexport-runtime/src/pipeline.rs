use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, Request, Response};
use tracing::Instrument;
use tracing::field::Empty;

use bytes::Bytes;

use crate::body::{self, Limits};
use crate::classify::RetryDecision;
use crate::classify::{AttemptOutcome, RetryClassifiers};
use crate::guard::{GuardState, OutageGuard};
use crate::headers::name::{CORRELATION_ID, IDEMPOTENCY_KEY, NOT_SENT};
use crate::limiter::{
    AdaptiveLimiter, LimiterRegistry, Permit, RateLimit, RateLimitState, RateLimiter, Signal,
};
use crate::retry::{Next, RetryPolicy, Schedule, Stop, parse_retry_after};
use crate::token::TokenSource;

/// What every request of a generated client goes through: see the crate docs.
///
/// Cheap to clone; the default adds idempotency keys and retries but no token.
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    settings: Arc<Settings>,
}

#[derive(Debug)]
struct Settings {
    /// `Bearer <token>` (or Basic credentials), marked sensitive, in a cell
    /// that can be swapped while the client runs.
    tokens: TokenSource,
    idempotency_keys: bool,
    retry: RetryPolicy,
    classifiers: RetryClassifiers,
    attempt_timeout: Option<Duration>,
    /// The total timeout the `reqwest::Client` itself applies, if known.
    client_timeout: Option<Duration>,
    limits: Limits,
    rate_limit: RateLimit,
    registry: Arc<LimiterRegistry>,
    /// The limiter the last call used, for [`Pipeline::rate_limit_state`].
    last_limiter: Mutex<Option<Arc<dyn RateLimiter>>>,
    /// Shared by every clone of this pipeline; `None` when turned off.
    guard: Option<OutageGuard>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            tokens: TokenSource::default(),
            idempotency_keys: true,
            retry: RetryPolicy::default(),
            classifiers: RetryClassifiers::default(),
            attempt_timeout: None,
            client_timeout: None,
            limits: Limits::default(),
            rate_limit: RateLimit::default(),
            registry: LimiterRegistry::global(),
            last_limiter: Mutex::new(None),
            guard: Some(OutageGuard::default()),
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
        Ok(self.token_source(TokenSource::bearer(token)?))
    }

    /// Sends HTTP Basic credentials with every request, as an OAuth client
    /// authenticates when it exchanges a code for a token.
    pub fn basic_auth(self, user: &str, password: &str) -> Result<Self, InvalidToken> {
        Ok(self.token_source(TokenSource::basic(user, password)?))
    }

    /// Sends the credentials `tokens` holds at the time of each request:
    /// keep a clone to swap the token while the client runs
    /// ([`TokenSource::set_bearer`]).
    pub fn token_source(mut self, tokens: TokenSource) -> Self {
        self.settings.tokens = tokens;
        self
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

    /// The rules that say which outcomes are final and which are worth
    /// another attempt, before the default ones (see [`RetryClassifiers`]).
    pub fn retry_classifiers(mut self, classifiers: RetryClassifiers) -> Self {
        self.settings.classifiers = classifiers;
        self
    }

    /// Time limit of one attempt: connect, send, receive the headers and, for
    /// a body the pipeline reads (see [`Pipeline::execute`]), the whole body.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.settings.attempt_timeout = Some(timeout);
        self
    }

    /// Declares that the `reqwest::Client` given to [`Pipeline::execute`] was
    /// built with `timeout(timeout)`. An attempt whose time limit is not
    /// shorter then gets no per-request timeout, which saves reqwest a dozen
    /// allocations per request; a shorter one (the last attempts before the
    /// retry deadline) still gets its own. Declaring a timeout the client does
    /// not have leaves those attempts without a limit.
    pub fn client_timeout(mut self, timeout: Duration) -> Self {
        self.settings.client_timeout = Some(timeout);
        self
    }

    /// The most bytes of a successful JSON body the pipeline reads (default
    /// 32 MiB). A longer body ends the call with a response marked
    /// [`crate::headers::BODY_TRUNCATED`], which the generated client reports
    /// as an unexpected response, and is not retried (it would be as long
    /// again).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.settings.limits.success = limit;
        self
    }

    /// How calls are paced (default [`RateLimit::Adaptive`]): one limiter
    /// per API origin and token, shared by every pipeline of the same
    /// registry (see [`crate::limiter`]).
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.settings.rate_limit = rate_limit;
        self
    }

    /// Where the limiters of tokens are kept (default: the process-wide
    /// [`LimiterRegistry::global`]). Pipelines with different registries
    /// share no limiter, as separate processes would not.
    pub fn limiter_registry(mut self, registry: Arc<LimiterRegistry>) -> Self {
        self.settings.registry = registry;
        self
    }

    /// Whether the outage guard withholds retries when most attempts fail
    /// (default: yes; see [`crate::guard`]).
    pub fn outage_guard(mut self, enabled: bool) -> Self {
        self.settings.guard = enabled.then(OutageGuard::default);
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

    /// The cell of the credentials this pipeline sends: a new token set on
    /// it is sent from the next request on, by every clone of the pipeline
    /// (and of the client it is in), over the same connections.
    pub fn token_source(&self) -> &TokenSource {
        &self.settings.tokens
    }

    /// The state of the rate limiter the last call used (its token's), or
    /// `None` before the first call or with [`RateLimit::Off`].
    pub fn rate_limit_state(&self) -> Option<RateLimitState> {
        let last = self
            .settings
            .last_limiter
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        last.as_ref().map(|limiter| limiter.state())
    }

    /// The outage guard's state (shared by every clone of this pipeline), or
    /// `None` when it is turned off.
    pub fn outage_guard_state(&self) -> Option<GuardState> {
        self.settings.guard.as_ref().map(OutageGuard::state)
    }

    /// The limiter of `request`'s origin and `Authorization`, if any.
    fn limiter_for(&self, request: &Request) -> Option<Arc<dyn RateLimiter>> {
        let settings = &self.settings;
        let limiter = match &settings.rate_limit {
            RateLimit::Off => return None,
            RateLimit::Custom(limiter) => limiter.clone(),
            setting => {
                let authorization = request
                    .headers()
                    .get(AUTHORIZATION)
                    .map_or(&[][..], HeaderValue::as_bytes);
                let key = settings.registry.key(request.url(), authorization, setting);
                settings.registry.get_or_insert(key, || match setting {
                    RateLimit::Fixed { per_second, burst } => {
                        Arc::new(AdaptiveLimiter::fixed(*per_second, *burst))
                    }
                    RateLimit::AdaptiveFrom { per_second } => {
                        Arc::new(AdaptiveLimiter::adaptive_from(*per_second))
                    }
                    _ => Arc::new(AdaptiveLimiter::adaptive()),
                })
            }
        };
        *settings
            .last_limiter
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(limiter.clone());
        Some(limiter)
    }

    /// Adds the token and, to a POST or PATCH, an idempotency key: the key of
    /// an enclosing [`crate::with_idempotency_key`] scope, else a fresh UUID
    /// v4. Headers the request already has are left alone.
    ///
    /// Fails, so that nothing is sent, when the scope's key cannot be sent as
    /// it is or was already given to a different request.
    pub fn prepare(&self, request: &mut Request) -> Result<(), String> {
        if !request.headers().contains_key(AUTHORIZATION)
            && let Some(authorization) = self.settings.tokens.header()
        {
            request.headers_mut().insert(AUTHORIZATION, authorization);
        }
        let mutates = matches!(*request.method(), Method::POST | Method::PATCH);
        if self.settings.idempotency_keys
            && mutates
            && !request.headers().contains_key(IDEMPOTENCY_KEY)
        {
            let key = crate::idempotency::key_for(request)?;
            request.headers_mut().insert(IDEMPOTENCY_KEY, key);
        }
        Ok(())
    }

    /// Sends `request`, retrying as the [`RetryPolicy`] allows, inside a
    /// `flexport.request` span.
    ///
    /// A request is retried only when sending it twice cannot act twice: its
    /// method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) or it
    /// carries an idempotency key.
    ///
    /// The body is read inside the retry loop, so a body that breaks off
    /// mid-way is retried like a dropped connection: every JSON body (and any
    /// body without a content type) up to the success limit
    /// ([`PipelineBuilder::max_body_bytes`]), and the first 64 KiB of every
    /// failed response's body (a longer one is cut there and marked
    /// [`crate::headers::BODY_TRUNCATED`]). The exception: a successful body
    /// of another media type (a CSV or PDF download) is handed over as a
    /// stream, unread, and a break in it is the caller's to handle.
    ///
    /// Every response handed back carries, in `idempotency-key`, the key the
    /// request was sent with (replacing any the server sent), and every final
    /// transport error carries it in its URL (see
    /// [`crate::idempotency_key_of`]).
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
            permit_wait_ms = Empty,
            throttles = Empty,
            retries_withheld = Empty,
            guard_tokens = Empty,
        );
        let key = request.headers().get(IDEMPOTENCY_KEY).cloned();
        let url = request.url().clone();
        let ended = self.send_with_retries(http, request).instrument(span).await;
        let trail = body::Trail {
            key: key.as_ref(),
            earlier_attempt_may_have_acted: ended.earlier_may_have_acted,
            retries_withheld: ended.retries_withheld,
        };
        let outcome = ended.outcome;
        match outcome {
            Ok(response) => Ok(trail.on_response(response)),
            Err(error) => Err(trail.on_error(error, &url)),
        }
    }

    /// The last attempt's outcome, and whether an earlier attempt may have
    /// been carried out (a 5xx, or a request sent without a clear answer).
    ///
    /// The loop is three parts: [`Self::attempt`] sends once,
    /// [`RetryClassifiers::classify`] says what the outcome means, and
    /// [`Schedule::next`] says whether and when to send again.
    async fn send_with_retries(&self, http: &reqwest::Client, mut request: Request) -> Ended {
        let may_repeat =
            request.method().is_idempotent() || request.headers().contains_key(IDEMPOTENCY_KEY);
        let mut schedule = Schedule::new(&self.settings.retry, Instant::now());
        let limiter = self.limiter_for(&request);
        let span = tracing::Span::current();
        let mut earlier_may_have_acted = false;
        let (mut permit_wait, mut throttles) = (Duration::ZERO, 0_u32);
        // The outcome of the attempt before, handed back if no permit comes
        // before the deadline.
        let mut previous: Option<reqwest::Result<Response>> = None;
        loop {
            if let Some(limiter) = &limiter {
                match limiter.reserve(schedule.deadline()).await {
                    Permit::After(wait) => {
                        if wait >= Duration::from_millis(1) {
                            permit_wait += wait;
                            span.record("permit_wait_ms", permit_wait.as_millis() as u64);
                        }
                    }
                    Permit::TooLate => {
                        tracing::debug!("no permit of the rate limiter before the deadline");
                        let outcome = previous.unwrap_or_else(|| Ok(not_sent(request.url())));
                        return Ended::new(outcome, earlier_may_have_acted);
                    }
                }
            }
            drop(previous.take());
            let attempt = schedule.begin_attempt();
            self.limit_attempt(&mut request, schedule.remaining(Instant::now()));
            let again = if schedule.may_follow(may_repeat) {
                clone_for_retry(&request)
            } else {
                None
            };
            span.record("attempt", attempt);
            let sent_at = Instant::now();
            let (outcome, body) = self.attempt(http, request, &span).await;
            let decision = self
                .settings
                .classifiers
                .classify(&AttemptOutcome::new(&outcome, body.as_ref()));
            drop(body);
            let retry_after = outcome
                .as_ref()
                .ok()
                .and_then(|response| parse_retry_after(response.headers()));
            if let Some(limiter) = &limiter {
                limiter.record(if decision == RetryDecision::Throttled {
                    throttles += 1;
                    span.record("throttles", throttles);
                    Signal::Throttled {
                        retry_after,
                        sent_at,
                    }
                } else {
                    Signal::Accepted
                });
            }
            let next = schedule.next(decision, retry_after, may_repeat, Instant::now());
            if let Some(guard) = &self.settings.guard {
                if decision == RetryDecision::Final && outcome.is_ok() {
                    guard.answered();
                }
                if decision == RetryDecision::Retry
                    && matches!(next, Next::Retry(_))
                    && again.is_some()
                    && !guard.allow_retry()
                {
                    span.record("retries_withheld", true);
                    span.record("guard_tokens", guard.state().tokens);
                    tracing::debug!("no retry: the outage guard withholds it");
                    return Ended {
                        retries_withheld: true,
                        ..Ended::new(outcome, earlier_may_have_acted)
                    };
                }
            }
            let (Next::Retry(delay), Some(again)) = (next, again) else {
                if let Next::Stop(reason) = next
                    && reason != Stop::Final
                {
                    tracing::debug!(?reason, ?retry_after, "no retry");
                }
                return Ended::new(outcome, earlier_may_have_acted);
            };
            earlier_may_have_acted |= match &outcome {
                Ok(response) => response.status().is_server_error(),
                Err(error) => !error.is_connect(),
            };
            match &outcome {
                Ok(response) => {
                    tracing::debug!(status = response.status().as_u16(), ?delay, "retrying")
                }
                Err(error) => tracing::debug!(%error, ?delay, "retrying"),
            }
            previous = Some(outcome);
            tokio::time::sleep(delay).await;
            request = again;
        }
    }

    /// Gives `request` the time limit of its attempt: the attempt timeout,
    /// or what is left of the deadline if that is shorter.
    fn limit_attempt(&self, request: &mut Request, remaining: Option<Duration>) {
        let limit = [self.settings.attempt_timeout, remaining]
            .into_iter()
            .flatten()
            .min();
        // The limit only shrinks from one attempt to the next, so once an
        // attempt has its own timeout, every later one gets one too.
        if let Some(limit) = limit
            && self
                .settings
                .client_timeout
                .is_none_or(|client| limit < client)
        {
            *request.timeout_mut() = Some(limit);
        }
    }

    /// Attempt: sends `request` once and reads its body (see
    /// [`Self::execute`]); hands back the outcome and the body it read.
    async fn attempt(
        &self,
        http: &reqwest::Client,
        request: Request,
        span: &tracing::Span,
    ) -> (reqwest::Result<Response>, Option<Bytes>) {
        let response = match http.execute(request).await {
            Ok(response) => response,
            Err(error) => return (Err(error), None),
        };
        span.record("status", response.status().as_u16());
        if let Some(id) = response
            .headers()
            .get(CORRELATION_ID)
            .and_then(|v| v.to_str().ok())
        {
            span.record("correlation_id", id);
        }
        match body::read(response, &self.settings.limits).await {
            Ok((response, body)) => (Ok(response), body),
            Err(error) => (Err(error), None),
        }
    }
}

/// How a call ended: its last outcome, whether an earlier attempt may have
/// acted, and whether the outage guard withheld a retry.
struct Ended {
    outcome: reqwest::Result<Response>,
    earlier_may_have_acted: bool,
    retries_withheld: bool,
}

impl Ended {
    fn new(outcome: reqwest::Result<Response>, earlier_may_have_acted: bool) -> Self {
        Self {
            outcome,
            earlier_may_have_acted,
            retries_withheld: false,
        }
    }
}

/// The answer of a call that was not sent because the rate limiter had no
/// permit before its deadline: a 429 marked [`crate::headers::NOT_SENT`],
/// which no server sends (the pipeline removes one a server sends).
fn not_sent(url: &reqwest::Url) -> Response {
    let body = r#"{"type":"about:blank","title":"not sent: the client's rate limit for this token has no permit before the call's deadline","status":429}"#;
    use reqwest::ResponseBuilderExt as _;
    let response = http::Response::builder()
        .status(reqwest::StatusCode::TOO_MANY_REQUESTS)
        .url(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/problem+json")
        .header(NOT_SENT, "rate-limit")
        .body(body)
        .expect("a static response");
    Response::from(response)
}

/// `request.try_clone()`, minus the extension map that reqwest 0.13's
/// `try_clone` allocates (to copy a timeout) and throws away on every call.
/// A request with no body and no per-request timeout (reqwest's only
/// per-request setting kept outside the method, URL, headers and version) is
/// copied part by part; any other goes through `try_clone`.
fn clone_for_retry(request: &Request) -> Option<Request> {
    if request.body().is_some() || request.timeout().is_some() {
        return request.try_clone();
    }
    let mut copy = Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    Some(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn a_retry_copy_of_a_bodiless_request_keeps_everything_that_is_sent() {
        let mut request = Request::new(
            Method::GET,
            "http://127.0.0.1/logistics/api/2024-04/products/S?x=1"
                .parse()
                .unwrap(),
        );
        request
            .headers_mut()
            .insert(AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        *request.version_mut() = reqwest::Version::HTTP_2;
        for timeout in [None, Some(Duration::from_millis(1234))] {
            *request.timeout_mut() = timeout;
            let copy = clone_for_retry(&request).unwrap();
            assert_eq!(copy.method(), request.method());
            assert_eq!(copy.url(), request.url());
            assert_eq!(copy.headers(), request.headers());
            assert_eq!(copy.timeout(), timeout.as_ref());
            assert_eq!(copy.version(), reqwest::Version::HTTP_2);
            assert!(copy.body().is_none());
        }
    }
}
