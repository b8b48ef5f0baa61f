//! The driver against the sandbox directly (no validator in between): every
//! row of every version's `OPERATIONS` table is sent, every value decodes
//! into its setter's type, no answer is a 5xx and every success answer
//! decodes. `scripts/validate.sh` runs the same driver through Prism.

use std::time::Duration;

use flexport::{ClientBuilder, RetryPolicy};
use flexport_sandbox::{Config, Sandbox};
use flexport_validator::Sent;
use flexport_validator::dispatch::Clients;
use flexport_validator::drive;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_of_every_version_is_sent_and_answered() {
    let sandbox = Sandbox::start(Config {
        receive_after: Duration::from_millis(100),
        ship_after: Duration::from_millis(100),
        ..Config::default()
    })
    .await
    .unwrap();
    let clients = Clients::build(|| {
        ClientBuilder::new()
            .base_url(sandbox.base_url())
            .token(sandbox.token())
            .retry_policy(RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            })
            .no_rate_limit()
    })
    .unwrap();
    let versions: Vec<&str> = drive::versions().collect();
    assert_eq!(versions, flexport_runtime::API_VERSIONS);
    let mut wrong = Vec::new();
    for version in versions {
        let driven = drive::drive(version, &clients, &clients).await.unwrap();
        assert_eq!(driven.operations_driven(), driven.operations, "{version}");
        let successes = driven
            .calls
            .iter()
            .filter(|call| matches!(call.sent, Sent::Answered { .. }))
            .count();
        println!(
            "{version}: {} operations, {} calls, {successes} answered 2xx",
            driven.operations,
            driven.calls.len()
        );
        // The creates at least succeed, so the calls after them take ids
        // that exist.
        assert!(successes * 3 >= driven.operations, "{version}: {successes}");
        for call in &driven.calls {
            let bad = match &call.sent {
                Sent::NotTyped(_) => true,
                Sent::Failed { status, .. } => status.is_none_or(|s| !(400..500).contains(&s)),
                Sent::Answered { .. } => false,
            };
            if bad {
                wrong.push(format!(
                    "{version} {} {}: {:?}",
                    call.operation.method, call.operation.path, call.sent
                ));
            }
        }
    }
    sandbox.stop().await;
    assert!(wrong.is_empty(), "{wrong:#?}");
}
