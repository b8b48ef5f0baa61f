//! Bulk work against the sandbox's rate limit, and outages, counted by a
//! proxy between the facade and the sandbox: how many requests were sent,
//! how many were answered 429, how many calls failed.
//!
//! - at the limit (10 per second with 64 callers, 20 with 16, and a fleet
//!   of four clients that share no state against one limit), every call
//!   succeeds and few requests meet a 429: the client-side rate limiter
//!   makes calls wait for a permit instead of sending into the limit;
//! - in a total outage, about one request per call, every error naming its
//!   key; after it, calls succeed again at once: the outage guard;
//! - at 60% of attempts faulted, the success rate that 8 independent
//!   attempts allow: the guard costs nothing there.

#![cfg(feature = "v2024-04")]

mod load_proxy;

use std::sync::atomic::Ordering;
use std::time::Duration;

use flexport::v2024_04::{Client, prelude::*, types};
use flexport::{ClientBuilder, ClientInfo, Error, LimiterRegistry, RetryPolicy};
use flexport_sandbox::Sandbox;
use futures::StreamExt;
use load_proxy::{Proxy, start};

fn builder(sandbox: &Sandbox, url: &str) -> ClientBuilder {
    ClientBuilder::new().token(sandbox.token()).base_url(url)
}

/// `calls` product creates, `callers` at a time; the errors of those that
/// failed.
async fn create_products(
    client: &Client,
    prefix: &str,
    calls: usize,
    callers: usize,
) -> Vec<Error> {
    futures::stream::iter(0..calls)
        .map(|n| async move {
            let body = types::CreateProductModel::builder()
                .name("Mug")
                .merchant_sku(format!("{prefix}-{n}"));
            client.create_product().body(body).send().await.err()
        })
        .buffer_unordered(callers)
        .filter_map(|error| async move { error })
        .collect()
        .await
}

/// Asserts that no call failed and at most `percent` of requests met a 429.
fn assert_within_limit(what: &str, calls: usize, failed: &[Error], proxy: &Proxy, percent: usize) {
    let (requests, throttled) = proxy.counts();
    eprintln!(
        "{what}: {calls} calls, {requests} requests, {throttled} answered 429, {} failed",
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "{what}: {} failed: {}",
        failed.len(),
        failed[0]
    );
    assert!(
        throttled * 100 <= requests * percent,
        "{what}: {throttled} of {requests} requests answered 429"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_10_per_second_64_callers_all_succeed_with_few_429s() {
    let (sandbox, url, proxy) = start(Some(10)).await;
    let client: Client = builder(&sandbox, &url).build().unwrap();
    let failed = create_products(&client, "ten", 200, 64).await;
    assert_within_limit("10/s, 64 callers", 200, &failed, &proxy, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_20_per_second_16_callers_all_succeed_with_few_429s() {
    let (sandbox, url, proxy) = start(Some(20)).await;
    let client: Client = builder(&sandbox, &url).build().unwrap();
    let failed = create_products(&client, "twenty", 200, 16).await;
    assert_within_limit("20/s, 16 callers", 200, &failed, &proxy, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_of_four_clients_sharing_nothing_converges_on_one_limit() {
    let (sandbox, url, proxy) = start(Some(20)).await;
    let clients: Vec<Client> = (0..4)
        .map(|_| {
            builder(&sandbox, &url)
                .limiter_registry(LimiterRegistry::new(16))
                .build()
                .unwrap()
        })
        .collect();
    let runs = clients.iter().enumerate().map(|(i, client)| async move {
        create_products(client, &format!("fleet{i}"), 50, 16).await
    });
    let failed: Vec<Error> = futures::future::join_all(runs)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_within_limit(
        "fleet of 4 at 20/s, 16 callers each",
        200,
        &failed,
        &proxy,
        10,
    );
}

fn eight_attempts(builder: ClientBuilder) -> ClientBuilder {
    builder.retry_policy(RetryPolicy {
        max_attempts: 8,
        initial_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
        deadline: Some(Duration::from_secs(60)),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_total_outage_costs_about_one_request_per_call_and_recovery_is_immediate() {
    let (sandbox, url, proxy) = start(None).await;
    let client: Client = eight_attempts(builder(&sandbox, &url)).build().unwrap();
    proxy.down.store(true, Ordering::SeqCst);
    let failed = create_products(&client, "outage", 1_000, 16).await;
    let (requests, _) = proxy.counts();
    eprintln!(
        "outage: 1000 calls, {requests} requests, {} failed",
        failed.len()
    );
    assert_eq!(failed.len(), 1_000);
    assert!(requests <= 1_100, "{requests} requests for 1,000 calls");
    let withheld = failed
        .iter()
        .filter(|error| error.retries_withheld())
        .count();
    for error in &failed {
        assert!(error.idempotency_key().is_some(), "{error}");
        assert!(error.is_retryable(), "{error}");
    }
    assert!(
        withheld >= 900,
        "{withheld} errors say the service is failing"
    );
    let message = failed.last().unwrap().to_string();
    assert!(message.contains("Flexport is failing"), "{message}");

    proxy.down.store(false, Ordering::SeqCst);
    let failed = create_products(&client, "recovered", 1_000, 16).await;
    eprintln!("after the outage: {} of 1000 failed", failed.len());
    assert!(
        failed.len() <= 10,
        "{} of 1,000 failed after the outage",
        failed.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_60_percent_of_attempts_faulted_every_call_gets_its_eight_attempts() {
    let (sandbox, url, proxy) = start(None).await;
    let client: Client = eight_attempts(builder(&sandbox, &url)).build().unwrap();
    proxy.fault_percent.store(60, Ordering::SeqCst);
    let failed = create_products(&client, "faults", 1_000, 16).await;
    let (requests, _) = proxy.counts();
    eprintln!(
        "60% faults: 1000 calls, {requests} requests, {} failed",
        failed.len()
    );
    // 8 independent attempts fail together for 0.6^8 ≈ 1.7% of calls: 17
    // of 1,000, with a standard deviation of about 4. A guard that withheld
    // retries here would fail hundreds.
    assert!(failed.len() <= 35, "{} of 1,000 failed", failed.len());
    assert!(failed.iter().all(|error| !error.retries_withheld()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limiter_started_at_the_known_rate_sends_its_first_second_without_waiting() {
    let (sandbox, url, proxy) = start(Some(20)).await;
    // From the default 5 per second, 20 calls at once: 15 wait for a permit.
    let slow: Client = builder(&sandbox, &url)
        .limiter_registry(LimiterRegistry::new(4))
        .build()
        .unwrap();
    let failed = create_products(&slow, "slow", 20, 20).await;
    assert!(failed.is_empty());
    let waits = slow.inner().rate_limit_state().unwrap().waits;
    assert!(waits >= 10, "{waits} of 20 waited from 5 per second");
    // Started at 20 per second (what an earlier job learned), on a token
    // the sandbox has not seen this second: none waits, none meets a 429.
    let sandbox_next_second = tokio::time::sleep(Duration::from_millis(1_100));
    sandbox_next_second.await;
    let (_, throttled_before) = proxy.counts();
    let started: Client = builder(&sandbox, &url)
        .limiter_registry(LimiterRegistry::new(4))
        .rate_limit_start(20.0)
        .build()
        .unwrap();
    let failed = create_products(&started, "started", 20, 20).await;
    assert!(failed.is_empty());
    let state = started.inner().rate_limit_state().unwrap();
    assert_eq!(state.waits, 0, "{state:?}");
    assert!(state.slow_start, "{state:?}");
    assert_eq!(proxy.counts().1, throttled_before);
}
