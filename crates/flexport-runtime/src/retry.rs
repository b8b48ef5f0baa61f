use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::classify::RetryDecision;

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

/// Schedule: the part of the retry loop that decides whether, and after
/// which wait, a call sends again, from the classified outcome of its last
/// attempt. It reads no clock but the one it is given, so it is tested
/// without sleeping.
#[derive(Debug)]
pub(crate) struct Schedule<'a> {
    policy: &'a RetryPolicy,
    started: Instant,
    /// Attempts made so far that count against `max_attempts`.
    attempts: u32,
    /// Attempts answered with a throttle, which do not count (see
    /// [`Self::next`]).
    throttles: u32,
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Send again after this wait.
    Retry(Duration),
    /// Hand the last outcome back.
    Stop(Stop),
}

/// Why a call ends with its last outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The outcome is classified final (a success, say).
    Final,
    /// The request could act twice if sent again (a POST or PATCH without
    /// an idempotency key).
    NotRepeatable,
    /// `max_attempts` are used up.
    AttemptsUsed,
    /// The wait the server asks for is longer than the policy allows, or no
    /// time is left before the deadline.
    NoTime,
}

impl<'a> Schedule<'a> {
    pub(crate) fn new(policy: &'a RetryPolicy, started: Instant) -> Self {
        Self {
            policy,
            started,
            attempts: 0,
            throttles: 0,
        }
    }

    /// Counts an attempt about to be sent; returns its number (1-based,
    /// throttled ones included).
    pub(crate) fn begin_attempt(&mut self) -> u32 {
        self.attempts += 1;
        self.attempts + self.throttles
    }

    /// Whether another attempt could still follow the current one, so that
    /// a copy of the request is worth keeping.
    pub(crate) fn may_follow(&self, may_repeat: bool) -> bool {
        may_repeat
            && self.policy.max_attempts > 1
            && (self.attempts < self.policy.max_attempts || self.policy.deadline.is_some())
    }

    /// The instant the deadline falls on, if the policy has one.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.policy
            .deadline
            .and_then(|deadline| self.started.checked_add(deadline))
    }

    /// What is left of the deadline at `now`, if the policy has one.
    pub(crate) fn remaining(&self, now: Instant) -> Option<Duration> {
        self.policy
            .deadline
            .map(|deadline| deadline.saturating_sub(now.saturating_duration_since(self.started)))
    }

    /// What follows the current attempt, given its decision, the
    /// `Retry-After` its answer carried and whether the request may be sent
    /// twice.
    ///
    /// A throttle, under a policy with a deadline and more than one
    /// attempt, does not use up an attempt and may wait longer than
    /// `max_delay`: it is retried after its `Retry-After` (or the backoff, if
    /// longer) as long as that wait ends before the deadline, so no call
    /// ends with a 429 while its deadline still allows waiting.
    pub(crate) fn next(
        &mut self,
        decision: RetryDecision,
        retry_after: Option<Duration>,
        may_repeat: bool,
        now: Instant,
    ) -> Next {
        if decision == RetryDecision::Final {
            return Next::Stop(Stop::Final);
        }
        if !may_repeat {
            return Next::Stop(Stop::NotRepeatable);
        }
        let elapsed = now.saturating_duration_since(self.started);
        if decision == RetryDecision::Throttled
            && self.policy.max_attempts > 1
            && let Some(deadline) = self.policy.deadline
        {
            self.attempts = self.attempts.saturating_sub(1);
            self.throttles += 1;
            let delay = self.policy.delay(self.throttles, retry_after);
            return match elapsed.checked_add(delay) {
                Some(at) if at < deadline => Next::Retry(delay),
                _ => Next::Stop(Stop::NoTime),
            };
        }
        if self.attempts >= self.policy.max_attempts {
            return Next::Stop(Stop::AttemptsUsed);
        }
        match self.policy.next_delay(self.attempts, retry_after, elapsed) {
            Some(delay) => Next::Retry(delay),
            None => Next::Stop(Stop::NoTime),
        }
    }
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
    fn throttles_use_up_no_attempt_and_wait_their_retry_after_up_to_the_deadline() {
        let policy = RetryPolicy {
            max_attempts: 2,
            initial_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(1),
            deadline: Some(Duration::from_secs(30)),
        };
        let start = Instant::now();
        let mut schedule = Schedule::new(&policy, start);
        let throttled = RetryDecision::Throttled;
        for n in 1..=10 {
            assert_eq!(schedule.begin_attempt(), n);
            let next = schedule.next(throttled, Some(Duration::from_secs(5)), true, start);
            assert!(
                matches!(next, Next::Retry(wait) if wait >= Duration::from_secs(5)),
                "{n}: {next:?}, longer than max_delay but within the deadline"
            );
        }
        schedule.begin_attempt();
        assert_eq!(
            schedule.next(
                throttled,
                Some(Duration::from_secs(5)),
                true,
                start + Duration::from_secs(25)
            ),
            Next::Stop(Stop::NoTime),
            "a wait that would end past the deadline"
        );
        schedule.begin_attempt();
        assert!(matches!(
            schedule.next(RetryDecision::Retry, None, true, start),
            Next::Retry(_)
        ));
        schedule.begin_attempt();
        assert_eq!(
            schedule.next(RetryDecision::Retry, None, true, start),
            Next::Stop(Stop::AttemptsUsed),
            "the throttles used up no attempt, the faults did"
        );
        // Without a deadline, or with one attempt, a throttle is a fault.
        for policy in [
            RetryPolicy {
                deadline: None,
                ..policy.clone()
            },
            RetryPolicy {
                max_attempts: 1,
                ..policy.clone()
            },
        ] {
            let mut schedule = Schedule::new(&policy, start);
            schedule.begin_attempt();
            let next = schedule.next(throttled, Some(Duration::from_secs(5)), true, start);
            assert!(matches!(next, Next::Stop(_)), "{policy:?}");
        }
    }

    #[test]
    fn the_schedule_stops_on_final_unrepeatable_used_up_and_out_of_time() {
        let policy = RetryPolicy {
            max_attempts: 3,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            deadline: Some(Duration::from_secs(10)),
        };
        let start = Instant::now();
        let mut schedule = Schedule::new(&policy, start);
        assert_eq!(schedule.begin_attempt(), 1);
        let retry = RetryDecision::Retry;
        assert_eq!(
            schedule.next(RetryDecision::Final, None, true, start),
            Next::Stop(Stop::Final)
        );
        assert_eq!(
            schedule.next(retry, None, false, start),
            Next::Stop(Stop::NotRepeatable)
        );
        assert!(matches!(
            schedule.next(retry, None, true, start),
            Next::Retry(_)
        ));
        assert_eq!(
            schedule.next(retry, Some(Duration::from_secs(3)), true, start),
            Next::Stop(Stop::NoTime),
            "a Retry-After beyond max_delay"
        );
        assert_eq!(
            schedule.next(retry, None, true, start + Duration::from_secs(10)),
            Next::Stop(Stop::NoTime),
            "the deadline has passed"
        );
        assert_eq!(
            schedule.remaining(start + Duration::from_secs(4)),
            Some(Duration::from_secs(6))
        );
        schedule.begin_attempt();
        assert!(schedule.may_follow(true));
        schedule.begin_attempt();
        assert!(
            schedule.may_follow(true),
            "a throttle, which uses up no attempt, may follow"
        );
        assert_eq!(
            schedule.next(retry, None, true, start),
            Next::Stop(Stop::AttemptsUsed)
        );
    }
}
