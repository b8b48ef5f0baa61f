//! The facade's per-call overhead against a plain `reqwest` call to the same
//! local server: both read a product (GET) and create one (POST), decoding
//! the same generated type. Prints microseconds per call and the ratio.
//!
//! `cargo bench -p flexport --bench overhead` (`-- --calls N` to change the
//! number of calls per round; the median of 7 rounds is reported).

use std::convert::Infallible;
use std::time::{Duration, Instant};

use bytes::Bytes;
use flexport::v2024_04::{Client, prelude::*, types};
use http_body_util::Full;
use hyper::{Request, Response};
use tokio::net::TcpListener;

const TOKEN: &str = "bench-token";
const ROUNDS: usize = 7;
const PRODUCT: &str =
    r#"{"name":"Mug","logisticsSku":"SKU-1","merchantSku":"M-1","barcodes":[],"dimsLocked":false}"#;

async fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(|_: Request<hyper::body::Incoming>| async {
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .header("x-correlation-id", "6f1c2d7e-0000-4000-8000-000000000001")
                                .body(Full::new(Bytes::from_static(PRODUCT.as_bytes())))
                                .unwrap(),
                        )
                    });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    format!("http://{address}")
}

fn new_product() -> types::CreateProductModel {
    types::CreateProductModel::builder()
        .name("Mug")
        .merchant_sku("M-1")
        .try_into()
        .unwrap()
}

/// Sends `request` and decodes a product, as a caller without the facade would.
async fn plain(request: reqwest::RequestBuilder) {
    let product: types::ApiProductResponse = request
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    std::hint::black_box(product);
}

async fn facade_get(client: &Client) {
    let product = client
        .get_product()
        .logistics_sku("SKU-1")
        .send()
        .await
        .unwrap();
    std::hint::black_box(product.into_inner());
}

async fn facade_post(client: &Client) {
    let product = client
        .create_product()
        .body(new_product())
        .send()
        .await
        .unwrap();
    std::hint::black_box(product.into_inner());
}

/// Median time per call over [`ROUNDS`] rounds of `calls` calls.
async fn per_call<F, Fut>(calls: usize, mut call: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    for _ in 0..calls / 10 {
        call().await;
    }
    let mut rounds = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..calls {
            call().await;
        }
        rounds.push(start.elapsed() / calls as u32);
    }
    rounds.sort();
    rounds[ROUNDS / 2]
}

fn calls_from_args() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|arg| arg == "--calls")
        .and_then(|at| args.get(at + 1))
        .map(|n| n.parse().expect("--calls takes a number"))
        .unwrap_or(2_000)
}

fn main() {
    let calls = calls_from_args();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let base = serve().await;
        let http = reqwest::Client::new();
        let client: Client = flexport::ClientBuilder::new()
            .token(TOKEN)
            .base_url(&base)
            .build()
            .unwrap();

        println!(
            "{calls} sequential calls per round, median of {ROUNDS} rounds, one connection each"
        );
        for (name, plain, facade) in [
            (
                "GET  /products/{sku}",
                per_call(calls, || {
                    plain(http.get(format!("{base}/logistics/api/2024-04/products/SKU-1")))
                })
                .await,
                per_call(calls, || facade_get(&client)).await,
            ),
            (
                "POST /products",
                per_call(calls, || {
                    plain(
                        http.post(format!("{base}/logistics/api/2024-04/products"))
                            .json(&new_product()),
                    )
                })
                .await,
                per_call(calls, || facade_post(&client)).await,
            ),
        ] {
            println!(
                "{name}: plain reqwest {:.1} µs, flexport facade {:.1} µs, ratio {:.2}",
                plain.as_secs_f64() * 1e6,
                facade.as_secs_f64() * 1e6,
                facade.as_secs_f64() / plain.as_secs_f64(),
            );
        }
    });
}
