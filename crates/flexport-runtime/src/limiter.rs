//! The client-side rate limiter: one per token (and API origin), shared by
//! every clone of a client and every version client built with that token,
//! so that a call waits for a permit instead of sending into Flexport's
//! limit.
//!
//! # How it learns
//!
//! [`AdaptiveLimiter`] is a token bucket (GCRA) whose rate it learns from
//! the answers. Callers wait in one queue, served in the order they asked;
//! only the first waits on the bucket, and a permit is never reserved
//! ahead: when its wait is over the caller asks again, at the rate then.
//! So a rate that grew while callers waited serves them at once at the new
//! rate (reserving ahead, 64 callers queued at slow start's 5 per second
//! would be paced at 5 for 13 seconds whatever the limiter learned), and a
//! cut applies to every caller still waiting.
//!
//! - **Slow start.** A token's limiter starts at 5 requests per second
//!   (bursts of 5; [`RateLimit::AdaptiveFrom`] starts at another rate, such
//!   as one an earlier job learned) and adds one request per second for
//!   every answer that is not a throttle, so a saturated limiter about
//!   doubles its rate each second, up to twice the rate it was accepted at
//!   over the last half second (never below its start). The cost, for a
//!   token Flexport never throttles: the first second of a burst of calls
//!   is paced at 5 per second, the next at about 10, ... A token's limiter
//!   stays in its registry (the process's, by default) until the registry
//!   is full and it is the longest unused, so a later job of the same token
//!   in the same process starts at the rate the earlier one reached.
//! - **A throttle** (a 429, or any outcome a classifier calls
//!   [`crate::RetryDecision::Throttled`], such as a gateway's throttling
//!   answer) cuts the rate. The first ends slow start: at most half the
//!   rate (the doubling may have overshot by that much, hidden by the
//!   server's burst), and at most 90% of the rate answers were accepted at
//!   over the last half second. After that, a cut is to 90% of its own rate
//!   or to 90% of the rate answers were accepted at, whichever is lower:
//!   within half a second of the last cut, accepted since that cut (the
//!   server's bucket is empty then, so that is its rate, burst excluded);
//!   otherwise over the last half second, or over the last 1 or 2 s if the
//!   half second holds fewer than 4 answers (a client with a small share of
//!   a fleet's limit counts too few to go by). One cut never takes more than
//!   half. A throttle of a request sent before the last cut tells of the
//!   rate before it and cuts nothing (the throttles of one overshoot are
//!   one signal). A cut drops the burst saved up, so nothing is sent in a
//!   volley after it. The throttled call itself waits at least the
//!   answer's `Retry-After` before it asks for a new permit; other calls go
//!   on at the cut rate.
//! - **Probing.** After slow start, each second of accepted answers adds
//!   4% of the rate or one request per second (at most a tenth of the
//!   rate), whichever is more. From the third second without a throttle the
//!   step doubles each second, up to 8 per second (at most half the rate):
//!   a client of a fleet whose share grew, because the others finished,
//!   finds it within seconds. The additive step is what makes several
//!   clients that share nothing (a fleet of processes) converge on equal
//!   shares of one limit: each cuts by the same proportion and climbs by
//!   the same amount.
//!
//! `tests/limiter_simulation.rs` plays this limiter against a model of a
//! gateway's token bucket on a virtual clock (the load tests' and the load
//! bench's scenarios, and limits of 2 and 100 per second), and asserts the
//! throughput and the share of 429s the rate-limit issue asks for.
//!
//! A rate set with [`RateLimit::Fixed`] is the start and the ceiling; a
//! throttle still cuts below it and probing climbs back to it.
//!
//! # What it cannot tell apart
//!
//! A throttle is taken as the server's word that the rate is too high.
//! 429s that come at a fixed share of requests whatever the rate (faults
//! drawn at random, as the fault-injection tests do) hold it low: after
//! slow start each one cuts up to 10% and probing adds back about one
//! request per second each second, so 429s at 5% of `r` requests a second
//! take about `0.1 r × 0.05 r` a second, and the rate settles where that is
//! one, near 14 per second, whatever the server could take. Telling such 429s from a limit would
//! take comparing throttle shares at two rates over many answers, which at
//! a few requests a second takes longer than the jobs it would serve. No
//! 429 of Flexport's is documented to be anything but its rate limit;
//! behind a proxy that throttles at random, turn the limiter off
//! (`RateLimit::Off`) and let each call wait its own `Retry-After`.
//!
//! A permit is taken for every attempt, retries included. A call never
//! waits past its deadline: when its permit would come later at the
//! current rate (counting the callers queued before it), it is refused at
//! once; when a cut makes a queued caller's permit later than its
//! deadline, it is refused at the deadline. Refused, it takes no permit
//! and the call ends (see `Pipeline::execute`).
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
const CUT: f64 = 0.9;
const PROBE: f64 = 0.04;
/// Probing adds at least this many requests per second each second (at
/// most a tenth of the rate).
const PROBE_STEP: f64 = 1.0;
/// Accepted answers are counted in 20 slots of 100 ms.
const SLOT: Duration = Duration::from_millis(100);
const SLOTS: usize = 20;
/// Fewer accepted answers than this say too little of the server's rate.
const MIN_COUNT: u32 = 4;

