//! The sample workflow (`examples/workflow.rs`, every step) against a
//! manual-clock sandbox: before each wait the test moves the sandbox's time
//! by the step's duration, so each waiter's first poll finds the state it
//! waits for. Nothing sleeps and nothing waits for the wall clock: a
//! waiter that found its state pending would sleep an hour (`Patience`
//! below), and the request log shows it did not. Prints its wall time
//! (`cargo test -p flexport --test sandbox_manual_clock -- --nocapture`).

#![cfg(feature = "v2024-04")]

use std::time::{Duration, Instant};

use flexport::ClientBuilder;
use flexport::v2024_04::types::InternalOrderStatus;
use flexport_sandbox::{Config, Sandbox};

#[allow(dead_code)]
#[path = "../examples/workflow.rs"]
mod workflow;

const HOUR: Duration = Duration::from_secs(3600);
/// Ends a broken run (a waiter asleep for its hour); a passing one ends long before.
const GUARD: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_workflow_runs_on_a_manual_clock_without_waiting() {
    let started = Instant::now();
    let config = Config {
        manual_clock: true,
        ..Config::default()
    };
    let sandbox = Sandbox::start(config.clone()).await.unwrap();
    let client = ClientBuilder::new()
        .token(sandbox.token())
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let patience = workflow::Patience {
        min_delay: HOUR,
        max_delay: HOUR,
        deadline: HOUR * 2,
    };
    let clock_before = sandbox.now();
    let workflow = workflow::run_with(&client, patience, async |awaited| {
        let by = match awaited {
            "received" => config.receive_after,
            "shipped" => config.ship_after,
            other => panic!("the workflow waits for {other}, which this test does not know"),
        };
        sandbox.advance(by).await.unwrap();
    });
    let order = tokio::time::timeout(GUARD, workflow)
        .await
        .expect("a waiter found its state pending and slept")
        .unwrap();
    let wall = started.elapsed();

    assert_eq!(order.state.internal_status, InternalOrderStatus::Shipped);
    assert_eq!(
        (sandbox.now() - clock_before).to_std().unwrap(),
        config.receive_after + config.ship_after,
        "the sandbox's time moved only by the advances"
    );
    let requests = sandbox.requests();
    let count = |operation: &str| {
        requests
            .iter()
            .filter(|request| request.operation_id.as_deref() == Some(operation))
            .count()
    };
    // One poll per wait: each waiter's first poll saw its state.
    assert_eq!(count("GetInboundingShipmentV4"), 1, "{requests:#?}");
    assert_eq!(count("GetOrder"), 1, "{requests:#?}");
    let creates: Vec<_> = requests
        .iter()
        .filter(|request| request.operation_id.as_deref() == Some("CreateOrder202307"))
        .collect();
    assert_eq!(creates.len(), 1, "{requests:#?}");
    assert!(creates[0].idempotency_key.is_some() && !creates[0].replayed);
    assert!(
        requests
            .iter()
            .all(|request| request.status.is_some_and(|status| status < 300)),
        "{requests:#?}"
    );
    println!(
        "the workflow on a manual clock: {} requests, {:.1?} wall time ({:?} of sandbox time)",
        requests.len(),
        wall,
        config.receive_after + config.ship_after
    );
    sandbox.stop().await;
}
