//! The client-side rate limiter: one per token (and API origin), shared by
//! every clone of a client and every version client built with that token,
//! so that a call waits for a permit instead of sending into Flexport's
//! limit.
//!
//! # How it learns
//!
//! [`AdaptiveLimiter`] is a token bucket (GCRA: each permit is a reservation
//! of a send time, so callers are served in order and no lock is held while
//! anyone waits) whose rate it learns from the answers:
//!
//! - **Slow start.** A token's limiter starts at 5 requests per second
//!   (bursts of 5; [`RateLimit::AdaptiveFrom`] starts at another rate, such
//!   as one an earlier job learned) and adds one request per second for
//!   every answer that is not a throttle, so a saturated limiter about
//!   doubles its rate each second, up to twice the rate it was accepted at
//!   over the last second (never below its start). The cost, for a token
//!   Flexport never throttles: the first second of a burst of calls is paced
//!   at 5 per second, the next at about 10, ... A token's limiter stays in
//!   its registry (the process's, by default) until the registry is full
//!   and it is the longest unused, so a later job of the same token in the
//!   same process starts at the rate the earlier one reached.
//! - **One throttle alone does not end slow start.** The first throttle in
//!   slow start only pauses the doubling for a second; a second throttle
//!   within that second ends slow start with the cut below. A rate that
//!   overshoots the server's limit gets its throttles in quick succession
//!   (at twice the limit, every other request), so this costs about one
//!   more 429 there; an isolated 429 (a gateway's hiccup) costs a second
//!   without growth instead of the rest of the job at half the rate.
//! - **A throttle** (a 429, or any outcome a classifier calls
//!   [`crate::RetryDecision::Throttled`], such as a gateway's throttling
//!   answer) cuts the rate to 90% of the rate answers were accepted at
//!   during the last half second (what the server demonstrably took), or to
//!   90% of its own rate if that is lower (half of it, leaving slow start:
//!   the doubling may have overshot by that much, hidden by the server's
//!   burst); a throttle of a request sent
//!   before the last cut tells of the rate before it and cuts nothing (the
//!   throttles of one overshoot are one signal). A cut drops the burst
//!   saved up, so nothing is sent in a volley after it.
//!   The throttled call itself waits at least the answer's `Retry-After`
//!   before it takes a new permit; other calls go on at the cut rate.
//! - **Probing.** After the first throttle the rate grows by 4% per second
//!   of accepted answers, so it finds a raised limit again, and several
//!   clients that share nothing (a fleet of processes) each settle near
//!   their share of one limit: each cuts to what it was accepted at.
//!
//! A rate set with [`RateLimit::Fixed`] is the start and the ceiling; a
//! throttle still cuts below it and probing climbs back to it.
//!
//! # What it cannot tell apart
//!
//! A throttle is taken as the server's word that the rate is too high.
//! 429s that come at a fixed share of requests whatever the rate (faults
//! drawn at random, as the fault-injection tests do) hold it low: after
//! slow start each one cuts 10% and probing adds back 4% a second, so 429s
//! at 5% of `n` requests a second cut `0.05 n` times a second, and the rate
//! settles near `ln 1.04 / (0.05 ln (1/0.9))`, about 7.5 per second,
//! whatever the server could take. Telling such 429s from a limit would
//! take comparing throttle shares at two rates over many answers, which at
//! a few requests a second takes longer than the jobs it would serve. No
//! 429 of Flexport's is documented to be anything but its rate limit;
//! behind a proxy that throttles at random, turn the limiter off
//! (`RateLimit::Off`) and let each call wait its own `Retry-After`.
//!
//! A permit is taken for every attempt, retries included. A call never
//! waits past its deadline: when the permit would come later, no permit is
//! taken and the call ends (see `Pipeline::execute`).
//!
//! # Why not `governor`
//!
//! `governor` is a well-kept GCRA implementation, but its quota is fixed at
//! construction: it cannot change its rate as the limiter learns, and its
//! `until_ready` waits without a deadline. The learning is the point here,
//! and the GCRA step itself is a few lines, so the bucket is written out.
//!
//! # A fleet: the same limiter on a shared store (on paper)
//!
//! Processes on many machines share one token's limit. Each learns on its
//! own (above), which converges because each cuts to what it was accepted
//! at; a shared store makes them one limiter instead. [`RateLimiter`] is the
//! seam: an implementation backed by Redis would keep, per token digest, a
//! hash `{tat, rate, slow_start, last_cut}` and
//! - `reserve`: one `EVAL` of a Lua script that reads the hash and the
//!   server's `TIME`, computes the send time as [`AdaptiveLimiter`] does
//!   (`max(now, tat - tolerance)`), refuses it past the caller's deadline,
//!   else stores `tat + interval` and returns the send time as a delay (the
//!   caller sleeps locally; Redis's clock orders everyone);
//! - `record`: an `EVAL` that applies the same cut (guarded by `last_cut`,
//!   so a fleet's many 429s of one overshoot cut once) or increase; the
//!   accepted rate is a counter per 100 ms slot with a 1 s expiry.
//!
//! A store that cannot be reached should fall back to the in-process
//! limiter rather than fail calls.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

