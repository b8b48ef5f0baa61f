//! The request pipeline every generated Flexport Logistics API client runs
//! through.
//!
//! Each version crate (`flexport-logistics-2024-04`, ...) is generated with
//! [`Pipeline`] as its progenitor "inner type" and implements progenitor's
//! `ClientHooks` by calling [`Pipeline::prepare`] before a request and
//! [`Pipeline::execute`] to send it. Hooking in there, rather than wrapping
//! `reqwest::Client` in a middleware stack, keeps the generated methods'
//! signatures and error types exactly as progenitor emits them and needs no
//! second HTTP abstraction: the hooks see the finished `reqwest::Request`,
//! which is all that auth, idempotency keys and retries need.
//!
//! What the pipeline adds to a request:
//! - `Authorization: Bearer …` from the configured token, marked sensitive so
//!   it never shows in `Debug` output;
//! - an `idempotency-key` on every POST and PATCH (a UUID v4, or the key set
//!   with [`with_idempotency_key`]), reused by every retry of that call;
//! - retries of 429, 5xx, timeouts and connection failures, for idempotent
//!   methods and for requests that carry an idempotency key, with exponential
//!   backoff and jitter that honours `Retry-After` ([`RetryPolicy`]);
//! - a `tracing` span per call (`flexport.request`) with operation, method,
//!   path, attempt, status and correlation id.
//!
//! It also buffers the body of a failed response, so an error can be read
//! without another round trip (see `flexport::Error`).

mod idempotency;
mod pagination;
mod pipeline;
mod retry;
pub mod webhooks;

pub use idempotency::{current_idempotency_key, with_idempotency_key};
pub use pagination::OffsetPaged;
pub use pipeline::{InvalidToken, Pipeline, PipelineBuilder};
pub use retry::{RetryPolicy, parse_retry_after};

/// Headers the Flexport Logistics API uses but its documents do not declare.
pub mod headers {
    /// Request: makes a POST or PATCH safe to retry.
    pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
    /// Response: a UUID naming the request in Flexport's logs.
    pub const CORRELATION_ID: &str = "x-correlation-id";
    /// Response: `true` when the stored result of an earlier request with the
    /// same idempotency key was replayed instead of acting again.
    pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
}