/// The in-process limiter (see the module docs for how it learns).
#[derive(Debug)]
pub struct AdaptiveLimiter {
    state: Mutex<Bucket>,
    /// The callers waiting for a permit, in order: only the first of them
    /// waits on the bucket (see [`RateLimiter::reserve`]).
    queue: tokio::sync::Mutex<()>,
    /// How many callers are in `queue`, for refusing at once a permit
    /// that would come after a caller's deadline.
    queued: std::sync::atomic::AtomicUsize,
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
    last_cut: Option<Instant>,
    last_probe: Instant,
    origin: Instant,
    /// Accepted answers per 100 ms slot, with the slot's number.
    accepted: [(u64, u32); SLOTS],
    throttles: u64,
    waits: u64,
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
                last_cut: None,
                last_probe: now,
                origin: now,
                accepted: [(0, 0); SLOTS],
                throttles: 0,
                waits: 0,
            }),
            queue: tokio::sync::Mutex::new(()),
            queued: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn bucket(&self) -> std::sync::MutexGuard<'_, Bucket> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a permit at `now` if the bucket has one (`Ok`), else says how
    /// long until it will have one at its current rate (`Err`; nothing is
    /// taken). Permits are never reserved ahead: a caller that must wait
    /// asks again when the wait is over, at the rate then, so a rate that
    /// grew or was cut in the meantime applies to it at once.
    pub fn take_at(&self, now: Instant) -> Result<(), Duration> {
        let mut bucket = self.bucket();
        let interval = Duration::from_secs_f64(1.0 / bucket.rate);
        let tolerance = interval.mul_f64((bucket.burst() - 1.0).max(0.0));
        let send_at = bucket.tat.checked_sub(tolerance).unwrap_or(now);
        if send_at > now {
            return Err(send_at - now);
        }
        bucket.tat = bucket.tat.max(now) + interval;
        Ok(())
    }

    /// The wait at the current rate for `ahead` callers and then one more,
    /// from `now`: what a caller joining a queue of `ahead` can expect.
    pub fn expected_wait(&self, now: Instant, ahead: usize) -> Duration {
        let bucket = self.bucket();
        let interval = Duration::from_secs_f64(1.0 / bucket.rate);
        let tolerance = interval.mul_f64((bucket.burst() - 1.0).max(0.0));
        let first = bucket.tat.checked_sub(tolerance).unwrap_or(now);
        (first + interval * ahead as u32).saturating_duration_since(now)
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
        self.accepted_since(now, None).1
    }

    /// How many answers were accepted since `since`, and how many per
    /// second. Without `since`: over the last half second, or, when that
    /// holds fewer than [`MIN_COUNT`], over the shortest of the last 1 or
    /// 2 s that does (else 2 s).
    fn accepted_since(&self, now: Instant, since: Option<Instant>) -> (u32, f64) {
        let current = self.slot(now);
        let count_from = |first: u64| -> u32 {
            self.accepted
                .iter()
                .filter(|(slot, _)| *slot >= first && current.saturating_sub(*slot) < SLOTS as u64)
                .map(|(_, count)| count)
                .sum()
        };
        let per_second =
            |count: u32, slots: u64| f64::from(count) / (SLOT.as_secs_f64() * slots as f64);
        if let Some(since) = since {
            let first = self.slot(since);
            let count = count_from(first);
            return (count, per_second(count, current - first + 1));
        }
        let mut last = (0, 0.0);
        for slots in [5, 10, SLOTS as u64] {
            let count = count_from((current + 1).saturating_sub(slots));
            last = (count, per_second(count, slots));
            if count >= MIN_COUNT {
                break;
            }
        }
        last
    }

    fn accepted(&mut self, now: Instant) {
        let slot = self.slot(now);
        let entry = &mut self.accepted[(slot % SLOTS as u64) as usize];
        if entry.0 != slot {
            *entry = (slot, 0);
        }
        entry.1 += 1;
        if self.slow_start {
            // +1 per accepted answer doubles a saturated rate each second;
            // an idle limiter does not grow past twice what it was used at
            // (nor shrink: a pause between jobs keeps the rate reached).
            let used = self.accepted_rate(now);
            let grown = (self.rate + 1.0).min((2.0 * used).max(self.start));
            self.rate = self.rate.max(grown);
        } else if now.saturating_duration_since(self.last_probe) >= Duration::from_secs(1) {
            self.last_probe = now;
            // Probing: 4% of the rate or one request per second (at most a
            // tenth of the rate), whichever is more; from the third second
            // without a throttle on, the step doubles each second, up to 8
            // (at most half the rate), so that a client whose share of a
            // fleet's limit grew (the others finished) finds it in seconds.
            let quiet = self
                .last_cut
                .map_or(0, |cut| now.saturating_duration_since(cut).as_secs())
                .min(5) as i32;
            let base = PROBE_STEP.min(0.1 * self.rate);
            let step = (base * 2f64.powi(quiet - 2)).min(0.5 * self.rate);
            self.rate += (PROBE * self.rate).max(step).max(base);
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
        let previous_cut = self.last_cut.replace(now);
        self.last_probe = now;
        // Leaving slow start, the rate has overshot by up to twice, and
        // what was accepted includes the server's burst: halve it.
        let own = if self.slow_start { 0.5 } else { CUT } * self.rate;
        self.slow_start = false;
        // Soon after a cut the server's bucket is still empty: what it
        // accepted since then is its rate, with no burst in it.
        let since = previous_cut
            .filter(|cut| (SLOT..SLOT * 5).contains(&now.saturating_duration_since(*cut)));
        let (count, accepted) = self.accepted_since(now, since);
        // A few answers say too little (a client with a small share of a
        // fleet's limit counts one or two): then the cut is its own rate's,
        // the same share for every client, so that a fleet's clients
        // converge on equal shares. One cut never takes more than half.
        let accepted = if count >= MIN_COUNT || since.is_some() {
            CUT * accepted
        } else {
            own
        };
        self.rate = accepted.min(own).max(0.5 * self.rate).max(MIN_RATE);
        // No burst is saved up: the server's bucket is empty, so the next
        // permit is one interval of the new rate away, then one per
        // interval (a caller waiting for a permit asks again at the new
        // rate).
        let interval = Duration::from_secs_f64(1.0 / self.rate);
        let tolerance = interval.mul_f64((self.burst() - 1.0).max(0.0));
        self.tat = now + tolerance + interval;
    }
}

