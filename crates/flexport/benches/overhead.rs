//! The facade's per-call overhead against a plain `reqwest` call to the same
//! local server: both read a product (GET) and create one (POST), decoding
//! the same generated type. Prints microseconds per call and the ratio.
//!
//! `cargo bench -p flexport --bench overhead` (`-- --calls N` to change the
//! number of calls per round). Plain and facade rounds alternate, and each
//! round pair gives a ratio; the median and the minimum of the 15 ratios are
//! printed. `-- --only facade-get` (or `plain-get`, `facade-post`,
//! `plain-post`) makes `--calls` calls of one side for an instruction count:
//! see `scripts/overhead-instructions.sh`.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use bytes::Bytes;
use flexport::v2024_04::{Client, prelude::*, types};
use http_body_util::Full;
use hyper::{Request, Response};
use tokio::net::TcpListener;

const TOKEN: &str = "bench-token";
const ROUNDS: usize = 15;
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

/// Time per call of `calls` calls of `call`.
async fn round<F, Fut>(calls: usize, call: &mut F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let start = Instant::now();
    for _ in 0..calls {
        call().await;
    }
    start.elapsed() / calls as u32
}

/// Plain and facade rounds interleaved (plain first in even rounds, facade
/// first in odd ones), so that a burst of load on a shared machine hits
/// both sides alike: returns the median per-call time of each side and the
/// median and minimum of the per-round ratios facade/plain.
async fn compare<P, PF, F, FF>(calls: usize, mut plain: P, mut facade: F) -> [f64; 4]
where
    P: FnMut() -> PF,
    PF: Future<Output = ()>,
    F: FnMut() -> FF,
    FF: Future<Output = ()>,
{
    round(calls / 10, &mut plain).await;
    round(calls / 10, &mut facade).await;
    let (mut plains, mut facades, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..ROUNDS {
        let (p, f) = if r % 2 == 0 {
            let p = round(calls, &mut plain).await;
            (p, round(calls, &mut facade).await)
        } else {
            let f = round(calls, &mut facade).await;
            (round(calls, &mut plain).await, f)
        };
        plains.push(p.as_secs_f64() * 1e6);
        facades.push(f.as_secs_f64() * 1e6);
        ratios.push(f.as_secs_f64() / p.as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let median_ratio = median(&mut ratios);
    let min_ratio = ratios[0]; // sorted by `median`
    [
        median(&mut plains),
        median(&mut facades),
        median_ratio,
        min_ratio,
    ]
}

/// `--only NAME`: `calls` calls of one side, untimed, for an instruction
/// count (`valgrind --tool=callgrind`); `scripts/overhead-instructions.sh`
/// subtracts two runs of different lengths to cancel the setup.
fn only_from_args() -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|arg| arg == "--only")?;
    Some(args.get(at + 1).expect("--only takes a name").clone())
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

        let get_url = format!("{base}/logistics/api/2024-04/products/SKU-1");
        let post_url = format!("{base}/logistics/api/2024-04/products");
        let plain_get = || plain(http.get(&get_url));
        let plain_post = || plain(http.post(&post_url).json(&new_product()));
        let get = || facade_get(&client);
        let post = || facade_post(&client);
        if let Some(only) = only_from_args() {
            let mut done = 0;
            for _ in 0..calls {
                match only.as_str() {
                    "plain-get" => plain_get().await,
                    "plain-post" => plain_post().await,
                    "facade-get" => get().await,
                    "facade-post" => post().await,
                    other => panic!("--only {other}: plain-get, plain-post, facade-get or facade-post"),
                }
                done += 1;
            }
            println!("{done} calls of {only}");
            return;
        }
        println!(
            "{calls} sequential calls per round, {ROUNDS} rounds of each side interleaved, one connection each"
        );
        for (name, [plain, facade, median, min]) in [
            ("GET  /products/{sku}", compare(calls, plain_get, get).await),
            ("POST /products", compare(calls, plain_post, post).await),
        ] {
            println!(
                "{name}: plain reqwest {plain:.1} µs, flexport facade {facade:.1} µs (medians); \
                 ratio per round: median {median:.3}, min {min:.3}"
            );
        }
    });
}
