//! Create-order calls against a server that fails in every way a network
//! can: the connection drops after the order was committed, 500 before it,
//! 429 with `Retry-After`, or an answer slower than the client's timeout.
//! Afterwards the server must hold exactly one order per call.

#![cfg(feature = "v2024-04")]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use flexport::v2024_04::{Client, prelude::*, types};
use flexport::{ClientBuilder, Error, ResponseMetadata, RetryPolicy};
use futures::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use serde_json::json;
use tokio::net::TcpListener;

const CALLS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fault {
    None,
    DropAfterCommit,
    ServerErrorBeforeCommit,
    TooManyRequests,
    SlowAfterCommit,
}

/// The fault of the `attempt`-th request (0-based) of the call with external
/// id number `call`: every call meets a few faults, then succeeds.
fn fault(call: usize, attempt: usize) -> Fault {
    const SCHEDULE: [Fault; 5] = [
        Fault::DropAfterCommit,
        Fault::ServerErrorBeforeCommit,
        Fault::TooManyRequests,
        Fault::SlowAfterCommit,
        Fault::None,
    ];
    let faults_for_this_call = call % 4;
    if attempt >= faults_for_this_call {
        return Fault::None;
    }
    SCHEDULE[(call + attempt) % 4]
}

#[derive(Default)]
struct Server {
    /// idempotency key → (request body, stored order).
    committed: Mutex<HashMap<String, (Bytes, serde_json::Value)>>,
    attempts: Mutex<HashMap<String, usize>>,
    injected: Mutex<HashMap<Fault, usize>>,
    replays: AtomicUsize,
    orders_created: AtomicUsize,
}

#[derive(Debug)]
struct DropConnection;
impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}
impl std::error::Error for DropConnection {}

type Reply = Result<Response<Full<Bytes>>, DropConnection>;

fn json_reply(status: StatusCode, body: &serde_json::Value, replayed: bool) -> Reply {
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-correlation-id", uuid_like(body));
    if replayed {
        response = response.header("idempotent-replayed", "true");
    }
    Ok(response
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap())
}

fn uuid_like(body: &serde_json::Value) -> String {
    format!("00000000-0000-4000-8000-{:012}", body.to_string().len())
}

impl Server {
    async fn handle(self: Arc<Self>, request: Request<hyper::body::Incoming>) -> Reply {
        let key = request
            .headers()
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = request
            .into_body()
            .collect()
            .await
            .map_err(|_| DropConnection)?
            .to_bytes();
        let Some(key) = key else {
            return json_reply(
                StatusCode::BAD_REQUEST,
                &json!({"type": "about:blank", "title": "idempotency-key required"}),
                false,
            );
        };
        let input: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let call: usize = input["externalOrderId"]
            .as_str()
            .unwrap()
            .trim_start_matches("call-")
            .parse()
            .unwrap();
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let n = attempts.entry(key.clone()).or_default();
            *n += 1;
            *n - 1
        };
        let fault = fault(call, attempt);
        *self.injected.lock().unwrap().entry(fault).or_default() += 1;

        match fault {
            Fault::ServerErrorBeforeCommit => {
                return json_reply(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &json!({"type": "about:blank", "title": "Internal Server Error"}),
                    false,
                );
            }
            Fault::TooManyRequests => {
                let mut reply = json_reply(
                    StatusCode::TOO_MANY_REQUESTS,
                    &json!({"type": "about:blank", "title": "Too Many Requests"}),
                    false,
                )?;
                reply
                    .headers_mut()
                    .insert("retry-after", "0".parse().unwrap());
                return Ok(reply);
            }
            _ => {}
        }

        let (order, replayed) = {
            let mut committed = self.committed.lock().unwrap();
            match committed.get(&key) {
                Some((first_body, _)) if *first_body != body => {
                    return json_reply(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &json!({"type": "about:blank", "title": "idempotency key reused with another body"}),
                        false,
                    );
                }
                Some((_, order)) => (order.clone(), true),
                None => {
                    let id = self.orders_created.fetch_add(1, Ordering::SeqCst);
                    let order = order_model(id, &input);
                    committed.insert(key.clone(), (body.clone(), order.clone()));
                    (order, false)
                }
            }
        };
        if replayed {
            self.replays.fetch_add(1, Ordering::SeqCst);
        }
        match fault {
            Fault::DropAfterCommit => Err(DropConnection),
            Fault::SlowAfterCommit => {
                tokio::time::sleep(Duration::from_millis(600)).await;
                json_reply(StatusCode::OK, &order, replayed)
            }
            _ => json_reply(StatusCode::OK, &order, replayed),
        }
    }
}

fn order_model(id: usize, input: &serde_json::Value) -> serde_json::Value {
    json!({
        "id": format!("order-{id}"),
        "externalOrderId": input["externalOrderId"],
        "address": {"address1": "1 Main St", "city": "Springfield", "countryCode": "US", "phone": "555", "provinceCode": "IL", "zip": "62701"},
        "lineItems": [],
        "shipments": [],
        "state": {"fulfillmentDelayed": false, "fulfillmentInProgress": true, "fulfillmentStatus": "ROUTING_IN_PROGRESS", "internalStatus": "CREATED"},
    })
}