/// What a limiter answers to a request for a permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// Send now: the permit came after this wait (zero: at once).
    After(Duration),
    /// No permit before the caller's latest time; none was taken.
    TooLate,
}

/// A reservation: the wait until its send time, and the limiter's epoch it
/// was made in (a cut voids the reservations of the epochs before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    pub wait: Duration,
    epoch: u64,
}

/// What an attempt's answer tells a limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// An answer that was not a throttle (any status but a throttle's, or a
    /// transport error after sending).
    Accepted,
    /// The server throttled the request sent at `sent_at`, asking for
    /// `retry_after` if it said.
    Throttled {
        retry_after: Option<Duration>,
        sent_at: Instant,
    },
}

/// A limiter's state, as `Pipeline::rate_limit_state` reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitState {
    /// Permits per second it grants now; `None` for a limiter that does
    /// not say.
    pub per_second: Option<f64>,
    /// Permits it can grant at once after a pause.
    pub burst: Option<f64>,
    /// Still doubling, before its first throttle.
    pub slow_start: bool,
    /// Throttles it has seen.
    pub throttles: u64,
    /// Permits it granted after a wait.
    pub waits: u64,
}

/// A rate limiter the pipeline takes a permit from before every attempt:
/// the seam for a limiter on a shared store (see the module docs).
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Waits for a permit to send, at the latest by `latest` (`None`: no
    /// deadline); resolves when the caller may send.
    fn reserve(&self, latest: Option<Instant>) -> BoxFuture<'_, Permit>;
    /// Learns from an answer.
    fn record(&self, signal: Signal);
    fn state(&self) -> RateLimitState;
}

/// How a pipeline limits its rate.
#[derive(Debug, Clone, Default)]
pub enum RateLimit {
    /// Learned from throttles, starting slowly (the default).
    #[default]
    Adaptive,
    /// Learned from throttles as [`Self::Adaptive`], but starting at
    /// `per_second` (bursts of one second's worth) instead of 5: a rate the
    /// token was accepted at before, such as the
    /// [`RateLimitState::per_second`] an earlier job ended with. A start
    /// above the server's limit costs the 429s of one overshoot, as slow
    /// start's doubling does.
    AdaptiveFrom { per_second: f64 },
    /// Starts at, and never goes above, this rate and burst; throttles
    /// still cut below it.
    Fixed { per_second: f64, burst: u32 },
    /// No limiter: every attempt is sent at once.
    Off,
    /// Your own limiter (a shared store, say), for every token.
    Custom(Arc<dyn RateLimiter>),
}

const START_RATE: f64 = 5.0;
const MIN_RATE: f64 = 0.5;
/// How long a first throttle in slow start waits for a second one.
const HOLD: Duration = Duration::from_secs(1);
const CUT: f64 = 0.9;
const PROBE: f64 = 0.04;
/// Accepted answers are counted in 5 slots of 100 ms.
const SLOT: Duration = Duration::from_millis(100);
const SLOTS: usize = 5;

/// The in-process limiter (see the module docs for how it learns).
#[derive(Debug)]
pub struct AdaptiveLimiter {
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    rate: f64,
    /// `None`: one second's worth of the current rate.
    burst: Option<f64>,
    ceiling: Option<f64>,
    /// Slow start never pulls the rate below this.
    start: f64,
    /// GCRA's theoretical arrival time of the next permit.
    tat: Instant,
    slow_start: bool,
    /// When a first throttle in slow start paused the doubling.
    held_since: Option<Instant>,
    last_cut: Option<Instant>,
    last_probe: Instant,
    origin: Instant,
    /// Accepted answers per 100 ms slot, with the slot's number.
    accepted: [(u64, u32); SLOTS],
    throttles: u64,
    waits: u64,
    /// Counts the cuts; a reservation made before the last cut is void.
    epoch: u64,
}

