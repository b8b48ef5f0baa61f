use progenitor_client::ResponseValue;
use reqwest::header::HeaderMap;

use crate::headers::{CORRELATION_ID, IDEMPOTENT_REPLAYED};

/// The headers Flexport adds to every response but its documents do not
/// declare, on any generated method's successful result.
pub trait ResponseMetadata {
    /// `x-correlation-id`: quote it when you contact Flexport about a call.
    fn correlation_id(&self) -> Option<&str>;
    /// `idempotent-replayed: true`: the call's idempotency key had been seen,
    /// and this is the stored result of the first call, not a second action.
    fn idempotent_replayed(&self) -> bool;
}

impl<T> ResponseMetadata for ResponseValue<T> {
    fn correlation_id(&self) -> Option<&str> {
        header_text(self.headers(), CORRELATION_ID)
    }

    fn idempotent_replayed(&self) -> bool {
        replayed(self.headers())
    }
}

pub(crate) fn replayed(headers: &HeaderMap) -> bool {
    header_text(headers, IDEMPOTENT_REPLAYED)
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
}

/// A header's value, if present and text.
pub(crate) fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok()
}
