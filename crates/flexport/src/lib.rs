//! Rust SDK for the [Flexport Logistics API](https://logistics-api.flexport.com/).
//!
//! Each API version is a cargo feature and a module holding that version's
//! generated client (`Client`, its `types` and `builder`s, its `prelude` of
//! per-tag extension traits and `ResponseMetadata`, `webhooks::Event`,
//! `EventType` and `Envelope`, and `Outcome`), documented here in full:
//!
//! | feature | module | crate |
//! |---|---|---|
//! | `v2023-04` | `v2023_04` | `flexport-logistics-2023-04` |
//! | `v2023-07` | `v2023_07` | `flexport-logistics-2023-07` |
//! | `v2023-10` | `v2023_10` | `flexport-logistics-2023-10` |
//! | `v2024-01` | `v2024_01` | `flexport-logistics-2024-01` |
//! | `v2024-04` (default) | `v2024_04` | `flexport-logistics-2024-04` |
//! | `unstable` | `unstable` | `flexport-logistics-unstable` |
//!
//! TLS for the client [`ClientBuilder::build`] makes is a feature too (with
//! neither, that client speaks plain `http` only; bring your own with
//! [`ClientBuilder::reqwest_client`]):
//!
//! | feature | provider | gives | lacks |
//! |---|---|---|---|
//! | `rustls` (default) | aws-lc-rs (reqwest's default) | TLS 1.2/1.3, the OS's certificate verifier, the post-quantum hybrid key exchange X25519MLKEM768 offered next to X25519, P-256, P-384 | a fast cold build: aws-lc-sys is a C build (cmake, a C compiler) |
//! | `rustls-ring` | ring, set on the builder's client only (nothing installed process-wide) | TLS 1.2/1.3, the OS's certificate verifier, X25519, P-256, P-384; a shorter cold build | post-quantum key exchange |
//!
//! With both on, the builder uses `rustls` (aws-lc-rs).
//!
//! `schemars` (off by default) derives `schemars::JsonSchema` (schemars 0.8)
//! on every type of every enabled version's `types`.
//!
//! What this crate adds to a bare generated client, the same way for every
//! version:
//! - [`ClientBuilder`]: token (or `FLEXPORT_API_TOKEN`), base URL, timeouts,
//!   retry policy, user agent; tokens are secret and never sent over plain
//!   `http` except to loopback;
//! - idempotency: every POST and PATCH carries an `idempotency-key`, reused by
//!   its retries ([`with_idempotency_key`] sets your own);
//! - retries of 429, 5xx, timeouts, connection failures and bodies cut off
//!   mid-way, with exponential backoff and jitter, honouring `Retry-After`
//!   up to `max_delay` ([`RetryPolicy`]), and a `tracing` span per call; the
//!   exception: a successful non-JSON body (a download) is streamed, and a
//!   break in it is not retried;
//! - one [`Error`] type with the parsed problem+json, the six-digit
//!   [`ErrorCode`], the correlation id, `Retry-After`, the idempotency key the
//!   request carried and whether Flexport may have acted;
//! - [`waiters`] that poll until an inbound is received, an order ships, a
//!   parcel is delivered, a job, report or return is done;
//! - [`oauth`] for partner apps, [`pagination`] streams, [`webhooks`] parsing
//!   and [`ResponseMetadata`] (`x-correlation-id`, `idempotent-replayed`).
//!
//! From the generator, the same way for every version: enums decoded from
//! responses and webhook payloads are open (a value newer than the pinned
//! document decodes into `UnknownValue(String)`, kept exactly and serialized
//! back unchanged; `FromStr` still accepts declared values only), enums used
//! only in requests are closed, unknown response fields are ignored, method
//! names carry no revision suffix (`create_order`, not `create_order202307`;
//! each method's docs name the documented operationId), path ids are strings
//! as responses give them, and `limit`/`offset` are integers.
//!
//! ```no_run
//! # #[cfg(feature = "v2024-04")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use flexport::v2024_04::{prelude::*, types};
//!
//! let client: flexport::v2024_04::Client = flexport::ClientBuilder::from_env()?.build()?;
//! let product = client.get_product().logistics_sku("ABC123").send().await?;
//! println!("{}", product.into_inner().name);
//!
//! // Request bodies are built with the generated builders: the compiler
//! // checks every field name and type; `send()` reports a missing required
//! // field as `InvalidRequest` before anything is sent.
//! let line_item: types::OrderLineItemInput = types::OrderLineItemInput::builder()
//!     .logistics_sku("ABC123")
//!     .quantity(2)
//!     .try_into()?;
//! let order = client
//!     .create_order()
//!     .body_map(|order| {
//!         order
//!             .external_order_id("ORDER-1001")
//!             .address(
//!                 types::AddressInput::builder()
//!                     .name(Some("Ada Lovelace".to_owned()))
//!                     .address1("1 Main St")
//!                     .city("Reno")
//!                     .province_code(Some("NV".to_owned()))
//!                     .zip(Some("89501".to_owned()))
//!                     .country_code("US"),
//!             )
//!             .line_items(vec![line_item])
//!     })
//!     .send()
//!     .await?;
//! println!("order {}", order.id);
//! # Ok(())
//! # }
//! ```
//!
//! Every generated `send()` returns `Result<ResponseValue<T>, `[`Error`]`>`,
//! and a builder's `try_into()` fails with a conversion error that `?` turns
//! into [`Error::InvalidRequest`], naming the missing or invalid field.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
pub mod oauth;
pub mod pagination;
mod versions;
pub mod waiters;
pub mod webhooks;

