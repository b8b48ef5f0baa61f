//! Requests per second the sandbox serves on loopback: a GET of one product
//! and a POST creating an order with a fresh idempotency key, from 32
//! concurrent connections for 3 seconds each, first in memory, then with a
//! state file (every POST written and fdatasynced before it is answered),
//! and the ratio of the two POST rates.
//!
//! `cargo bench -p flexport-sandbox --bench load`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use flexport_sandbox::{Config, Sandbox};
use serde_json::json;

const CONNECTIONS: usize = 32;
const RUN: Duration = Duration::from_secs(3);

/// Requests per second of `call`.
async fn measure<F, Fut>(name: &str, call: F) -> f64
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = reqwest::StatusCode> + Send,
{
    let call = Arc::new(call);
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let call = call.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                while started.elapsed() < RUN {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let status = call(n).await;
                    assert!(status.is_success(), "{status}");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let requests = counter.load(Ordering::Relaxed);
    let rate = requests as f64 / started.elapsed().as_secs_f64();
    println!(
        "{name}: {requests} requests in {:.2?}, {rate:.0} requests/s",
        started.elapsed(),
    );
    rate
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let directory = tempfile::tempdir().unwrap();
    let in_memory = runtime.block_on(run(Config::default(), "in memory"));
    let with_state = runtime.block_on(run(
        Config {
            state_file: Some(directory.path().join("load.jsonl")),
            ..Config::default()
        },
        "with --state",
    ));
    println!(
        "POST /orders with --state / in memory: {:.2}",
        with_state / in_memory
    );
}

/// Measures a GET and a POST on a sandbox started with `config`; returns the
/// POST rate.
async fn run(config: Config, label: &str) -> f64 {
    {
        let sandbox = Sandbox::start(config).await.unwrap();
        let base = format!("{}/logistics/api/2024-04", sandbox.base_url());
        let token = sandbox.token().to_owned();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(CONNECTIONS)
            .build()
            .unwrap();
        let product: serde_json::Value = http
            .post(format!("{base}/products"))
            .bearer_auth(&token)
            .json(&json!({"name": "Mug", "merchantSku": "MUG-1"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let sku = product["logisticsSku"].as_str().unwrap().to_owned();

        println!("{CONNECTIONS} concurrent connections, {RUN:?} each, sandbox {label}");
        let (get_http, get_base, get_token, get_sku) =
            (http.clone(), base.clone(), token.clone(), sku.clone());
        measure("GET  /products/{sku}", move |_| {
            let request = get_http
                .get(format!("{get_base}/products/{get_sku}"))
                .bearer_auth(&get_token);
            async move { request.send().await.unwrap().status() }
        })
        .await;
        let rate = measure("POST /orders (new idempotency key each)", move |n| {
            let request = http
                .post(format!("{base}/orders"))
                .bearer_auth(&token)
                .header("idempotency-key", format!("load-{n}"))
                .json(&json!({
                    "externalOrderId": format!("LOAD-{n}"),
                    "address": {"address1": "1 Main St", "city": "Reno", "countryCode": "US"},
                    "lineItems": [{"logisticsSku": sku, "quantity": 1}],
                }));
            async move { request.send().await.unwrap().status() }
        })
        .await;
        sandbox.stop().await;
        rate
    }
}
