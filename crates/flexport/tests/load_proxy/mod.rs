//! The sandbox behind a proxy that counts requests and 429s and can play an
//! outage or a share of faults: shared by `tests/load.rs` and `benches/load.rs`.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use flexport_sandbox::{Config, Sandbox};

/// Counts what passes; answers 503 itself (nothing forwarded) to the share
/// of requests `fault_percent` says, or to all while `down`.
pub struct Proxy {
    upstream: String,
    http: reqwest::Client,
    pub requests: AtomicUsize,
    pub throttled: AtomicUsize,
    pub down: AtomicBool,
    pub fault_percent: AtomicU32,
    rng: Mutex<fastrand::Rng>,
}

impl Proxy {
    pub fn counts(&self) -> (usize, usize) {
        (
            self.requests.load(Ordering::SeqCst),
            self.throttled.load(Ordering::SeqCst),
        )
    }
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    proxy.requests.fetch_add(1, Ordering::SeqCst);
    let faulted = proxy.down.load(Ordering::SeqCst)
        || proxy.rng.lock().unwrap().u32(0..100) < proxy.fault_percent.load(Ordering::SeqCst);
    if faulted {
        return Response::builder()
            .status(503)
            .header("content-type", "application/problem+json")
            .body(Body::from(
                r#"{"type":"about:blank","title":"Service Unavailable","status":503}"#,
            ))
            .unwrap();
    }
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 1 << 20).await.unwrap();
    let url = format!("{}{}", proxy.upstream, parts.uri);
    let mut upstream = proxy.http.request(parts.method, url).body(body);
    for (name, value) in &parts.headers {
        if name != "host" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.unwrap();
    if answer.status() == 429 {
        proxy.throttled.fetch_add(1, Ordering::SeqCst);
    }
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    response
        .body(Body::from(answer.bytes().await.unwrap()))
        .unwrap()
}

/// The sandbox (with `rate_limit` per second, if any) behind a counting proxy.
pub async fn start(rate_limit: Option<u32>) -> (Sandbox, String, Arc<Proxy>) {
    let sandbox = Sandbox::start(Config {
        rate_limit,
        ..Config::default()
    })
    .await
    .unwrap();
    let proxy = Arc::new(Proxy {
        upstream: sandbox.base_url(),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        requests: AtomicUsize::new(0),
        throttled: AtomicUsize::new(0),
        down: AtomicBool::new(false),
        fault_percent: AtomicU32::new(0),
        rng: Mutex::new(fastrand::Rng::with_seed(60)),
    });
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(proxy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (sandbox, url, proxy)
}
