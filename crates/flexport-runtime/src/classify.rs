//! Classify: what one attempt's outcome means for the call. The pipeline's
//! retry loop is three parts, each readable and testable alone:
//!
//! 1. **attempt** (`Pipeline::attempt`): send once, read the body;
//! 2. **classify** (this module): the outcome is final, worth another
//!    attempt, or a throttle;
//! 3. **schedule** ([`crate::retry::Schedule`]): whether and when to send
//!    again, given the attempts, the deadline, `Retry-After`, the rate
//!    limiter and the outage guard.
//!
//! The classification is open to the user, in the spirit of smithy's retry
//! classifiers: [`RetryClassifiers`] holds rules (a status or a six-digit
//! Flexport code is final or retryable, or any function of the outcome),
//! consulted in the order they were added before the default rules. Rules
//! decide only what an outcome means: a request that cannot be sent twice
//! safely (a POST or PATCH without an idempotency key) is never retried,
//! whatever a rule says.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};

use crate::error::ErrorCode;

/// What an attempt's outcome means for the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryDecision {
    /// Hand the outcome back: a success, or a failure that sending the same
    /// request again will not change.
    Final,
    /// Worth another attempt, after a backoff (never shorter than a
    /// `Retry-After` the answer carried).
    Retry,
    /// The server limits this token's rate: worth another attempt once the
    /// wait it asks for has passed. Unlike [`Self::Retry`], a throttle is
    /// not a fault: the client's rate limiter learns from it, and it costs
    /// nothing of the outage guard's budget.
    Throttled,
}

/// One attempt's outcome, as a classifier sees it: an answer (status,
/// headers and, when the pipeline read it, the body) or a transport error.
pub struct AttemptOutcome<'a> {
    result: &'a reqwest::Result<Response>,
    body: Option<&'a Bytes>,
}

impl<'a> AttemptOutcome<'a> {
    pub(crate) fn new(result: &'a reqwest::Result<Response>, body: Option<&'a Bytes>) -> Self {
        Self { result, body }
    }

    /// The answer's status; `None` for a transport error.
    pub fn status(&self) -> Option<StatusCode> {
        self.result.as_ref().ok().map(Response::status)
    }

    pub fn headers(&self) -> Option<&HeaderMap> {
        self.result.as_ref().ok().map(Response::headers)
    }

    /// The body, when the pipeline read it: every failed answer's (its
    /// first 64 KiB) and every JSON success's.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.map(|body| &body[..])
    }

    /// The six-digit Flexport code of a problem+json body: its `code`
    /// member, else the last segment of its `type` URI, else six digits
    /// opening its `title` or `detail`.
    pub fn code(&self) -> Option<ErrorCode> {
        ErrorCode::of_body(self.body()?)
    }

    /// The transport error (no answer, or an answer that broke off).
    pub fn transport_error(&self) -> Option<&reqwest::Error> {
        self.result.as_ref().err()
    }
}

/// Decides what an outcome means; `None` leaves it to the next rule.
pub trait RetryClassifier: Send + Sync {
    fn classify(&self, outcome: &AttemptOutcome<'_>) -> Option<RetryDecision>;
}

impl<F> RetryClassifier for F
where
    F: Fn(&AttemptOutcome<'_>) -> Option<RetryDecision> + Send + Sync,
{
    fn classify(&self, outcome: &AttemptOutcome<'_>) -> Option<RetryDecision> {
        self(outcome)
    }
}

#[derive(Clone)]
enum Rule {
    Status(StatusCode, RetryDecision),
    Code(u32, RetryDecision),
    Custom(Arc<dyn RetryClassifier>),
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(status, decision) => write!(f, "status {status} is {decision:?}"),
            Self::Code(code, decision) => write!(f, "code {code} is {decision:?}"),
            Self::Custom(_) => f.write_str("a custom classifier"),
        }
    }
}

/// The user's rules, consulted in the order they were added, then the
/// default ones ([`default_decision`]).
///
/// ```
/// use flexport_runtime::{RetryClassifiers, RetryDecision};
/// use reqwest::StatusCode;
///
/// let rules = RetryClassifiers::new()
///     // a 409 from this account's proxy clears up by itself
///     .status(StatusCode::CONFLICT, RetryDecision::Retry)
///     // a 503 carrying 999001 never does
///     .code(999_001, RetryDecision::Final);
/// ```
#[derive(Debug, Clone, Default)]
pub struct RetryClassifiers {
    rules: Vec<Rule>,
}

