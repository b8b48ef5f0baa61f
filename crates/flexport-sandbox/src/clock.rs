//! Time arithmetic that saturates instead of overflowing, shared by the
//! engine, the journal and the layers.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// `now` plus `duration`, or the latest time there is.
pub fn later(now: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(duration)
        .ok()
        .and_then(|duration| now.checked_add_signed(duration))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Responses stored before this time have expired.
pub fn expired_before(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|ttl| now.checked_sub_signed(ttl))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}