async fn start(server: Arc<Server>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let server = server.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request| server.clone().handle(request));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://{address}")
}

fn order_input(call: usize) -> types::CreateOrderInput {
    serde_json::from_value(json!({
        "externalOrderId": format!("call-{call}"),
        "address": {"address1": "1 Main St", "city": "Springfield", "countryCode": "US"},
        "lineItems": [{"logisticsSku": "SKU1", "quantity": 1}],
    }))
    .unwrap()
}

fn client(base_url: &str, max_attempts: u32) -> Client {
    ClientBuilder::new()
        .token("test-token")
        .base_url(base_url)
        .timeout(Duration::from_millis(250))
        // The scheduled 429s here (one attempt in ten, whatever the rate)
        // are faults, not a rate limit: the learned limiter would take each
        // as the server's word and hold the rate low (see "What it cannot
        // tell apart" in flexport_runtime::limiter); tests/load.rs tests it
        // against a real limit.
        .no_rate_limit()
        .retry_policy(RetryPolicy {
            max_attempts,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(10),
            deadline: Some(Duration::from_secs(20)),
        })
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_orders_through_every_fault_are_each_created_exactly_once() {
    let server = Arc::new(Server::default());
    let base_url = start(server.clone()).await;
    let client = client(&base_url, 6);

    let results: Vec<(usize, Result<_, Error>)> = futures::stream::iter(0..CALLS)
        .map(|call| {
            let client = &client;
            async move {
                let result = client.create_order().body(order_input(call)).send().await;
                (call, result)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;

    let mut replayed_answers = 0;
    for (call, result) in &results {
        let response = result
            .as_ref()
            .unwrap_or_else(|error| panic!("call {call}: {error}"));
        assert_eq!(
            response.external_order_id.as_deref(),
            Some(format!("call-{call}").as_str())
        );
        assert!(response.correlation_id().is_some());
        replayed_answers += usize::from(response.idempotent_replayed());
    }
    let committed = server.committed.lock().unwrap();
    assert_eq!(committed.len(), CALLS, "one order per idempotency key");
    assert_eq!(
        server.orders_created.load(Ordering::SeqCst),
        CALLS,
        "no order created twice"
    );
    let mut external_ids: Vec<_> = committed
        .values()
        .map(|(_, order)| order["externalOrderId"].to_string())
        .collect();
    external_ids.sort();
    external_ids.dedup();
    assert_eq!(external_ids.len(), CALLS, "no external order id twice");

    let injected = server.injected.lock().unwrap().clone();
    for fault in [
        Fault::DropAfterCommit,
        Fault::ServerErrorBeforeCommit,
        Fault::TooManyRequests,
        Fault::SlowAfterCommit,
    ] {
        assert!(
            injected.get(&fault).copied().unwrap_or(0) > 100,
            "{fault:?} injected too rarely: {injected:?}"
        );
    }
    assert!(replayed_answers > 0 && server.replays.load(Ordering::SeqCst) >= replayed_answers);
    eprintln!(
        "{CALLS} calls, {} requests; faults injected: {injected:?}; answers replayed: {replayed_answers}",
        injected.values().sum::<usize>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_too_few_attempts_every_call_gets_a_typed_error_and_a_retry_with_its_key_creates_no_duplicate()
 {
    let server = Arc::new(Server::default());
    let base_url = start(server.clone()).await;
    let client = client(&base_url, 2);

    let calls = 200;
    let mut failures = HashMap::new();
    for call in 0..calls {
        let key = format!("key-{call}");
        let result = flexport::with_idempotency_key(
            &key,
            client.create_order().body(order_input(call)).send(),
        )
        .await;
        match result {
            Ok(order) => assert_eq!(
                order.external_order_id.as_deref(),
                Some(format!("call-{call}").as_str())
            ),
            Err(error) => {
                let kind = match &error {
                    Error::Transport { .. } => "transport",
                    Error::Timeout { .. } => "timeout",
                    Error::Api(api) => {
                        assert_eq!(
                            api.idempotency_key.as_deref(),
                            Some(key.as_str()),
                            "the error names the key to retry with"
                        );
                        if api.status == StatusCode::TOO_MANY_REQUESTS {
                            assert_eq!(api.retry_after, Some(Duration::ZERO));
                            "429"
                        } else {
                            assert!(api.status.is_server_error(), "{error}");
                            "5xx"
                        }
                    }
                    other => panic!("call {call}: unexpected {other}"),
                };
                *failures.entry(kind).or_insert(0) += 1;
                let again = flexport::with_idempotency_key(
                    &key,
                    client.create_order().body(order_input(call)).send(),
                );
                let order = again
                    .await
                    .unwrap_or_else(|e| panic!("call {call} again: {e}"));
                assert_eq!(
                    order.external_order_id.as_deref(),
                    Some(format!("call-{call}").as_str())
                );
            }
        }
    }
    assert!(failures.values().sum::<usize>() > 0, "{failures:?}");
    assert_eq!(
        server.orders_created.load(Ordering::SeqCst),
        calls,
        "{failures:?}"
    );
    eprintln!("typed errors after 2 attempts: {failures:?}");
}