impl AdaptiveLimiter {
    /// A limiter that learns its rate, starting slowly.
    pub fn adaptive() -> Self {
        Self::adaptive_from(START_RATE)
    }

    /// A limiter that learns its rate, starting at `per_second`.
    pub fn adaptive_from(per_second: f64) -> Self {
        let rate = if per_second.is_finite() {
            per_second.max(MIN_RATE)
        } else {
            START_RATE
        };
        Self::new(rate, None, None, true)
    }

    /// A limiter of `per_second` with bursts of `burst`, never above it.
    pub fn fixed(per_second: f64, burst: u32) -> Self {
        let rate = per_second.max(MIN_RATE);
        Self::new(rate, Some(f64::from(burst.max(1))), Some(rate), false)
    }

    fn new(rate: f64, burst: Option<f64>, ceiling: Option<f64>, slow_start: bool) -> Self {
        let now = Instant::now();
        Self {
            state: Mutex::new(Bucket {
                rate,
                burst,
                ceiling,
                start: rate,
                tat: now,
                slow_start,
                held_since: None,
                last_cut: None,
                last_probe: now,
                origin: now,
                accepted: [(0, 0); SLOTS],
                throttles: 0,
                waits: 0,
                epoch: 0,
            }),
        }
    }

    fn bucket(&self) -> std::sync::MutexGuard<'_, Bucket> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserves a send time at `now`, without waiting; `None` when it would
    /// come after `latest` (nothing is reserved then).
    pub fn reserve_at(&self, now: Instant, latest: Option<Instant>) -> Option<Reservation> {
        let mut bucket = self.bucket();
        let interval = Duration::from_secs_f64(1.0 / bucket.rate);
        let tolerance = interval.mul_f64((bucket.burst() - 1.0).max(0.0));
        let send_at = now.max(bucket.tat.checked_sub(tolerance).unwrap_or(now));
        if latest.is_some_and(|latest| send_at > latest) {
            return None;
        }
        bucket.tat = bucket.tat.max(now) + interval;
        let wait = send_at.saturating_duration_since(now);
        if !wait.is_zero() {
            bucket.waits += 1;
        }
        Some(Reservation {
            wait,
            epoch: bucket.epoch,
        })
    }

    /// Whether `reservation` still holds: no cut came since it was made.
    pub fn holds(&self, reservation: &Reservation) -> bool {
        self.bucket().epoch == reservation.epoch
    }

    /// [`RateLimiter::record`] at `now`.
    pub fn record_at(&self, signal: Signal, now: Instant) {
        let mut bucket = self.bucket();
        match signal {
            Signal::Accepted => bucket.accepted(now),
            Signal::Throttled { sent_at, .. } => bucket.throttled(sent_at, now),
        }
    }
}

impl Bucket {
    fn burst(&self) -> f64 {
        self.burst.unwrap_or(self.rate).max(1.0)
    }

    fn slot(&self, now: Instant) -> u64 {
        (now.saturating_duration_since(self.origin).as_nanos() / SLOT.as_nanos()) as u64
    }

    /// Answers accepted per second over the last half second.
    fn accepted_rate(&self, now: Instant) -> f64 {
        let current = self.slot(now);
        let count: u32 = self
            .accepted
            .iter()
            .filter(|(slot, _)| current.saturating_sub(*slot) < SLOTS as u64)
            .map(|(_, count)| count)
            .sum();
        f64::from(count) / (SLOT.as_secs_f64() * SLOTS as f64)
    }

    fn accepted(&mut self, now: Instant) {
        let slot = self.slot(now);
        let entry = &mut self.accepted[(slot % SLOTS as u64) as usize];
        if entry.0 != slot {
            *entry = (slot, 0);
        }
        entry.1 += 1;
        if self
            .held_since
            .is_some_and(|since| now.saturating_duration_since(since) > HOLD)
        {
            self.held_since = None;
        }
        if self.slow_start {
            // +1 per accepted answer doubles a saturated rate each second;
            // an idle limiter does not grow past twice what it was used at
            // (nor shrink: a pause between jobs keeps the rate reached).
            // Held after a throttle: no growth until the pause ends.
            if self.held_since.is_none() {
                let used = self.accepted_rate(now);
                let grown = (self.rate + 1.0).min((2.0 * used).max(self.start));
                self.rate = self.rate.max(grown);
            }
        } else if now.saturating_duration_since(self.last_probe) >= Duration::from_secs(1) {
            self.last_probe = now;
            self.rate *= 1.0 + PROBE;
        }
        if let Some(ceiling) = self.ceiling {
            self.rate = self.rate.min(ceiling);
        }
    }

