//! Paged lists as streams of `flexport::Error` results, against servers on
//! 127.0.0.1 that fail in the middle of a list.

#![cfg(feature = "v2024-04")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use flexport::pagination::{OffsetPaged, cursor_stream};
use flexport::v2024_04::Client;
use flexport::v2024_04::prelude::*;
use flexport::{Error, ErrorCode, ErrorKind, RetryPolicy};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const PRODUCTS: &str = "/logistics/api/2024-04/products";

fn product(n: usize) -> Value {
    json!({"name": "Mug", "logisticsSku": format!("P{n}"), "merchantSku": format!("M{n}"), "barcodes": [], "dimsLocked": false})
}

/// A query parameter as a number, whether it went out as `5` or `5.0`.
fn number(request: &Request, name: &str) -> usize {
    request
        .url
        .query_pairs()
        .find(|(key, _)| key == name)
        .and_then(|(_, value)| value.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no numeric `{name}` in {}", request.url)) as usize
}

fn client(base_url: &str) -> Client {
    flexport::ClientBuilder::new()
        .token("t")
        .base_url(base_url)
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            initial_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            deadline: None,
        })
        .build()
        .unwrap()
}

/// Serves `total` products by offset and limit, capping `limit` at `cap`;
/// `fail(offset, attempt)` may answer instead. Counts requests.
async fn products_server(
    total: usize,
    cap: usize,
    fail: impl Fn(usize, usize) -> Option<ResponseTemplate> + Send + Sync + 'static,
) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let requests = Arc::new(AtomicUsize::new(0));
    let count = requests.clone();
    Mock::given(method("GET"))
        .and(path(PRODUCTS))
        .respond_with(move |request: &Request| {
            let attempt = count.fetch_add(1, Ordering::SeqCst);
            let (offset, limit) = (number(request, "offset"), number(request, "limit"));
            if let Some(failure) = fail(offset, attempt) {
                return failure;
            }
            let page: Vec<Value> = (offset..total).take(limit.min(cap)).map(product).collect();
            ResponseTemplate::new(200).set_body_json(page)
        })
        .mount(&server)
        .await;
    (server, requests)
}

fn skus(results: &[Result<String, Error>]) -> Vec<String> {
    results
        .iter()
        .filter_map(|result| result.as_ref().ok().cloned())
        .collect()
}

#[tokio::test]
async fn a_page_that_keeps_failing_ends_the_stream_with_a_flexport_error_after_the_earlier_items() {
    let problem = json!({"type": "about:blank", "title": "Unprocessable", "code": 407001});
    let (server, _) = products_server(20, 100, move |offset, _| {
        (offset == 5).then(|| {
            ResponseTemplate::new(422)
                .insert_header("content-type", "application/problem+json")
                .insert_header("x-correlation-id", "corr-5")
                .set_body_json(problem.clone())
        })
    })
    .await;
    let results: Vec<Result<_, Error>> = client(&server.uri())
        .get_products()
        .stream_all(5)
        .map_ok(|product| product.logistics_sku)
        .collect()
        .await;
    assert_eq!(skus(&results), ["P0", "P1", "P2", "P3", "P4"]);
    assert_eq!(results.len(), 6, "five items, then the error, then nothing");
    let error = results.last().unwrap().as_ref().unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::UnprocessableEntity));
    assert_eq!(error.code(), Some(ErrorCode::InvalidOrderStatus));
    assert_eq!(error.correlation_id(), Some("corr-5"));
}

#[tokio::test]
async fn a_page_that_fails_once_is_retried_and_the_list_is_whole() {
    let (server, requests) = products_server(12, 100, |offset, attempt| {
        (offset == 5 && attempt == 1).then(|| ResponseTemplate::new(503))
    })
    .await;
    let all: Vec<String> = client(&server.uri())
        .get_products()
        .stream_all(5)
        .map_ok(|product| product.logistics_sku)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, (0..12).map(|n| format!("P{n}")).collect::<Vec<_>>());
    assert_eq!(
        requests.load(Ordering::SeqCst),
        5,
        "3 pages, 1 retry, 1 empty page"
    );
}

#[tokio::test]
async fn a_server_that_caps_the_page_size_still_yields_every_item_and_zero_means_one() {
    let (server, _) = products_server(10, 3, |_, _| None).await;
    let all: Vec<String> = client(&server.uri())
        .get_products()
        .stream_all(50)
        .map_ok(|product| product.logistics_sku)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 10, "short pages of 3 are not the end");

    let (server, requests) = products_server(2, 100, |_, _| None).await;
    let all: Vec<String> = client(&server.uri())
        .get_products()
        .stream_all(0)
        .map_ok(|product| product.logistics_sku)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, ["P0", "P1"]);
    let limits: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| number(request, "limit"))
        .collect();
    assert_eq!(limits, [1, 1, 1]);
    assert_eq!(requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn pages_are_fetched_only_as_far_as_the_stream_is_read() {
    let (server, requests) = products_server(1_000, 100, |_, _| None).await;
    let first: Vec<String> = client(&server.uri())
        .get_products()
        .stream_all(10)
        .take(10)
        .map_ok(|product| product.logistics_sku)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 10);
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}

/// Answers `GET` with page 0 (two products) when `offset` is 0, and with the
/// first bytes of a page and a closed connection for any other offset.
async fn cut_second_page_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => request.extend_from_slice(&buffer[..read]),
                    }
                }
                let line = String::from_utf8_lossy(&request)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let first = line.contains("offset=0&")
                    || line.contains("offset=0 ")
                    || line.contains("offset=0.0");
                let body = serde_json::to_string(&[product(0), product(1)]).unwrap();
                let response = if first {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    let cut = &body[..body.len() / 2];
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{cut}",
                        body.len()
                    )
                };
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn a_page_cut_in_the_middle_ends_the_stream_with_an_error_not_a_short_list() {
    let base_url = cut_second_page_server().await;
    let results: Vec<Result<_, Error>> = client(&base_url)
        .get_products()
        .stream_all(2)
        .map_ok(|product| product.logistics_sku)
        .collect()
        .await;
    assert_eq!(skus(&results), ["P0", "P1"]);
    assert_eq!(results.len(), 3, "{results:?}");
    let error = results.last().unwrap().as_ref().unwrap_err();
    assert!(
        matches!(error, Error::Transport { .. } | Error::InvalidResponse(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn cursor_streams_take_generated_errors_and_stop_on_a_repeated_cursor() {
    // `fetch` fails with progenitor's error, as a generated `send()` does.
    let failing = |cursor: Option<u32>| async move {
        match cursor {
            None => Ok((vec![1, 2], Some(7))),
            Some(_) => Err(
                progenitor_client::Error::<progenitor_client::ByteStream>::InvalidRequest(
                    "no such cursor".to_owned(),
                ),
            ),
        }
    };
    let results: Vec<Result<u32, Error>> = cursor_stream(None, failing).collect().await;
    assert_eq!(results.len(), 3);
    assert!(
        matches!(&results[2], Err(Error::InvalidRequest(reason)) if reason == "no such cursor")
    );

    // A server that hands back the cursor it was given would loop forever.
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let stuck = move |cursor: Option<String>| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move {
            let next = Some("page-2".to_owned());
            let items = if cursor.is_none() {
                vec![1, 2]
            } else {
                vec![3]
            };
            Ok::<_, Error>((items, next))
        }
    };
    // (`take` bounds the test, not the stream.)
    let items: Vec<u32> = cursor_stream(None, stuck)
        .take(10)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [1, 2, 3]);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
