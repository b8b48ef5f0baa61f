//! The outage guard: one retry budget shared by all calls of a client
//! (every clone of its pipeline), so that an outage is never multiplied by
//! the retries of every caller.
//!
//! # The design, and why
//!
//! A token bucket of retries, in the spirit of aws-sdk-rust's standard
//! retry quota and Finagle's retry budgets, but sized by the one ratio that
//! separates a service with sporadic faults from one that is down:
//!
//! - it holds up to 80 tokens and starts full (enough for 64 concurrent
//!   calls that all meet a fault at once);
//! - each retry of a fault takes 1 token (a throttle takes none: waiting for
//!   a rate limit adds no load, the rate limiter paces it);
//! - each answer that ends its call's retries as final (a success, or a
//!   4xx: the service is up) puts back 2.
//!
//! So retries are free while at least one attempt in three is answered:
//! at 60% of attempts faulted, 0.4 × 2 returned against 0.6 × 1 taken per
//! attempt keeps the bucket full, and every call gets all its attempts
//! (1 − 0.6⁸ ≈ 98.3% success with 8). When nearly everything fails, the 80
//! tokens go and each call is sent once: in a total outage of 1,000 calls,
//! at most 1,080 requests (1.08 per call). aws-sdk-rust's quota (5 per
//! retry, 1 back per success) would run dry at 60% faults and withhold the
//! retries those calls need.
//!
//! Why no circuit breaker that stops sending altogether: with the budget,
//! the first attempt of every call still goes out, so the first call after
//! Flexport recovers succeeds (recovery is seen at once, with no probe
//! interval to wait out), and the load in an outage is at most the load
//! the callers make, never a multiple of it. A breaker would cut that
//! last request per call, at the price of a probe delay on recovery and
//! calls that fail without Flexport ever being asked. The budget's empty
//! state is this SDK's "open" state: [`GuardState::failing`].
//!
//! A call whose retry the guard withholds ends at once with its last
//! outcome, marked [`crate::headers::RETRIES_WITHHELD`]: the error says the
//! service is failing, names its idempotency key and stays
//! `is_retryable()`.

use std::sync::Mutex;

/// The budget's size, what a retry takes and what a final answer gives back.
const CAPACITY: u32 = 80;
const RETRY_COST: u32 = 1;
const REFUND: u32 = 2;

/// The outage guard of one client (see the module docs).
#[derive(Debug)]
pub struct OutageGuard {
    state: Mutex<Counts>,
}

#[derive(Debug, Clone, Copy)]
struct Counts {
    tokens: u32,
    withheld: u64,
}

/// What the guard looks like now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardState {
    /// Retries it would allow now.
    pub tokens: u32,
    pub capacity: u32,
    /// Retries it has withheld.
    pub withheld: u64,
}

impl GuardState {
    /// Whether retries are withheld now: most recent attempts failed.
    pub fn failing(&self) -> bool {
        self.tokens < RETRY_COST
    }
}

impl Default for OutageGuard {
    fn default() -> Self {
        Self {
            state: Mutex::new(Counts {
                tokens: CAPACITY,
                withheld: 0,
            }),
        }
    }
}

impl OutageGuard {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a retry's token; `false` (the retry is withheld) when none is
    /// left.
    pub fn allow_retry(&self) -> bool {
        let mut counts = self.counts();
        if counts.tokens >= RETRY_COST {
            counts.tokens -= RETRY_COST;
            true
        } else {
            counts.withheld += 1;
            false
        }
    }

    /// An answer that ended its call's retries as final: the service is up.
    pub fn answered(&self) {
        let mut counts = self.counts();
        counts.tokens = (counts.tokens + REFUND).min(CAPACITY);
    }

    pub fn state(&self) -> GuardState {
        let counts = *self.counts();
        GuardState {
            tokens: counts.tokens,
            capacity: CAPACITY,
            withheld: counts.withheld,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_outage_spends_the_budget_once_and_an_answer_brings_retries_back() {
        let guard = OutageGuard::default();
        let allowed = (0..1_000).filter(|_| guard.allow_retry()).count();
        assert_eq!(allowed, CAPACITY as usize);
        let state = guard.state();
        assert!(state.failing());
        assert_eq!(state.withheld, 1_000 - u64::from(CAPACITY));
        guard.answered();
        assert!(!guard.state().failing());
        assert!(guard.allow_retry() && guard.allow_retry() && !guard.allow_retry());
    }

    #[test]
    fn sixty_percent_of_faults_never_run_the_budget_dry() {
        let guard = OutageGuard::default();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut lowest = CAPACITY;
        for _ in 0..100_000 {
            if rng.u32(0..100) < 60 {
                assert!(guard.allow_retry(), "a retry was withheld");
            } else {
                guard.answered();
            }
            lowest = lowest.min(guard.state().tokens);
        }
        assert!(lowest > 0, "{lowest}");
    }
}