impl RetryClassifiers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers with `status` mean `decision`.
    pub fn status(mut self, status: StatusCode, decision: RetryDecision) -> Self {
        self.rules.push(Rule::Status(status, decision));
        self
    }

    /// Answers whose problem body carries the six-digit `code` mean
    /// `decision`, whatever their status.
    pub fn code(mut self, code: u32, decision: RetryDecision) -> Self {
        self.rules.push(Rule::Code(code, decision));
        self
    }

    /// Any rule: `None` leaves the outcome to the rules after it.
    pub fn custom(mut self, classifier: impl RetryClassifier + 'static) -> Self {
        self.rules.push(Rule::Custom(Arc::new(classifier)));
        self
    }

    /// The first rule's decision that has one, else [`default_decision`].
    pub fn classify(&self, outcome: &AttemptOutcome<'_>) -> RetryDecision {
        self.rules
            .iter()
            .find_map(|rule| match rule {
                Rule::Status(status, decision) => {
                    (outcome.status() == Some(*status)).then_some(*decision)
                }
                Rule::Code(code, decision) => {
                    (outcome.code().map(ErrorCode::number) == Some(*code)).then_some(*decision)
                }
                Rule::Custom(classifier) => classifier.classify(outcome),
            })
            .unwrap_or_else(|| default_decision(outcome))
    }
}

/// The default rules: a `504 Gateway Timeout` of a list page that its
/// stream can still shrink is final (the stream asks again at once with half
/// the page; see [`crate::pagination`]); 429 is a throttle; 5xx, timeouts, broken connections
/// and bodies cut off mid-way are worth another attempt; a request that
/// could not be built or a redirect loop is final, and so is every other
/// answer (a success, or a 4xx: sending it again gives the same answer).
pub fn default_decision(outcome: &AttemptOutcome<'_>) -> RetryDecision {
    match (outcome.status(), outcome.transport_error()) {
        // A list page that its stream asks again at once with a smaller page
        // (see `crate::pagination`): the same page size would time out again.
        (Some(status), _)
            if crate::gateway::is_gateway_timeout(status)
                && crate::pagination::gateway_timeout_shrinks_page() =>
        {
            RetryDecision::Final
        }
        (Some(StatusCode::TOO_MANY_REQUESTS), _) => RetryDecision::Throttled,
        (Some(status), _) if status.is_server_error() => RetryDecision::Retry,
        (Some(_), _) => RetryDecision::Final,
        (None, Some(error)) if error.is_builder() || error.is_redirect() => RetryDecision::Final,
        (None, _) => RetryDecision::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &'static str) -> (reqwest::Result<Response>, Bytes) {
        let response = http::Response::builder().status(status).body(body).unwrap();
        (
            Ok(Response::from(response)),
            Bytes::from_static(body.as_bytes()),
        )
    }

    fn decide(rules: &RetryClassifiers, status: u16, body: &'static str) -> RetryDecision {
        let (result, body) = answer(status, body);
        rules.classify(&AttemptOutcome::new(&result, Some(&body)))
    }

    #[test]
    fn by_default_429_throttles_5xx_retries_and_everything_else_is_final() {
        let rules = RetryClassifiers::new();
        for (status, decision) in [
            (429, RetryDecision::Throttled),
            (500, RetryDecision::Retry),
            (502, RetryDecision::Retry),
            (503, RetryDecision::Retry),
            (504, RetryDecision::Retry),
            (200, RetryDecision::Final),
            (201, RetryDecision::Final),
            (400, RetryDecision::Final),
            (401, RetryDecision::Final),
            (404, RetryDecision::Final),
            (409, RetryDecision::Final),
            (422, RetryDecision::Final),
            (423, RetryDecision::Final),
        ] {
            assert_eq!(decide(&rules, status, ""), decision, "{status}");
        }
    }

    #[test]
    fn a_users_rules_come_first_in_the_order_given() {
        let rules = RetryClassifiers::new()
            .code(407001, RetryDecision::Retry)
            .status(StatusCode::SERVICE_UNAVAILABLE, RetryDecision::Final)
            .status(StatusCode::SERVICE_UNAVAILABLE, RetryDecision::Retry)
            .custom(|outcome: &AttemptOutcome<'_>| {
                (outcome.status() == Some(StatusCode::BAD_GATEWAY)
                    && outcome.body() == Some(b"maintenance"))
                .then_some(RetryDecision::Final)
            });
        let coded = r#"{"type":"about:blank","title":"Bad","code":407001}"#;
        assert_eq!(decide(&rules, 422, coded), RetryDecision::Retry);
        assert_eq!(
            decide(&rules, 422, r#"{"title":"Bad","code":407002}"#),
            RetryDecision::Final
        );
        assert_eq!(
            decide(&rules, 503, ""),
            RetryDecision::Final,
            "first rule wins"
        );
        assert_eq!(decide(&rules, 502, "maintenance"), RetryDecision::Final);
        assert_eq!(decide(&rules, 502, "other"), RetryDecision::Retry);
        assert_eq!(decide(&rules, 429, ""), RetryDecision::Throttled);
    }
}
