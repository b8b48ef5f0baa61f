//! The sandbox's clock (the wall clock, or a manual one that tests move),
//! and time arithmetic that saturates instead of overflowing, shared by the
//! engine, the journal and the layers.

use std::sync::Arc;
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

/// The sandbox's time: the wall clock, or (with [`crate::Config::manual_clock`])
/// a time that moves only when [`crate::Sandbox::advance`] (or `POST
/// /sandbox/clock/advance`) moves it. Every time-driven change and every
/// timestamp the engine writes reads it.
#[derive(Clone, Debug)]
pub struct Clock(Option<Arc<Manual>>);

#[derive(Debug)]
struct Manual {
    now: std::sync::Mutex<DateTime<Utc>>,
    /// Held for a whole advance, so two advances do not interleave.
    advancing: tokio::sync::Mutex<()>,
}

impl Clock {
    pub fn wall() -> Self {
        Self(None)
    }

    /// A manual clock that starts at the wall clock's time.
    pub fn manual() -> Self {
        Self(Some(Arc::new(Manual {
            now: std::sync::Mutex::new(Utc::now()),
            advancing: tokio::sync::Mutex::new(()),
        })))
    }

    pub fn is_manual(&self) -> bool {
        self.0.is_some()
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            None => Utc::now(),
            Some(manual) => *manual.now.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }
}

/// Why the clock could not be advanced.
#[derive(Debug)]
pub enum AdvanceError {
    /// The sandbox runs on the wall clock.
    NotManual,
    /// A step's changes could not be committed (with `--state`): the clock
    /// stays at the last step that was.
    /// (Its text says why.)
    NotWritten(String),
}

impl std::fmt::Display for AdvanceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotManual => f.write_str(
                "the sandbox runs on the wall clock; start it with --manual-clock (Config::manual_clock) to move time",
            ),
            Self::NotWritten(error) => write!(f, "the clock stopped short: {error}"),
        }
    }
}

impl std::error::Error for AdvanceError {}

/// The most steps one advance takes (see [`advance`]).
pub const MAX_STEPS: u32 = 1_000;

/// Moves a manual clock forward by `by` and carries out everything that
/// became due, in steps: each step moves the clock by the shortest
/// configured duration (or by `by` / [`MAX_STEPS`] when that is longer,
/// or by `by` when every duration is zero), runs the time-driven changes
/// due then, commits them and delivers their webhooks (each delivery tried
/// up to three times) before the next step. So a chain of steps (a parcel's
/// tracking, a return's statuses) moves as far as the time allows, and
/// when this returns, everything due by the new time has happened and its
/// webhooks have been answered or given up on. Returns the new time.
pub(crate) async fn advance(
    store: &Arc<crate::store::Store>,
    by: Duration,
) -> Result<DateTime<Utc>, AdvanceError> {
    let manual = store.clock.0.as_ref().ok_or(AdvanceError::NotManual)?;
    let _advancing = manual.advancing.lock().await;
    let config = &store.config;
    let shortest = crate::ticker::durations(config)
        .into_iter()
        .filter(|duration| !duration.is_zero())
        .min()
        .unwrap_or(by);
    let step = shortest.max(by / MAX_STEPS).max(Duration::from_nanos(1));
    let target = later(*manual.now.lock().unwrap_or_else(|e| e.into_inner()), by);
    loop {
        let now = {
            let mut now = manual.now.lock().unwrap_or_else(|e| e.into_inner());
            *now = later(*now, step).min(target);
            *now
        };
        crate::ticker::tick_now(store, now, true)
            .await
            .map_err(|error| AdvanceError::NotWritten(error.to_string()))?;
        if now >= target {
            return Ok(now);
        }
    }
}