impl RateLimiter for AdaptiveLimiter {
    /// Callers are served in the order they ask. A caller whose permit
    /// would come after `latest` at the current rate (counting the callers
    /// ahead of it) is refused at once; one that is still waiting at
    /// `latest` (the rate was cut meanwhile) is refused then. Refused, it
    /// takes no permit.
    fn reserve(&self, latest: Option<Instant>) -> BoxFuture<'_, Permit> {
        use std::sync::atomic::Ordering::SeqCst;
        Box::pin(async move {
            let asked = Instant::now();
            let ahead = self.queued.fetch_add(1, SeqCst);
            // Leaves the queue count however this future ends (dropped
            // by a caller's timeout, too).
            struct Leave<'a>(&'a std::sync::atomic::AtomicUsize);
            impl Drop for Leave<'_> {
                fn drop(&mut self) {
                    self.0.fetch_sub(1, SeqCst);
                }
            }
            let _leave = Leave(&self.queued);
            if latest.is_some_and(|latest| asked + self.expected_wait(asked, ahead) > latest) {
                return Permit::TooLate;
            }
            let _turn = match latest {
                Some(latest) => {
                    let lock = self.queue.lock();
                    match tokio::time::timeout_at(latest.into(), lock).await {
                        Ok(turn) => turn,
                        Err(_) => return Permit::TooLate,
                    }
                }
                None => self.queue.lock().await,
            };
            loop {
                let now = Instant::now();
                match self.take_at(now) {
                    Ok(()) => {
                        let waited = now.saturating_duration_since(asked);
                        if waited >= Duration::from_millis(1) {
                            self.bucket().waits += 1;
                        }
                        return Permit::After(waited);
                    }
                    Err(wait) if latest.is_some_and(|latest| now + wait > latest) => {
                        return Permit::TooLate;
                    }
                    Err(wait) => tokio::time::sleep(wait).await,
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

    fn near(a: Duration, b: Duration) -> bool {
        a.abs_diff(b) < ms(1)
    }

    #[test]
    fn a_fixed_limiter_grants_its_burst_then_one_permit_per_interval() {
        let limiter = AdaptiveLimiter::fixed(10.0, 3);
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take_at(now), Ok(()));
        }
        // The fourth waits an interval; asking again takes nothing.
        for _ in 0..2 {
            assert!(near(limiter.take_at(now).unwrap_err(), ms(100)));
        }
        // Two callers queued behind the next permit expect two more.
        assert!(near(limiter.expected_wait(now, 2), ms(300)));
        assert_eq!(limiter.take_at(now + ms(100)), Ok(()));
        assert!(near(limiter.take_at(now + ms(100)).unwrap_err(), ms(100)));
        assert_eq!(limiter.take_at(now + ms(200)), Ok(()));
    }

