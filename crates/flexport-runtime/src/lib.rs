//! The request pipeline every generated Flexport Logistics API client runs
//! through.
//!
//! Each version crate (`flexport-logistics-2024-04`, ...) is generated with
//! [`Pipeline`] as its progenitor "inner type" and implements progenitor's
//! `ClientHooks` by calling [`Pipeline::prepare`] before a request and
//! [`Pipeline::execute`] to send it. Hooking in there, rather than wrapping
//! `reqwest::Client` in a middleware stack, needs no second HTTP
//! abstraction: the hooks see the finished `reqwest::Request`, which is all
//! that auth, idempotency keys and retries need.
//!
//! The error model lives here too, so the generated crates can use it:
//! every generated `send()` returns [`Error`] (re-exported as
//! `flexport::Error`), converted once from progenitor's error, and a
//! builder's conversion error (a missing required field) converts into
//! [`Error::InvalidRequest`] with `?`. [`ResponseMetadata`] reads the headers
//! Flexport adds to a successful answer.
//!
//! What the pipeline adds to a request:
//! - `Authorization: Bearer …` from the configured token, marked sensitive so
//!   it never shows in `Debug` output;
//! - an `idempotency-key` on every POST and PATCH (a UUID v4, or the key set
//!   with [`with_idempotency_key`]), reused by every retry of that call;
//! - retries of 429, 5xx, timeouts and connection failures, for idempotent
//!   methods and for requests that carry an idempotency key, with exponential
//!   backoff and jitter that honours `Retry-After` ([`RetryPolicy`]), as
//!   classified by rules the user can extend ([`RetryClassifiers`]);
//! - a `tracing` span per call (`flexport.request`) with operation, method,
//!   path, attempt, status and correlation id.
//!
//! It reads response bodies inside the retry loop, so a body cut off
//! mid-way is retried like a dropped connection (successful non-JSON bodies,
//! such as downloads, are the exception: they are streamed), and bounds what
//! it reads. Every response and every final transport error it hands back
//! names the idempotency key the request carried ([`idempotency_key_of`]),
//! and the generated clients decode through [`decode`], so an undecodable
//! body keeps its real status and headers.
//!
//! What the generated code calls, the rewrites of progenitor's output it
//! relies on, and the marks the pipeline leaves for it are listed, with the
//! tests that guard each, in [`protocol`].

mod body;
pub mod build;
mod classify;
mod config;
mod error;
pub mod gateway;
pub mod guard;
mod idempotency;
pub mod integral;
pub mod lenient;
pub mod limiter;
mod operation;
pub mod pagination;
mod pipeline;
pub mod production;
pub mod protocol;
mod response;
mod retry;
mod token;
pub mod webhooks;

pub use body::{
    DecodeFailure, FAILURE_BODY_LIMIT, decode, earlier_attempt_may_have_acted, idempotency_key_of,
    retries_withheld,
};
pub use classify::{
    AttemptOutcome, RetryClassifier, RetryClassifiers, RetryDecision, default_decision,
};
pub use config::{ConfigError, TOKEN_ENV_VAR};
pub use error::{ApiError, Error, ErrorCode, ErrorKind, InvalidResponse, Problem};
pub use guard::{GuardState, OutageGuard};
pub use idempotency::{current_idempotency_key, with_idempotency_key};
pub use limiter::{LimiterRegistry, RateLimit, RateLimitState, RateLimiter};
pub use operation::Operation;
pub use pipeline::{InvalidToken, Pipeline, PipelineBuilder};
pub use response::ResponseMetadata;
pub use retry::{RetryPolicy, parse_retry_after};
pub use token::TokenSource;

/// The API versions this SDK ships a client crate for, oldest first: the one
/// list every other place derives from or is checked against (xtask, the
/// sandbox, CI's feature loop, the facade's features, the workspace tests).
pub const API_VERSIONS: [&str; 6] = [
    "2023-04", "2023-07", "2023-10", "2024-01", "2024-04", "unstable",
];

/// Headers the Flexport Logistics API uses but its documents do not declare.
pub mod headers {
    /// Request: makes a POST or PATCH safe to retry.
    pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
    /// Response: a UUID naming the request in Flexport's logs.
    pub const CORRELATION_ID: &str = "x-correlation-id";
    /// Response: `true` when the stored result of an earlier request with the
    /// same idempotency key was replayed instead of acting again.
    pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
    /// Response, set by the pipeline and never by Flexport (one a server
    /// sends is removed): the body was cut at this many bytes, the limit.
    pub const BODY_TRUNCATED: &str = "x-flexport-sdk-body-truncated";
    /// Response, set by the pipeline and never by Flexport (one a server
    /// sends is removed): `true` when an attempt before this answer may have
    /// been carried out (it got a 5xx, or was sent and got no clear answer).
    pub const EARLIER_ATTEMPT_MAY_HAVE_ACTED: &str =
        "x-flexport-sdk-earlier-attempt-may-have-acted";
    /// Response, set by the pipeline and never by Flexport (one a server
    /// sends is removed): this answer did not come from Flexport; the
    /// request (or its retry) was not sent, for the reason named:
    /// `rate-limit` (no permit before the deadline) or `outage` (the outage
    /// guard withheld it).
    pub const NOT_SENT: &str = "x-flexport-sdk-not-sent";
    /// Response, set by the pipeline and never by Flexport (one a server
    /// sends is removed): `outage` when the outage guard withheld a retry
    /// this call would otherwise have had, because most recent attempts of
    /// this client failed.
    pub const RETRIES_WITHHELD: &str = "x-flexport-sdk-retries-withheld";

    /// The same names as `HeaderName`s, for the pipeline: a lookup by `&str`
    /// parses the name again on every call.
    pub(crate) mod name {
        use reqwest::header::HeaderName;

        pub(crate) const IDEMPOTENCY_KEY: HeaderName =
            HeaderName::from_static(super::IDEMPOTENCY_KEY);
        pub(crate) const CORRELATION_ID: HeaderName =
            HeaderName::from_static(super::CORRELATION_ID);
        pub(crate) const BODY_TRUNCATED: HeaderName =
            HeaderName::from_static(super::BODY_TRUNCATED);
        pub(crate) const EARLIER_ATTEMPT_MAY_HAVE_ACTED: HeaderName =
            HeaderName::from_static(super::EARLIER_ATTEMPT_MAY_HAVE_ACTED);
        pub(crate) const NOT_SENT: HeaderName = HeaderName::from_static(super::NOT_SENT);
        pub(crate) const RETRIES_WITHHELD: HeaderName =
            HeaderName::from_static(super::RETRIES_WITHHELD);
    }
}
