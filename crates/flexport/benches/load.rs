//! Bulk work at the sandbox's rate limit, and an outage, from one run:
//!
//! - throughput under the limit (20 per second) as a ratio of the limit, and
//!   the share of requests answered 429, at 16 and 64 callers, and for a
//!   fleet of four clients that share no state;
//! - requests per call in a total outage, and the time from its end to the
//!   first successful call;
//! - the success rate of 1,000 calls with 40% of attempts faulted and 8
//!   attempts.
//!
//! `cargo bench -p flexport --bench load`

#[path = "../tests/load_proxy/mod.rs"]
mod load_proxy;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use flexport::v2024_04::{Client, prelude::*, types};
use flexport::{ClientBuilder, LimiterRegistry, RetryPolicy};
use futures::StreamExt;

const LIMIT: u32 = 20;

async fn create(client: &Client, sku: String) -> bool {
    let body = types::CreateProductModel::builder()
        .name("Mug")
        .merchant_sku(sku);
    client.create_product().body(body).send().await.is_ok()
}

/// `calls` creates, `callers` at a time, on each of `clients`; how many
/// succeeded.
async fn run(clients: &[Client], prefix: &str, calls: usize, callers: usize) -> usize {
    let runs = clients.iter().enumerate().map(|(c, client)| async move {
        futures::stream::iter(0..calls)
            .map(|n| create(client, format!("{prefix}-{c}-{n}")))
            .buffer_unordered(callers)
            .filter(|ok| std::future::ready(*ok))
            .count()
            .await
    });
    futures::future::join_all(runs).await.into_iter().sum()
}

fn eight_attempts(builder: ClientBuilder) -> ClientBuilder {
    builder.retry_policy(RetryPolicy {
        max_attempts: 8,
        initial_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
        deadline: Some(Duration::from_secs(60)),
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // Throughput at the limit: each run long enough (10 s at the limit)
    // that the first seconds of learning weigh little.
    for (what, clients, callers, calls) in [
        ("16 callers", 1, 16, 200),
        ("64 callers", 1, 64, 200),
        ("fleet of 4 x 16 callers", 4, 16, 50),
    ] {
        let (sandbox, url, proxy) = load_proxy::start(Some(LIMIT)).await;
        let clients: Vec<Client> = (0..clients)
            .map(|_| {
                ClientBuilder::new()
                    .token(sandbox.token())
                    .base_url(&url)
                    .limiter_registry(LimiterRegistry::new(16))
                    .build()
                    .unwrap()
            })
            .collect();
        let started = Instant::now();
        let succeeded = run(&clients, "rate", calls, callers).await;
        let elapsed = started.elapsed().as_secs_f64();
        let (requests, throttled) = proxy.counts();
        println!(
            "limit {LIMIT}/s, {what}: {succeeded} of {} calls succeeded in {elapsed:.1} s, \
             throughput {:.2} of the limit, {throttled} of {requests} requests answered 429 ({:.1}%)",
            calls * clients.len(),
            succeeded as f64 / elapsed / f64::from(LIMIT),
            100.0 * throttled as f64 / requests as f64,
        );
    }

    // A total outage, then its end.
    let (sandbox, url, proxy) = load_proxy::start(None).await;
    let client: Client = eight_attempts(ClientBuilder::new().token(sandbox.token()).base_url(&url))
        .build()
        .unwrap();
    proxy.down.store(true, Ordering::SeqCst);
    let succeeded = run(std::slice::from_ref(&client), "outage", 1_000, 16).await;
    let (requests, _) = proxy.counts();
    println!(
        "total outage: 1000 calls, {succeeded} succeeded, {requests} requests, {:.3} per call",
        requests as f64 / 1_000.0
    );
    // Callers keep calling; the outage ends; how long until one succeeds.
    let recovered = Arc::new(AtomicBool::new(false));
    let ended = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let first_success = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let callers = (0..16).map(|c| {
        let (client, recovered, ended, first) = (
            client.clone(),
            recovered.clone(),
            ended.clone(),
            first_success.clone(),
        );
        async move {
            for n in 0.. {
                if recovered.load(Ordering::SeqCst) {
                    break;
                }
                let was_down_before = ended.lock().unwrap().is_none();
                if create(&client, format!("recovery-{c}-{n}")).await && !was_down_before {
                    first.lock().unwrap().get_or_insert_with(Instant::now);
                    recovered.store(true, Ordering::SeqCst);
                }
            }
        }
    });
    let flip = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        proxy.down.store(false, Ordering::SeqCst);
        *ended.lock().unwrap() = Some(Instant::now());
    };
    futures::join!(futures::future::join_all(callers), flip);
    let (ended, first) = (
        ended.lock().unwrap().unwrap(),
        first_success.lock().unwrap().unwrap(),
    );
    println!(
        "after the outage ended: first success {:.0} ms later",
        first.duration_since(ended).as_secs_f64() * 1_000.0
    );

    // 1,000 calls, 40% of attempts faulted (503 before forwarding), 8 attempts.
    let (sandbox, url, proxy) = load_proxy::start(None).await;
    let client: Client = eight_attempts(ClientBuilder::new().token(sandbox.token()).base_url(&url))
        .build()
        .unwrap();
    proxy.fault_percent.store(40, Ordering::SeqCst);
    let succeeded = run(std::slice::from_ref(&client), "faults", 1_000, 16).await;
    let (requests, _) = proxy.counts();
    println!(
        "40% of attempts faulted, 8 attempts: {succeeded} of 1000 calls succeeded ({:.1}%), {requests} requests",
        succeeded as f64 / 10.0
    );
}
