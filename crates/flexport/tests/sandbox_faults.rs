//! The SDK's retries against the local sandbox in fault mode: 40% of
//! requests meet a fault (5xx before or after acting, a connection dropped
//! before or after acting), some are slow, and every create still succeeds
//! exactly once.

#![cfg(feature = "v2024-04")]

use std::collections::HashSet;
use std::time::Duration;

use flexport::v2024_04::{Client, prelude::*, types};
use flexport::{ClientBuilder, ResponseMetadata, RetryPolicy};
use flexport_sandbox::{Config, Faults, Sandbox};
use serde_json::json;

const CREATES: usize = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_turn_a_faulty_sandbox_into_every_create_succeeding_once() {
    let sandbox = Sandbox::start(Config {
        faults: Faults {
            error_before: 0.1,
            error_after: 0.1,
            drop_before: 0.1,
            drop_after: 0.1,
            slow: 0.1,
            slow_delay: Duration::from_millis(20),
            seed: 42,
        },
        ..Config::default()
    })
    .await
    .unwrap();
    let client: Client = ClientBuilder::new()
        .token(sandbox.token())
        .base_url(sandbox.base_url())
        .retry_policy(RetryPolicy {
            // 0.4^16: no call runs out of attempts.
            max_attempts: 16,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(10),
            deadline: None,
        })
        .build()
        .unwrap();

    let mut replayed = 0;
    for n in 0..CREATES {
        let body: types::CreateProductModel =
            serde_json::from_value(json!({"name": "Mug", "merchantSku": format!("M-{n:03}")}))
                .unwrap();
        // A create that acted before its answer was lost and was sent again
        // without the replay would meet 409 (duplicate merchantSku) here.
        let product = client
            .create_product()
            .body(body)
            .send()
            .await
            .unwrap_or_else(|error| panic!("create {n}: {error}"));
        replayed += usize::from(product.idempotent_replayed());
    }
    let products = client
        .get_products()
        .limit(1_000)
        .send()
        .await
        .unwrap()
        .into_inner();
    let skus: HashSet<_> = products
        .iter()
        .map(|product| &product.merchant_sku)
        .collect();
    assert_eq!(
        products.len(),
        CREATES,
        "one product per create, no duplicates"
    );
    assert_eq!(skus.len(), CREATES);
    // The "after acting" faults were met and answered by replays.
    assert!(replayed > 0, "no create was replayed");
    println!("{replayed} of {CREATES} creates were answered by a replay");
}
