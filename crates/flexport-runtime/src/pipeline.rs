use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::AUTHORIZATION;
use reqwest::{Method, Request, Response};
use tracing::Instrument;
use tracing::field::Empty;

use bytes::Bytes;

use crate::body::{self, Limits};
use crate::classify::{AttemptOutcome, RetryClassifiers};
use crate::headers::name::{CORRELATION_ID, IDEMPOTENCY_KEY};
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
        );
        let key = request.headers().get(IDEMPOTENCY_KEY).cloned();
        let url = request.url().clone();
        let (outcome, earlier) = self.send_with_retries(http, request).instrument(span).await;
        let trail = body::Trail {
            key: key.as_ref(),
            earlier_attempt_may_have_acted: earlier,
        };
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
    async fn send_with_retries(
        &self,
        http: &reqwest::Client,
        mut request: Request,
    ) -> (reqwest::Result<Response>, bool) {
        let may_repeat =
            request.method().is_idempotent() || request.headers().contains_key(IDEMPOTENCY_KEY);
        let mut schedule = Schedule::new(&self.settings.retry, Instant::now());
        let span = tracing::Span::current();
        let mut earlier_may_have_acted = false;
        loop {
            let attempt = schedule.begin_attempt();
            self.limit_attempt(&mut request, schedule.remaining(Instant::now()));
            let again = if schedule.may_follow(may_repeat) {
                clone_for_retry(&request)
            } else {
                None
            };
            span.record("attempt", attempt);
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
            let next = schedule.next(decision, retry_after, may_repeat, Instant::now());
            let (Next::Retry(delay), Some(again)) = (next, again) else {
                if let Next::Stop(reason) = next
                    && reason != Stop::Final
                {
                    tracing::debug!(?reason, ?retry_after, "no retry");
                }
                return (outcome, earlier_may_have_acted);
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
            drop(outcome);
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
