//! Bulk work at the sandbox's rate limit, and an outage, from one run, each
//! figure beside a baseline measured in the same run:
//!
//! - throughput under the limit (20 per second, bursts of 20) as a ratio of
//!   the limit, and the share of requests answered 429, at 16 and 64
//!   callers, and for a fleet of four clients that share no state; the
//!   baseline is clients told their share of the limit (`rate_limit(20.0,
//!   20)` for one, `rate_limit(5.0, 5)` each for four), the best a client
//!   that learns it can do;
//! - requests per call in a total outage, and the time from its end to the
//!   first successful call; the baseline is the same client without the
//!   outage guard;
//! - the success rate of 1,000 calls with 40% of attempts faulted and 8
//!   attempts, with and without the guard.
//!
//! `cargo bench -p flexport --bench load --profile dev` (the dev profile:
//! a release build of the workspace takes too long on a shared machine, and
//! the figures are rates of a local server paced at 20 per second, not of
//! the code's speed).

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

/// Throughput as a ratio of the limit, and the share of 429s.
struct Rate {
    ratio: f64,
    throttled_percent: f64,
    succeeded: usize,
    elapsed: f64,
}

/// One throughput run on a fresh sandbox: `clients` clients (each with a
/// registry of its own, as separate processes), `calls` creates each.
/// `told`: each client is given this rate instead of learning one.
async fn throughput(told: Option<f64>, clients: usize, callers: usize, calls: usize) -> Rate {
    let (sandbox, url, proxy) = load_proxy::start(Some(LIMIT)).await;
    let clients: Vec<Client> = (0..clients)
        .map(|_| {
            let builder = ClientBuilder::new()
                .token(sandbox.token())
                .base_url(&url)
                .limiter_registry(LimiterRegistry::new(16));
            match told {
                Some(rate) => builder.rate_limit(rate, rate as u32),
                None => builder,
            }
            .build()
            .unwrap()
        })
        .collect();
    let started = Instant::now();
    let succeeded = run(&clients, "rate", calls, callers).await;
    let elapsed = started.elapsed().as_secs_f64();
    let (requests, throttled) = proxy.counts();
    Rate {
        ratio: succeeded as f64 / elapsed / f64::from(LIMIT),
        throttled_percent: 100.0 * throttled as f64 / requests.max(1) as f64,
        succeeded,
        elapsed,
    }
}

/// A total outage of 1,000 calls, then its end: the requests per call, and
/// the milliseconds from the end to the first success.
async fn outage(configure: fn(ClientBuilder) -> ClientBuilder) -> (f64, f64) {
    let (sandbox, url, proxy) = load_proxy::start(None).await;
    let client: Client = configure(eight_attempts(
        ClientBuilder::new().token(sandbox.token()).base_url(&url),
    ))
    .build()
    .unwrap();
    proxy.down.store(true, Ordering::SeqCst);
    run(std::slice::from_ref(&client), "outage", 1_000, 16).await;
    let (requests, _) = proxy.counts();
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
    (
        requests as f64 / 1_000.0,
        first.duration_since(ended).as_secs_f64() * 1_000.0,
    )
}

/// 1,000 calls, 40% of attempts faulted (503 before forwarding), 8
/// attempts: how many succeeded, and the requests sent.
async fn faults(configure: fn(ClientBuilder) -> ClientBuilder) -> (usize, usize) {
    let (sandbox, url, proxy) = load_proxy::start(None).await;
    let client: Client = configure(eight_attempts(
        ClientBuilder::new().token(sandbox.token()).base_url(&url),
    ))
    .build()
    .unwrap();
    proxy.fault_percent.store(40, Ordering::SeqCst);
    let succeeded = run(std::slice::from_ref(&client), "faults", 1_000, 16).await;
    (succeeded, proxy.counts().0)
}

fn learned(builder: ClientBuilder) -> ClientBuilder {
    builder
}

fn without_guard(builder: ClientBuilder) -> ClientBuilder {
    builder.outage_guard(false)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // Each run is 20 s at the limit, so the first seconds of learning (slow
    // start from 5 per second) weigh as they would in a job of 400 calls.
    println!("throughput at the sandbox's limit of {LIMIT}/s (bursts of {LIMIT}):");
    for (what, clients, callers, calls) in [
        ("16 callers", 1, 16, 400),
        ("64 callers", 1, 64, 400),
        ("fleet of 4 x 16 callers", 4, 16, 100),
    ] {
        let subject = throughput(None, clients, callers, calls).await;
        // Each client of the baseline is told its share of the limit.
        let share = f64::from(LIMIT) / clients as f64;
        let baseline = throughput(Some(share), clients, callers, calls).await;
        println!(
            "  {what}: learned {:.3} of the limit ({} of {} calls in {:.1} s, {:.1}% of requests \
             answered 429); told its share {:.3} ({:.1}% 429); learned / told {:.3}",
            subject.ratio,
            subject.succeeded,
            clients * calls,
            subject.elapsed,
            subject.throttled_percent,
            baseline.ratio,
            baseline.throttled_percent,
            subject.ratio / baseline.ratio,
        );
    }

    let (per_call, first_ms) = outage(learned).await;
    let (per_call_without, first_ms_without) = outage(without_guard).await;
    println!(
        "total outage, 1000 calls of 8 attempts: {per_call:.3} requests per call with the guard, \
         {per_call_without:.3} without; first success {first_ms:.0} ms after the outage ended \
         with the guard, {first_ms_without:.0} ms without"
    );

    let (succeeded, requests) = faults(learned).await;
    let (succeeded_without, requests_without) = faults(without_guard).await;
    println!(
        "40% of attempts faulted, 8 attempts, 1000 calls: {:.1}% succeeded with the guard \
         ({requests} requests), {:.1}% without ({requests_without} requests)",
        succeeded as f64 / 10.0,
        succeeded_without as f64 / 10.0,
    );
}