    fn throttled(&mut self, sent_at: Instant, now: Instant) {
        self.throttles += 1;
        // A request sent before the last cut tells of the rate before it.
        if self.last_cut.is_some_and(|cut| sent_at < cut) {
            return;
        }
        // In slow start, one throttle alone pauses the doubling; a second
        // within the pause ends slow start.
        if self.slow_start
            && self
                .held_since
                .is_none_or(|since| now.saturating_duration_since(since) > HOLD)
        {
            self.held_since = Some(now);
            return;
        }
        self.held_since = None;
        self.last_cut = Some(now);
        self.last_probe = now;
        // Leaving slow start, the rate has overshot by up to twice, and
        // what was accepted includes the server's burst: halve it.
        let own = if self.slow_start { 0.5 } else { CUT } * self.rate;
        self.slow_start = false;
        let accepted = CUT * self.accepted_rate(now);
        self.rate = accepted.min(own).max(MIN_RATE);
        // The reservations made at the old rate are void (their holders
        // reserve again when they wake), and no burst is saved up: the
        // server's bucket is empty, so the next permit is one interval of
        // the new rate away, then one per interval.
        self.epoch += 1;
        let interval = Duration::from_secs_f64(1.0 / self.rate);
        let tolerance = interval.mul_f64((self.burst() - 1.0).max(0.0));
        self.tat = now + tolerance + interval;
    }
}

impl RateLimiter for AdaptiveLimiter {
    fn reserve(&self, latest: Option<Instant>) -> BoxFuture<'_, Permit> {
        Box::pin(async move {
            let mut waited = Duration::ZERO;
            loop {
                let Some(reservation) = self.reserve_at(Instant::now(), latest) else {
                    return Permit::TooLate;
                };
                if reservation.wait.is_zero() {
                    return Permit::After(waited);
                }
                tokio::time::sleep(reservation.wait).await;
                waited += reservation.wait;
                if self.holds(&reservation) {
                    return Permit::After(waited);
                }
            }
        })
    }

    fn record(&self, signal: Signal) {
        self.record_at(signal, Instant::now());
    }

    fn state(&self) -> RateLimitState {
        let bucket = self.bucket();
        RateLimitState {
            per_second: Some(bucket.rate),
            burst: Some(bucket.burst()),
            slow_start: bucket.slow_start,
            throttles: bucket.throttles,
            waits: bucket.waits,
        }
    }
}

/// The limiters of the tokens a process uses, keyed by a digest of (API
/// origin, `Authorization` value, setting): never the token itself. It keeps
/// at most `capacity` limiters (4,096 in the process-wide one); when full, a
/// new token's limiter replaces the longest unused one that no client holds,
/// or, if every one is held, is not kept (that client then has its own).
pub struct LimiterRegistry {
    /// Each key's limiter and when it was last used.
    limiters: Mutex<HashMap<u64, Registered>>,
    hasher: RandomState,
    capacity: usize,
}

type Registered = (Arc<dyn RateLimiter>, Instant);