    #[tokio::test]
    async fn callers_are_served_in_order_and_one_whose_permit_comes_too_late_is_refused_at_once() {
        let limiter = Arc::new(AdaptiveLimiter::fixed(40.0, 1));
        let served = Arc::new(Mutex::new(Vec::new()));
        let mut callers = Vec::new();
        for n in 0..4 {
            let (mine, log) = (limiter.clone(), served.clone());
            callers.push(tokio::spawn(async move {
                let permit = mine.reserve(None).await;
                log.lock().unwrap().push(n);
                permit
            }));
            // The next caller asks only once this one is queued or served.
            while limiter.queued.load(std::sync::atomic::Ordering::SeqCst)
                + served.lock().unwrap().len()
                < n + 1
            {
                tokio::task::yield_now().await;
            }
        }
        for caller in callers {
            assert!(matches!(caller.await.unwrap(), Permit::After(_)));
        }
        assert_eq!(*served.lock().unwrap(), [0, 1, 2, 3]);
        assert!(limiter.state().waits >= 2, "{:?}", limiter.state());
        // At one per second, the next permit is about a second away: a
        // caller that must send within 100 ms is refused at once, and
        // takes nothing.
        let slow = AdaptiveLimiter::fixed(1.0, 1);
        assert!(matches!(slow.reserve(None).await, Permit::After(_)));
        let refused = slow.reserve(Some(Instant::now() + ms(100))).await;
        assert_eq!(refused, Permit::TooLate);
        assert_eq!(slow.state().waits, 0);
        assert!(slow.take_at(Instant::now()).is_err(), "nothing was taken");
    }

    #[test]
    fn a_throttle_cuts_to_what_was_accepted_and_probing_climbs_back() {
        let limiter = AdaptiveLimiter::fixed(60.0, 10);
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
        assert!(near(limiter.take_at(now).unwrap_err(), interval));
        assert_eq!(limiter.take_at(now + interval), Ok(()));
        assert!(near(limiter.take_at(now + interval).unwrap_err(), interval));
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
    fn a_first_throttle_ends_slow_start_and_one_soon_after_cuts_to_what_was_accepted_since() {
        let limiter = AdaptiveLimiter::adaptive();
        let start = Instant::now();
        let throttled = |sent: u64| Signal::Throttled {
            retry_after: None,
            sent_at: start + ms(sent),
        };
        // Saturated: 25 answers in 500 ms grow the rate past 20.
        for i in 0..25 {
            limiter.record_at(Signal::Accepted, start + ms(i * 20));
        }
        let before = limiter.state().per_second.unwrap();
        assert!(before > 20.0, "{before}");
        // The first throttle ends slow start: at most half the rate.
        limiter.record_at(throttled(800), start + ms(810));
        let cut = limiter.state();
        assert!(!cut.slow_start);
        assert!(cut.per_second.unwrap() <= before / 2.0, "{cut:?}");
        // Since the cut the server took 3 answers in 300 ms (its bucket is
        // empty: that is its rate, 10 per second). A request sent after
        // the cut is throttled: the rate falls to 90% of that, but never
        // below half of what it was.
        for i in 0..3 {
            limiter.record_at(Signal::Accepted, start + ms(850 + i * 100));
        }
        let at_cut = limiter.state().per_second.unwrap();
        limiter.record_at(throttled(1_050), start + ms(1_080));
        let again = limiter.state().per_second.unwrap();
        assert!(
            at_cut < 18.0,
            "{at_cut}: half of it would hide the estimate"
        );
        assert!((again - 9.0).abs() < 1e-6, "{again} after {at_cut}");
        assert_eq!(limiter.state().throttles, 2);
    }

    #[test]
    fn a_limiter_started_from_a_rate_grants_that_rate_at_once_and_slow_start_keeps_it() {
        let count_waits = |limiter: &AdaptiveLimiter, now: Instant| {
            (0..40)
                .filter(|n| {
                    // Each caller takes its permit when it comes.
                    let mut at = now;
                    while let Err(wait) = limiter.take_at(at) {
                        at += wait;
                    }
                    let _ = n;
                    at > now
                })
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
