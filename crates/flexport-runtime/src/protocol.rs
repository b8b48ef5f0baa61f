//! The protocol between the code `flexport-codegen` generates and this
//! crate, in one place: what the generated code calls, what it rewrites of
//! progenitor's output, and the marks the pipeline leaves on what it hands
//! back for the generated code to carry to [`crate::Error`].
//!
//! Neither side checks the other at compile time beyond names and types, so
//! each part below names the test that fails when one side changes alone.
//!
//! # What the generated code calls
//!
//! [`GENERATED_CODE_USES`] lists every `flexport_runtime` path the generated
//! code of the committed documents names, and [`HOOK_CALLS`] the pipeline
//! methods its hooks call. `tests/tests/protocol.rs` (in the workspace's
//! tests crate) generates every committed document and fails when the
//! generated code names a path not listed here, or no longer names one that
//! is.
//!
//! - **Hooks.** progenitor is run with [`crate::Pipeline`] as the client's
//!   inner type and `HooksMode::Expected`; the generated
//!   `impl progenitor_client::ClientHooks<flexport_runtime::Pipeline>` calls
//!   [`crate::Pipeline::prepare`] in `pre` (its `Err(String)` becomes
//!   `progenitor_client::Error::InvalidRequest`: nothing is sent) and
//!   [`crate::Pipeline::execute`] in `exec`, with the client's
//!   `reqwest::Client` and progenitor's `OperationInfo::operation_id` (the
//!   neutral method name, which becomes the span's `operation`).
//! - **Decoding.** Every successful typed body is decoded by
//!   [`crate::decode`] instead of progenitor's
//!   `ResponseValue::from_response` (same signature), so a body that does
//!   not decode keeps its status, headers and reason.
//! - **Errors.** Every `send()` returns [`crate::Error`], converted once with
//!   `flexport_runtime::Error::from` from `progenitor_client::Error<E>`,
//!   where `E` is `ByteStream` (error bodies handed over raw, by
//!   `ResponseValue::stream`) or `()`. Each `types::error::ConversionError`
//!   is [`crate::build::ConversionError`] (which becomes
//!   [`crate::Error::InvalidRequest`] with `?`), and list setters take a
//!   [`crate::build::IntoList`].
//! - **Tables and helpers.** `OPERATIONS: &[flexport_runtime::Operation]`;
//!   the string fields of response types deserialize with
//!   `flexport_runtime::lenient::*`, and every `u64`, `Option<u64>` and
//!   `Vec<u64>` field (the counts, codes and request ids of the
//!   `counts-and-ids` pass) with `flexport_runtime::integral::*`; list operations implement
//!   `flexport_runtime::pagination::Paged` with a
//!   `flexport_runtime::pagination::Page` built `by_offset`, `by_link` or
//!   `by_last_id`; the webhook `Event` enum parses with
//!   `flexport_runtime::webhooks::{parse, event_key, InvalidEvent}`; each
//!   prelude re-exports `flexport_runtime::ResponseMetadata`.
//!
//! # Rewrites of progenitor's output
//!
//! Each rewrite matches a shape of progenitor's output; a progenitor upgrade
//! that changes the shape must make it fail loudly, never apply silently to
//! nothing:
//!
//! | rewrite (in `flexport-codegen`) | what it matches | when it misses |
//! |---|---|---|
//! | `decode_through_runtime` (token rewrite) | `ResponseValue::from_response` | `tests/tests/protocol.rs`: no `from_response` may remain and `decode` must be used |
//! | `send-error` (syn) | `async fn send(self)` in `mod builder` returning `Result<ResponseValue<T>, Error<E>>` | the build fails with `RewriteMissed` unless it applied once per operation |
//! | `open-response-enums`, `lenient-response-strings`, `integral-numbers`, `schemars-feature`, `string-newtypes`, `composing-builders`, `all-missing-fields` (syn) | typify's enums, fields, derives and builder conversions | `tests/tests/protocol.rs`: each reports a non-zero count for every committed document in the change log |
//!
//! # Marks on what the pipeline hands back
//!
//! The generated code carries the pipeline's response (or transport error)
//! through progenitor's types to `Error::from`; the pipeline's notes about
//! the call ride on it in the only places those types keep:
//!
//! - **Response headers** `x-flexport-sdk-*` ([`crate::headers`]):
//!   `BODY_TRUNCATED` (read by [`crate::decode`]),
//!   `EARLIER_ATTEMPT_MAY_HAVE_ACTED`, `RETRIES_WITHHELD` and `NOT_SENT`
//!   (read by `Error::from`); one a server sends is removed before the
//!   pipeline sets its own.
//!   `idempotency-key` on the response is set to the key the request was
//!   sent with, replacing any the server sent.
//! - **A URL fragment on a final `reqwest::Error`** (never sent):
//!   `idempotency-key`, `earlier-attempt-may-have-acted`, `retries-withheld`,
//!   read by [`crate::idempotency_key_of`] and its siblings; `Error::from`
//!   removes the fragment, so it never shows in `Display`.
//! - **A [`crate::DecodeFailure`] extension** on the rebuilt response of
//!   `UnexpectedResponse`, with the reason a body did not decode.
//! - **Buffered bodies.** The pipeline reads every failed response's body
//!   (its first 64 KiB) and every JSON body before handing the response
//!   back, as one chunk; so `Error::from` reads an error body back from
//!   progenitor's `ByteStream` with `now_or_never()` without waiting, and
//!   gets all of it. A body not buffered (a client built without the
//!   pipeline) reads back as empty, never blocks.
//!
//! `crates/flexport-runtime/tests/protocol.rs` plays the generated code's
//! part against a local server (wrapping the pipeline's answers as
//! progenitor does) and fails when a mark is not set, not removed, or not
//! read back.

/// Every `flexport_runtime` path the generated code of the committed
/// documents names (see the module docs), sorted.
pub const GENERATED_CODE_USES: &[&str] = &[
    "flexport_runtime::Error",
    "flexport_runtime::Error::from",
    "flexport_runtime::Operation",
    "flexport_runtime::Pipeline",
    "flexport_runtime::ResponseMetadata",
    "flexport_runtime::build::ConversionError",
    "flexport_runtime::build::IntoList",
    "flexport_runtime::build::IntoList::into_list",
    "flexport_runtime::decode",
    "flexport_runtime::integral::option_u64",
    "flexport_runtime::integral::u64",
    "flexport_runtime::integral::u64s",
    "flexport_runtime::lenient::option_string",
    "flexport_runtime::lenient::option_string_map",
    "flexport_runtime::lenient::string",
    "flexport_runtime::lenient::strings",
    "flexport_runtime::pagination::Page",
    "flexport_runtime::pagination::Page::by_last_id",
    "flexport_runtime::pagination::Page::by_link",
    "flexport_runtime::pagination::Page::by_offset",
    "flexport_runtime::pagination::Paged",
    "flexport_runtime::webhooks::InvalidEvent",
    "flexport_runtime::webhooks::event_key",
    "flexport_runtime::webhooks::parse",
];

/// The [`crate::Pipeline`] methods the generated `ClientHooks` impl calls on
/// the client's inner value, each once: `pre` calls the first, `exec` the
/// second.
pub const HOOK_CALLS: &[&str] = &[
    "self.inner.prepare(request)",
    "self.inner.execute(&self.client, request, info.operation_id)",
];
