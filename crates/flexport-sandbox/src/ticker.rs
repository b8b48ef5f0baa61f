//! Moves time-driven state along: inbound shipments are received, orders
//! ship and reports finish when their time comes, in one transaction per tick.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::api::{inbounds, orders, reports};
use crate::state::{Store, Transaction};
use crate::webhooks;

pub async fn run(store: Arc<Store>) {
    let config = &store.config;
    let shortest = [config.receive_after, config.ship_after, config.report_after]
        .into_iter()
        .min()
        .unwrap_or_default();
    let period = (shortest / 4).clamp(Duration::from_millis(10), Duration::from_millis(250));
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        tick(&store).await;
    }
}

async fn tick(store: &Arc<Store>) {
    let mut journal = store.writer.lock().await;
    let now = Utc::now();
    let tx = Transaction::default();
    inbounds::receive_due(store, &tx, now);
    orders::ship_due(store, &tx, now);
    reports::finish_due(store, &tx, now);
    let (changes, events) = tx.take();
    if changes.is_empty() {
        return;
    }
    if let Err(error) = journal.append(&changes).await {
        tracing::error!(%error, "could not write the journal");
    }
    drop(journal);
    webhooks::deliver(store, events);
}
