//! Paged lists as one stream, against servers on 127.0.0.1 (`support`) that
//! page as production does and fail in the middle of a list.

#![cfg(feature = "v2024-04")]

mod support;

use std::sync::atomic::Ordering;

use flexport::pagination::*;
use flexport::v2024_04::prelude::*;
use flexport::{Error, ErrorCode, ErrorKind};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use support::{client, cursor, gateway_timeout, number, product, products_server, returns_server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::ResponseTemplate;

fn skus<P>(results: &[Result<String, StreamError<P>>]) -> Vec<String> {
    results
        .iter()
        .filter_map(|result| result.as_ref().ok().cloned())
        .collect()
}

#[tokio::test]
async fn a_page_that_keeps_failing_ends_the_stream_with_a_flexport_error_after_the_earlier_items() {
    let problem = json!({"type": "about:blank", "title": "Unprocessable", "code": 407001});
    let (server, _) = products_server(20, 100, move |offset, _, _| {
        (offset == 5).then(|| {
            ResponseTemplate::new(422)
                .insert_header("content-type", "application/problem+json")
                .insert_header("x-correlation-id", "corr-5")
                .set_body_json(problem.clone())
        })
    })
    .await;
    let results: Vec<Result<_, StreamError<u64>>> = client(&server.uri())
        .get_products()
        .stream_all(5)
        .map_ok(|product| product.logistics_sku)
        .collect()
        .await;
    assert_eq!(skus(&results), ["P0", "P1", "P2", "P3", "P4"]);
    assert_eq!(results.len(), 6, "five items, then the error, then nothing");
    let error = &results.last().unwrap().as_ref().unwrap_err().error;
    assert_eq!(error.kind(), Some(ErrorKind::UnprocessableEntity));
    assert_eq!(error.code(), Some(ErrorCode::InvalidOrderStatus));
    assert_eq!(error.correlation_id(), Some("corr-5"));
}

#[tokio::test]
async fn a_page_that_fails_once_is_retried_and_the_list_is_whole() {
    let (server, requests) = products_server(12, 100, |offset, _, attempt| {
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
    let (server, _) = products_server(10, 3, |_, _, _| None).await;
    let all: Vec<String> = client(&server.uri())
        .get_products()
        .stream_all(50)
        .map_ok(|product| product.logistics_sku)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 10, "short pages of 3 are not the end");

    let (server, requests) = products_server(2, 100, |_, _, _| None).await;
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
    let (server, requests) = products_server(1_000, 100, |_, _, _| None).await;
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
    let results: Vec<Result<_, StreamError<u64>>> = client(&base_url)
        .get_products()
        .stream_all(2)
        .map_ok(|product| product.logistics_sku)
        .collect()
        .await;
    assert_eq!(skus(&results), ["P0", "P1"]);
    assert_eq!(results.len(), 3, "{results:?}");
    let error = &results.last().unwrap().as_ref().unwrap_err().error;
    assert!(
        matches!(error, Error::Transport { .. } | Error::InvalidResponse(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn gateway_timeouts_halve_the_page_until_it_passes_and_every_item_comes_once() {
    // Production's gateway: every page over 50 items times out, for good;
    // the rest are capped at 37 rows.
    let (server, requests) =
        products_server(230, 37, |_, limit, _| (limit > 50).then(gateway_timeout)).await;
    let all: Vec<String> = client(&server.uri())
        .get_products()
        .stream_all(100)
        .map_ok(|product| product.logistics_sku)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, (0..230).map(|n| format!("P{n}")).collect::<Vec<_>>());
    let limits: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| number(request, "limit"))
        .collect();
    // 100 once (not retried: the page shrinks instead), then 50 kept for the
    // rest: 7 pages of at most 37 rows, and the empty one.
    assert_eq!(limits, [100, 50, 50, 50, 50, 50, 50, 50, 50]);
    assert_eq!(requests.load(Ordering::SeqCst), 9);
}

#[tokio::test]
async fn at_the_floor_a_gateway_timeout_gets_ordinary_retries_and_the_error_says_where() {
    let (server, _) = products_server(30, 100, |_, _, _| Some(gateway_timeout())).await;
    let results: Vec<Result<String, StreamError<u64>>> = client(&server.uri())
        .get_products()
        .stream_all(100)
        .map_ok(|product| product.logistics_sku)
        .collect()
        .await;
    let limits: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| number(request, "limit"))
        .collect();
    assert_eq!(
        limits,
        [100, 50, 25, 12, 10, 10, 10],
        "3 attempts at the floor"
    );
    let [Err(error)] = &results[..] else {
        panic!("{results:?}")
    };
    assert_eq!((error.position, error.page_size), (0, PAGE_SIZE_FLOOR));
    assert!(error.error.is_gateway_timeout(), "{}", error.error);
}

#[tokio::test]
async fn link_lists_follow_the_next_link_with_an_encoded_cursor_and_a_relative_target() {
    let returns = returns_server(7, None).await;
    assert!(cursor(2).contains(['+', '/', '=']), "{}", cursor(2));
    let ids: Vec<String> = client(&returns.server.uri())
        .get_returns()
        .stream_all(2)
        .map_ok(|order| order.external_return_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, (0..7).map(|n| format!("RET-{n}")).collect::<Vec<_>>());
    let cursors: Vec<Option<String>> = returns
        .server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| {
            request
                .url
                .query_pairs()
                .find(|(k, _)| k == "page_info")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    // The last page names no next link: that is the end, without an empty page.
    assert_eq!(
        cursors,
        [None, Some(cursor(2)), Some(cursor(4)), Some(cursor(6))]
    );
}

#[tokio::test]
async fn a_cursor_that_fails_for_good_ends_the_stream_with_that_cursor_and_a_stream_from_it_finishes()
 {
    let returns = returns_server(7, Some(4)).await;
    let client = client(&returns.server.uri());
    let results: Vec<Result<String, StreamError<Option<String>>>> = client
        .get_returns()
        .stream_all(2)
        .map_ok(|order| order.external_return_id)
        .collect()
        .await;
    assert_eq!(skus(&results), ["RET-0", "RET-1", "RET-2", "RET-3"]);
    let error = results.last().unwrap().as_ref().unwrap_err();
    assert_eq!(error.position, Some(cursor(4)));
    assert_eq!(error.error.kind(), Some(ErrorKind::Server));
    assert_eq!(
        returns.requests.load(Ordering::SeqCst),
        2 + 3,
        "two pages, three attempts"
    );

    returns.bad.store(false, Ordering::SeqCst);
    let rest: Vec<String> = client
        .get_returns()
        .stream_from(error.position.clone(), 2)
        .map_ok(|order| order.external_return_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest, ["RET-4", "RET-5", "RET-6"]);
    // `?` gives the plain `flexport::Error`.
    let plain: Error = results.into_iter().last().unwrap().unwrap_err().into();
    assert!(plain.is_retryable());
}