pub use client::{ClientBuilder, ConfigError, DEFAULT_BASE_URL, TOKEN_ENV_VAR, VersionClient};
pub use flexport_runtime::{
    ApiError, AttemptOutcome, Error, ErrorCode, ErrorKind, GuardState, InvalidResponse,
    LimiterRegistry, Problem, RateLimitState, ResponseMetadata, RetryClassifier, RetryClassifiers,
    RetryDecision, RetryPolicy, TokenSource, headers,
};
/// `client.inner()` is a client's pipeline: read its rate limiter's and outage
/// guard's state with `client.inner().rate_limit_state()` and
/// `client.inner().outage_guard_state()`.
pub use progenitor_client::ClientInfo;

/// Runs `call` with `key` as the idempotency key of the one POST or PATCH
/// request it sends, instead of a fresh UUID v4.
///
/// Use it to send a call again later (after a restart, say) without risking
/// a second order: the same key makes Flexport replay the stored result. The
/// key of a failed call is on its error ([`Error::idempotency_key`]), so you
/// never need to have chosen one beforehand.
///
/// A key belongs to one request. Inside the scope, the first POST or PATCH
/// takes the key; sending that same request again (same method, URL and
/// body) reuses it, while a *different* POST or PATCH in the same scope fails
/// with [`Error::InvalidRequest`] before it is sent, since Flexport would
/// answer it with the first request's stored result or a 422. A key must be 1
/// to 255 printable ASCII characters (no leading or trailing space); any other
/// key is refused the same way, before anything is sent.
///
/// ```no_run
/// # #[cfg(feature = "v2024-04")]
/// # async fn run(client: flexport::v2024_04::Client) -> Result<(), flexport::Error> {
/// use flexport::v2024_04::prelude::*;
///
/// let created = flexport::with_idempotency_key(
///     "product-MUG-1-create",
///     client
///         .create_product()
///         .body_map(|product| product.name("Mug").merchant_sku("MUG-1"))
///         .send(),
/// )
/// .await?;
/// # Ok(())
/// # }
/// ```
pub async fn with_idempotency_key<F: std::future::Future>(
    key: impl Into<String>,
    call: F,
) -> F::Output {
    flexport_runtime::with_idempotency_key(key, call).await
}
/// The `http` crate (version 1) this SDK's types use: [`webhooks::parse_verified`]
/// takes an `http::HeaderMap`, as axum, hyper and reqwest hand them over.
pub use http;
pub use secrecy::{ExposeSecret, SecretString};

/// The repository README's Rust snippets, compiled (and, unless marked
/// `no_run`, run) by `cargo test -p flexport --doc`.
#[cfg(all(doctest, feature = "v2024-04"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

#[cfg(feature = "v2023-04")]
#[doc(inline)]
pub use flexport_logistics_2023_04 as v2023_04;
#[cfg(feature = "v2023-07")]
#[doc(inline)]
pub use flexport_logistics_2023_07 as v2023_07;
#[cfg(feature = "v2023-10")]
#[doc(inline)]
pub use flexport_logistics_2023_10 as v2023_10;
#[cfg(feature = "v2024-01")]
#[doc(inline)]
pub use flexport_logistics_2024_01 as v2024_01;
#[cfg(feature = "v2024-04")]
#[doc(inline)]
pub use flexport_logistics_2024_04 as v2024_04;
#[cfg(feature = "unstable")]
#[doc(inline)]
pub use flexport_logistics_unstable as unstable;
