//! `flexport-validator documents DIR`: writes each version's document as
//! served to validators (`DIR/{version}.json`, see
//! `flexport_validator::documents`).
//!
//! `flexport-validator drive VERSION THROUGH AROUND TOKEN [--workflow]`:
//! drives every operation of `VERSION` through the facade at base URL
//! `THROUGH` (a validating proxy), the routed-around ones at `AROUND` (the
//! sandbox itself); with `--workflow`, runs the workflow example through
//! `THROUGH` first (2024-04 only). Prints one line per version and every
//! call that went wrong (every call, with `FLEXPORT_VALIDATOR_VERBOSE` set), and exits non-zero when a call was not sent, an
//! answer was a validator's violation or a 5xx, or the SDK could not decode
//! a success answer.

use std::process::ExitCode;
use std::time::Duration;

use flexport::{ClientBuilder, RetryPolicy};
use flexport_validator::dispatch::Clients;
use flexport_validator::drive::{self, Driven};
use flexport_validator::{Sent, documents};

#[allow(dead_code)]
#[path = "../../flexport/examples/workflow.rs"]
mod workflow;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["documents", dir] => write_documents(dir),
        ["drive", version, through, around, token, ref rest @ ..] => {
            let workflow = rest.contains(&"--workflow");
            run(version, through, around, token, workflow).await
        }
        _ => {
            eprintln!(
                "usage: flexport-validator documents DIR\n       \
                 flexport-validator drive VERSION THROUGH_URL AROUND_URL TOKEN [--workflow]"
            );
            ExitCode::from(2)
        }
    }
}

fn write_documents(dir: &str) -> ExitCode {
    std::fs::create_dir_all(dir).expect("the documents' directory");
    for flexport_validator::Version {
        name: version,
        document: text,
        ..
    } in flexport_validator::dispatch::VERSIONS
    {
        let document: serde_json::Value = serde_json::from_str(text).expect("JSON");
        let (served, changes) = documents::for_validators(&document);
        let path = format!("{dir}/{version}.json");
        std::fs::write(&path, serde_json::to_vec(&served).expect("JSON")).expect("written");
        println!(
            "{path}: {} typeless nullable(s) typed, {} dropped (any value); {} response string(s) \
             also take numbers and booleans (production difference numbers-for-strings)",
            changes.untyped_nullables_typed,
            changes.untyped_nullables_dropped,
            changes.response_strings_relaxed
        );
    }
    ExitCode::SUCCESS
}

fn builder(url: &str, token: &str) -> ClientBuilder {
    ClientBuilder::new()
        .base_url(url)
        .token(token.to_owned())
        .retry_policy(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .no_rate_limit()
        .outage_guard(false)
}

async fn run(version: &str, through: &str, around: &str, token: &str, workflow: bool) -> ExitCode {
    let clients = |url: &str| Clients::build(|| builder(url, token)).expect("a client");
    let (through, around) = (clients(through), clients(around));
    let mut failed = false;
    if workflow {
        match workflow::run(&through.v2024_04, Duration::from_millis(50)).await {
            Ok(order) => println!("validator: workflow: order {} shipped", order.id),
            Err(error) => {
                println!("validator: workflow FAILED: {error}");
                failed = true;
            }
        }
    }
    let Some(driven) = drive::drive(version, &through, &around).await else {
        eprintln!("unknown version {version}");
        return ExitCode::from(2);
    };
    failed |= report(&driven);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints the version's line and its bad calls; whether any call was bad.
fn report(driven: &Driven) -> bool {
    let mut classes = [0usize; 6];
    let mut bad = Vec::new();
    for call in &driven.calls {
        if let Some(status) = call.sent.status() {
            classes[usize::from(status / 100).min(5)] += 1;
        }
        let why = match &call.sent {
            Sent::NotTyped(reason) => Some(format!("not sent: {reason}")),
            sent if sent.is_violation() => Some("violation".to_owned()),
            Sent::Failed {
                status: Some(status @ 500..),
                ..
            } => Some(format!("answered {status}")),
            Sent::Failed {
                status: Some(status @ ..=399),
                ..
            } => Some(format!("the SDK could not decode the {status} answer")),
            Sent::Failed { status: None, .. } => Some("no answer".to_owned()),
            _ => None,
        };
        if let Some(why) = why {
            bad.push((call, why));
        }
    }
    let around = driven.calls.iter().filter(|call| call.around).count();
    let violations = driven
        .calls
        .iter()
        .filter(|call| call.sent.is_violation())
        .count();
    println!(
        "validator: {}: {} operations, {} driven, {} requests ({} validated, {} around the \
         validator), {} violations; answers 2xx {}, 4xx {}, 5xx {}; {} calls wrong",
        driven.version,
        driven.operations,
        driven.operations_driven(),
        driven.calls.len(),
        driven.calls.len() - around,
        around,
        violations,
        classes[2],
        classes[4],
        classes[5],
        bad.len()
    );
    if std::env::var_os("FLEXPORT_VALIDATOR_VERBOSE").is_some() {
        for call in &driven.calls {
            println!(
                "  {:?} {} {} {}",
                call.sent.status(),
                call.operation.method,
                call.operation.path,
                serde_json::to_string(&call.args.0).unwrap_or_default()
            );
        }
    }
    for (call, why) in &bad {
        let body = match &call.sent {
            Sent::Failed { message, body, .. } => {
                format!("{message}; body {}", body.as_deref().unwrap_or("-"))
            }
            other => format!("{other:?}"),
        };
        println!(
            "  {} {} {} ({}): {why}\n    args {}\n    {body}",
            driven.version,
            call.operation.method,
            call.operation.path,
            call.operation.operation_id,
            serde_json::to_string(&call.args.0).unwrap_or_default()
        );
    }
    for unmapped in &driven.unmapped {
        println!("  {}: no setter for parameter {unmapped}", driven.version);
    }
    !bad.is_empty() || driven.operations_driven() != driven.operations
}
