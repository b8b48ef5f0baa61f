//! Moves time-driven state along: inbound shipments are received, orders
//! ship and reports finish when their time comes, in one transaction per
//! tick, committed like a request's: its webhooks go out only once its
//! changes are committed, and if they cannot be, nothing of the tick remains
//! (the next tick tries again). On the wall clock a background task ticks;
//! on a manual clock only [`advance`] does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::Config;
use crate::clock::{AdvanceError, later};
use crate::engine::{self, Writer};
use crate::journal::CommitError;
use crate::store::Store;
use crate::webhooks;

/// How often expired idempotency keys are looked for.
const EXPIRY_PERIOD: Duration = Duration::from_secs(1);

/// Every duration after which something time-driven happens.
pub fn durations(config: &Config) -> [Duration; 8] {
    [
        config.receive_after,
        config.ship_after,
        config.report_after,
        config.parcel_step_after,
        config.parcel_job_after,
        config.return_step_after,
        config.quote_after,
        config.freight_step_after,
    ]
}

pub async fn run(store: Arc<Store>) {
    if store.clock.is_manual() {
        return;
    }
    let shortest = durations(&store.config)
        .into_iter()
        .min()
        .unwrap_or_default();
    let period = (shortest / 4).clamp(Duration::from_millis(10), Duration::from_millis(250));
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_expiry = Instant::now();
    loop {
        interval.tick().await;
        let expire_keys = last_expiry.elapsed() >= EXPIRY_PERIOD;
        if expire_keys {
            last_expiry = Instant::now();
        }
        if let Err(error) = tick_now(&store, store.clock.now(), expire_keys).await {
            tracing::error!(%error, "a tick's changes were not committed");
        }
    }
}

/// Runs one tick at `now`. On a manual clock it also waits for the
/// webhook deliveries of what it did; on the wall clock they go on in the
/// background.
pub async fn tick_now(
    store: &Arc<Store>,
    now: DateTime<Utc>,
    expire_keys: bool,
) -> Result<(), CommitError> {
    let mut tx = store.begin().await;
    engine::tick(&mut Writer { store, tx: &mut tx }, now, expire_keys);
    if tx.is_empty() {
        return Ok(());
    }
    let events = store.commit(tx).await?;
    if store.clock.is_manual() {
        webhooks::deliver_all(store, events).await;
    } else {
        webhooks::deliver(store, events);
    }
    Ok(())
}

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
    store: &Arc<Store>,
    by: Duration,
) -> Result<DateTime<Utc>, AdvanceError> {
    let _advancing = store
        .clock
        .start_advance()
        .await
        .ok_or(AdvanceError::NotManual)?;
    let shortest = durations(&store.config)
        .into_iter()
        .filter(|duration| !duration.is_zero())
        .min()
        .unwrap_or(by);
    let step = shortest.max(by / MAX_STEPS).max(Duration::from_nanos(1));
    let target = later(store.clock.now(), by);
    loop {
        let now = store.clock.step_toward(step, target);
        tick_now(store, now, true)
            .await
            .map_err(|error| AdvanceError::NotWritten(error.to_string()))?;
        if now >= target {
            return Ok(now);
        }
    }
}
