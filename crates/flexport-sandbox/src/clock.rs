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
    /// Held for a whole advance, so two advances do not interleave; `None`
    /// on the wall clock, which cannot be advanced.
    pub(crate) async fn start_advance(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.0 {
            None => None,
            Some(manual) => Some(manual.advancing.lock().await),
        }
    }

    /// Moves a manual clock forward by `step`, to `target` at most, and
    /// returns the new time (the wall clock's time on the wall clock).
    pub(crate) fn step_toward(&self, step: Duration, target: DateTime<Utc>) -> DateTime<Utc> {
        match &self.0 {
            None => Utc::now(),
            Some(manual) => {
                let mut now = manual.now.lock().unwrap_or_else(|e| e.into_inner());
                *now = later(*now, step).min(target);
                *now
            }
        }
    }

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