impl fmt::Debug for LimiterRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LimiterRegistry")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl LimiterRegistry {
    /// A registry of its own, for clients that must share nothing with the
    /// rest of the process (several simulated processes in one test).
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            limiters: Mutex::new(HashMap::new()),
            hasher: RandomState::new(),
            capacity: capacity.max(1),
        })
    }

    /// The process-wide registry every pipeline uses unless given another.
    pub fn global() -> Arc<Self> {
        static GLOBAL: OnceLock<Arc<LimiterRegistry>> = OnceLock::new();
        GLOBAL.get_or_init(|| Self::new(4_096)).clone()
    }

    /// How many limiters it keeps.
    pub fn len(&self) -> usize {
        self.limiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn key(&self, url: &url::Url, authorization: &[u8], setting: &RateLimit) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        (url.scheme(), url.host_str(), url.port_or_known_default()).hash(&mut hasher);
        authorization.hash(&mut hasher);
        match setting {
            RateLimit::Fixed { per_second, burst } => {
                (1u8, per_second.to_bits(), *burst).hash(&mut hasher)
            }
            RateLimit::AdaptiveFrom { per_second } => (2u8, per_second.to_bits()).hash(&mut hasher),
            _ => 0u8.hash(&mut hasher),
        }
        hasher.finish()
    }

    /// The limiter for `key`, made with `make` if there is none.
    pub(crate) fn get_or_insert(
        &self,
        key: u64,
        make: impl FnOnce() -> Arc<dyn RateLimiter>,
    ) -> Arc<dyn RateLimiter> {
        let now = Instant::now();
        let mut limiters = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((limiter, used)) = limiters.get_mut(&key) {
            *used = now;
            return limiter.clone();
        }
        let limiter = make();
        if limiters.len() >= self.capacity {
            let unused = limiters
                .iter()
                .filter(|(_, (limiter, _))| Arc::strong_count(limiter) == 1)
                .min_by_key(|(_, (_, used))| *used)
                .map(|(key, _)| *key);
            match unused {
                Some(old) => {
                    limiters.remove(&old);
                }
                None => return limiter,
            }
        }
        limiters.insert(key, (limiter.clone(), now));
        limiter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn wait(reservation: Option<Reservation>) -> Duration {
        reservation.expect("a permit").wait
    }

    #[test]
    fn a_fixed_limiter_grants_its_burst_then_one_permit_per_interval_in_order() {
        let limiter = AdaptiveLimiter::fixed(10.0, 3);
        let now = Instant::now();
        let waits: Vec<Duration> = (0..6)
            .map(|_| wait(limiter.reserve_at(now, None)))
            .collect();
        assert_eq!(waits[..3], [Duration::ZERO; 3]);
        for (i, expected) in [(3, 100), (4, 200), (5, 300)] {
            assert!(waits[i].abs_diff(ms(expected)) < ms(1), "{waits:?}");
        }
        // A permit past the caller's latest time is refused and not taken.
        assert_eq!(limiter.reserve_at(now, Some(now + ms(350))), None);
        assert!(wait(limiter.reserve_at(now, Some(now + ms(400)))).abs_diff(ms(400)) < ms(1));
        assert_eq!(limiter.state().waits, 4);
    }

    #[test]
    fn a_throttle_cuts_to_what_was_accepted_voids_older_reservations_and_probing_climbs_back() {
        let limiter = AdaptiveLimiter::fixed(100.0, 10);
        let start = Instant::now();
        // 20 answers accepted over the last half second: 40 per second.
        for i in 0..20 {
            limiter.record_at(Signal::Accepted, start + ms(600 + i * 20));
        }
        let throttled = |sent: u64| Signal::Throttled {
            retry_after: None,
            sent_at: start + ms(sent),
        };
        limiter.record_at(throttled(990), start + ms(1_000));
        let cut = limiter.state();
        assert!(!cut.slow_start);
        assert!(
            (cut.per_second.unwrap() - 0.9 * 40.0).abs() < 1e-6,
            "{cut:?}"
        );
        // No volley after the cut: the permits after it are spaced.
        let now = start + ms(1_000);
        let interval = Duration::from_secs_f64(1.0 / 36.0);
        assert!(wait(limiter.reserve_at(now, None)).abs_diff(interval) < ms(1));
        let reserved = limiter.reserve_at(now, None).unwrap();
        assert!(reserved.wait.abs_diff(interval * 2) < ms(1));
        assert!(limiter.holds(&reserved));
        // Throttles of requests sent before the cut are the same overshoot.
        limiter.record_at(throttled(999), start + ms(1_100));
        assert_eq!(limiter.state().per_second, cut.per_second);
        assert_eq!(limiter.state().throttles, 2);
        // Each second of accepted answers adds 4%.
        limiter.record_at(Signal::Accepted, start + ms(2_100));
        let probed = limiter.state().per_second.unwrap();
        assert!((probed - cut.per_second.unwrap() * 1.04).abs() < 1e-6);
        // A request sent after the cut and still throttled cuts again.
        limiter.record_at(throttled(2_200), start + ms(2_210));
        let again = limiter.state().per_second.unwrap();
        assert!(again < probed * 0.95, "{again}");
        assert!(
            !limiter.holds(&reserved),
            "a reservation made at the old rate is void"
        );
    }

    #[test]
    fn slow_start_doubles_a_saturated_rate_but_an_idle_one_stays_put() {
        let limiter = AdaptiveLimiter::adaptive();
        let start = Instant::now();
        assert_eq!(limiter.state().per_second, Some(START_RATE));
        // One answer in half a second: used at 2 per second, no growth
        // past the start.
        limiter.record_at(Signal::Accepted, start);
        assert_eq!(limiter.state().per_second, Some(START_RATE));
        for i in 0..10 {
            limiter.record_at(Signal::Accepted, start + ms(100 + i * 40));
        }
        let grown = limiter.state().per_second.unwrap();
        assert!(grown > START_RATE + 5.0, "{grown}");
    }

    #[test]
    fn one_throttle_in_slow_start_pauses_the_doubling_and_a_second_within_a_second_ends_it() {
        let limiter = AdaptiveLimiter::adaptive();
        let start = Instant::now();
        let throttled = |sent: u64| Signal::Throttled {
            retry_after: None,
            sent_at: start + ms(sent),
        };
        // Saturated: 10 answers in 400 ms grow the rate past 10.
        for i in 0..10 {
            limiter.record_at(Signal::Accepted, start + ms(i * 40));
        }
        let before = limiter.state().per_second.unwrap();
        assert!(before > 10.0, "{before}");
        // One throttle: still in slow start, rate kept, no growth for a
        // second.
        limiter.record_at(throttled(400), start + ms(410));
        let held = limiter.state();
        assert!(held.slow_start);
        assert_eq!(held.per_second, Some(before));
        for i in 0..24 {
            limiter.record_at(Signal::Accepted, start + ms(450 + i * 40));
        }
        assert_eq!(limiter.state().per_second, Some(before));
        // After the pause the doubling goes on.
        for i in 0..10 {
            limiter.record_at(Signal::Accepted, start + ms(1_450 + i * 40));
        }
        let grown = limiter.state().per_second.unwrap();
        assert!(grown > before, "{grown} after {before}");
        // Two throttles within a second end slow start with a cut.
        limiter.record_at(throttled(1_850), start + ms(1_860));
        assert!(limiter.state().slow_start);
        limiter.record_at(throttled(1_900), start + ms(1_910));
        let cut = limiter.state();
        assert!(!cut.slow_start);
        assert!(cut.per_second.unwrap() <= grown / 2.0, "{cut:?}");
        assert_eq!(cut.throttles, 3);
    }

    #[test]
    fn a_limiter_started_from_a_rate_grants_that_rate_at_once_and_slow_start_keeps_it() {
        let count_waits = |limiter: &AdaptiveLimiter, now: Instant| {
            (0..40)
                .filter(|_| !wait(limiter.reserve_at(now, None)).is_zero())
                .count()
        };
        let (default, from) = (
            AdaptiveLimiter::adaptive(),
            AdaptiveLimiter::adaptive_from(40.0),
        );
        let now = Instant::now();
        // From 5 per second, 35 of 40 calls at once wait for a permit.
        assert_eq!(count_waits(&default, now), 35);
        // From 40, none does.
        assert_eq!(count_waits(&from, now), 0);
        assert!(from.state().slow_start);
        // One answer (used at 2 per second) does not pull it below its start.
        from.record_at(Signal::Accepted, now + ms(10));
        assert_eq!(from.state().per_second, Some(40.0));
        // A rate that is no number starts at the default.
        let nan = AdaptiveLimiter::adaptive_from(f64::NAN);
        assert_eq!(nan.state().per_second, Some(START_RATE));
    }

    #[test]
    fn the_registry_shares_one_limiter_per_key_and_stays_within_its_capacity() {
        let registry = LimiterRegistry::new(2);
        let make = || Arc::new(AdaptiveLimiter::adaptive()) as Arc<dyn RateLimiter>;
        let url = url::Url::parse("http://127.0.0.1:8080/x").unwrap();
        let key = |token: &str| registry.key(&url, token.as_bytes(), &RateLimit::Adaptive);
        assert_ne!(key("a"), key("b"));
        let from = |rate| registry.key(&url, b"a", &RateLimit::AdaptiveFrom { per_second: rate });
        assert_ne!(from(20.0), key("a"));
        assert_ne!(from(20.0), from(40.0));
        let a = registry.get_or_insert(key("a"), make);
        assert!(Arc::ptr_eq(&a, &registry.get_or_insert(key("a"), make)));
        let b = registry.get_or_insert(key("b"), make);
        // Both held: a third token's limiter is not kept.
        let c = registry.get_or_insert(key("c"), make);
        assert_eq!(registry.len(), 2);
        assert!(!Arc::ptr_eq(&c, &registry.get_or_insert(key("c"), make)));
        // Once b is dropped, it makes room.
        drop(b);
        let c = registry.get_or_insert(key("c"), make);
        assert!(Arc::ptr_eq(&c, &registry.get_or_insert(key("c"), make)));
        assert_eq!(registry.len(), 2);
        drop(a);
    }
}
