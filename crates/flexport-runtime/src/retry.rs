use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// When and how often a call is sent again.
///
/// The delay before attempt `n + 1` is drawn uniformly from the upper half of
/// `min(max_delay, initial_delay × 2^(n-1))` ("equal jitter"), and is never
/// shorter than a `Retry-After` the server sent. No wait is ever longer than
/// `max_delay`: a `Retry-After` beyond it (or beyond what is left of the
/// deadline) ends the call with that answer, whose error carries the
/// `Retry-After`, rather than retrying early or sleeping that long. No retry
/// starts if it could not begin before `deadline` (counted from the first
/// attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 disables retries.
    pub max_attempts: u32,
    pub initial_delay: Duration,
    pub max_delay: Duration,
    /// Overall time budget of a call across its attempts.
    pub deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            deadline: Some(Duration::from_secs(120)),
        }
    }
}

impl RetryPolicy {
    /// A policy that sends each request once.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The delay after failed attempt `attempt` (1-based).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        let ceiling = self
            .initial_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let half = ceiling / 2;
        let jitter = Duration::from_nanos(fastrand::u64(0..=half.as_nanos() as u64));
        let backoff = half + jitter;
        retry_after.map_or(backoff, |server| server.max(backoff))
    }

    /// The wait before another attempt after failed attempt `attempt`, begun
    /// `elapsed` after the first; `None` when the call must end instead: the
    /// attempts are used up, the server asks for a longer wait than
    /// `max_delay`, or the wait would reach the deadline. Never panics,
    /// whatever the header said.
    pub fn next_delay(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        elapsed: Duration,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts || retry_after.is_some_and(|wait| wait > self.max_delay) {
            return None;
        }
        let delay = self.delay(attempt, retry_after);
        match self.deadline {
            Some(deadline) if elapsed.checked_add(delay).is_none_or(|at| at >= deadline) => None,
            _ => Some(delay),
        }
    }
}

/// Whether a response status is worth another attempt.
pub(crate) fn retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// Whether a transport error is worth another attempt: anything but a request
/// that could not be built or a redirect loop.
pub(crate) fn retryable_error(error: &reqwest::Error) -> bool {
    !(error.is_builder() || error.is_redirect())
}

/// `Retry-After` as a delay: delta-seconds or an HTTP date.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_within_their_jitter_band_and_stop_at_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1_000),
            deadline: None,
        };
        for (attempt, ceiling) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1_000),
            (9, 1_000),
        ] {
            for _ in 0..200 {
                let delay = policy.delay(attempt, None);
                let ceiling = Duration::from_millis(ceiling);
                assert!(
                    delay >= ceiling / 2 && delay <= ceiling,
                    "{attempt}: {delay:?}"
                );
            }
        }
    }

    #[test]
    fn retry_after_is_a_floor() {
        let policy = RetryPolicy::default();
        assert!(policy.delay(1, Some(Duration::from_secs(7))) >= Duration::from_secs(7));
        let long_backoff = policy.delay(8, Some(Duration::from_millis(1)));
        assert!(long_backoff >= policy.max_delay / 2);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_secs(3)));

        let later = SystemTime::now() + Duration::from_secs(60);
        headers.insert(RETRY_AFTER, httpdate::fmt_http_date(later).parse().unwrap());
        let delay = parse_retry_after(&headers).unwrap();
        assert!(
            delay > Duration::from_secs(55) && delay <= Duration::from_secs(60),
            "{delay:?}"
        );

        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(parse_retry_after(&headers), Some(Duration::ZERO));

        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(parse_retry_after(&headers), None);
    }

    #[test]
    fn no_header_value_makes_a_wait_longer_than_max_delay_or_past_the_deadline() {
        let policy = RetryPolicy {
            max_attempts: 8,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(20),
            deadline: Some(Duration::from_secs(60)),
        };
        let mut headers = HeaderMap::new();
        for value in [
            "18446744073709551615",
            "31536000",
            "21",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            headers.insert(RETRY_AFTER, value.parse().unwrap());
            let retry_after = parse_retry_after(&headers);
            assert!(retry_after.is_some(), "{value}");
            for elapsed in [Duration::ZERO, Duration::from_secs(1), Duration::MAX] {
                assert_eq!(policy.next_delay(1, retry_after, elapsed), None, "{value}");
            }
        }
        // A wait the policy allows is taken in full, unless it would end
        // past the deadline.
        headers.insert(RETRY_AFTER, "20".parse().unwrap());
        let twenty = parse_retry_after(&headers);
        assert!(policy.next_delay(1, twenty, Duration::ZERO) >= Some(Duration::from_secs(20)));
        assert_eq!(policy.next_delay(1, twenty, Duration::from_secs(45)), None);
        assert_eq!(policy.next_delay(1, None, Duration::MAX), None);
        assert_eq!(
            policy.next_delay(8, None, Duration::ZERO),
            None,
            "attempts used up"
        );
        let endless = RetryPolicy {
            deadline: None,
            ..policy
        };
        assert!(endless.next_delay(1, None, Duration::MAX).is_some());
    }

    #[test]
    fn only_429_and_5xx_are_retried() {
        for code in [429, 500, 502, 503, 504] {
            assert!(
                retryable_status(StatusCode::from_u16(code).unwrap()),
                "{code}"
            );
        }
        for code in [200, 400, 401, 403, 404, 409, 422, 423] {
            assert!(
                !retryable_status(StatusCode::from_u16(code).unwrap()),
                "{code}"
            );
        }
    }
}
