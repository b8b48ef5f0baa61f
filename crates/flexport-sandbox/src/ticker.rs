//! Moves time-driven state along: inbound shipments are received, orders
//! ship and reports finish when their time comes, in one transaction per
//! tick, committed like a request's: its webhooks go out only once its
//! changes are committed, and if they cannot be, nothing of the tick remains
//! (the next tick tries again).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::engine::{self, Writer};
use crate::store::Store;
use crate::webhooks;

/// How often expired idempotency keys are looked for.
const EXPIRY_PERIOD: Duration = Duration::from_secs(1);

pub async fn run(store: Arc<Store>) {
    let config = &store.config;
    let shortest = [
        config.receive_after,
        config.ship_after,
        config.report_after,
        config.parcel_step_after,
        config.parcel_job_after,
        config.return_step_after,
        config.quote_after,
        config.freight_step_after,
    ]
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
        tick(&store, expire_keys).await;
    }
}

async fn tick(store: &Arc<Store>, expire_keys: bool) {
    let mut tx = store.begin().await;
    engine::tick(&mut Writer { store, tx: &mut tx }, Utc::now(), expire_keys);
    if tx.is_empty() {
        return;
    }
    match store.commit(tx).await {
        Ok(events) => webhooks::deliver(store, events),
        Err(error) => tracing::error!(%error, "a tick's changes were not committed"),
    }
}
