use progenitor_client::ResponseValue;

use flexport_runtime::headers::{CORRELATION_ID, IDEMPOTENT_REPLAYED};

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
        self.headers().get(CORRELATION_ID)?.to_str().ok()
    }

    fn idempotent_replayed(&self) -> bool {
        replayed(self.headers())
    }
}

pub(crate) fn replayed(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get(IDEMPOTENT_REPLAYED)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
}
