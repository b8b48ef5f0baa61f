//! The pipeline owns the whole response, and every error names its key:
//! small hostile servers, each breaking one promise if the SDK lets it.

#![cfg(feature = "v2024-04")]

mod raw_http;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use flexport::v2024_04::{Client, prelude::*, types};
use flexport::{ClientBuilder, Error, ErrorKind, ResponseMetadata, RetryPolicy};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "secret-token-4711";
const PRODUCT: &str =
    r#"{"logisticsSku":"S","merchantSku":"M","name":"Mug","barcodes":[],"dimsLocked":false}"#;

/// What the server does with the n-th request it reads.
#[derive(Clone)]
enum Act {
    /// Writes these bytes, then closes.
    Write(Vec<u8>),
    /// Writes these bytes, then endless chunks of `x`.
    Endless(Vec<u8>),
}

fn answer(status: &str, headers: &[(&str, &str)], body: &str) -> Act {
    let mut bytes = raw_http::response_head(status, headers, body.len());
    bytes.extend_from_slice(body.as_bytes());
    Act::Write(bytes)
}

fn json(status: &str, body: &str) -> Act {
    answer(status, &[("content-type", "application/json")], body)
}

/// The headers and half the body of `json(status, body)`.
fn cut(status: &str, body: &str) -> Act {
    let Act::Write(mut bytes) = json(status, body) else {
        unreachable!()
    };
    bytes.truncate(bytes.len() - body.len() / 2);
    Act::Write(bytes)
}

#[derive(Default)]
struct Seen {
    /// The head (request line and headers) of every request read.
    requests: Vec<String>,
}

/// A server that plays `acts` in order (the last one again for any further
/// request), one request per connection.
async fn server(acts: Vec<Act>) -> (String, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let Some(head) = read_request(&mut stream).await else {
                continue;
            };
            let act = {
                let mut seen = log.lock().unwrap();
                seen.requests.push(head);
                acts[(seen.requests.len() - 1).min(acts.len() - 1)].clone()
            };
            tokio::spawn(async move {
                match act {
                    Act::Write(bytes) => {
                        let _ = stream.write_all(&bytes).await;
                    }
                    Act::Endless(start) => {
                        let _ = stream.write_all(&start).await;
                        let chunk = format!("4000\r\n{}\r\n", "x".repeat(0x4000));
                        while stream.write_all(chunk.as_bytes()).await.is_ok() {}
                    }
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    (url, seen)
}

async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let head = raw_http::read_head(stream).await?;
    raw_http::read_body(stream, &head).await?;
    Some(String::from_utf8_lossy(&head).into_owned())
}

fn key_of(head: &str) -> Option<String> {
    raw_http::header(head, "idempotency-key").map(str::to_owned)
}

fn builder(url: &str) -> ClientBuilder {
    ClientBuilder::new()
        .token(TOKEN)
        .base_url(url)
        .timeout(Duration::from_secs(10))
        .retry_policy(RetryPolicy {
            max_attempts: 4,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(5),
            deadline: Some(Duration::from_secs(60)),
        })
}

fn product_input() -> types::CreateProductModel {
    types::CreateProductModel::builder()
        .name("Mug")
        .merchant_sku("M")
        .try_into()
        .unwrap()
}

async fn create(client: &Client) -> Result<types::ApiProductResponse, Error> {
    client
        .create_product()
        .body(product_input())
        .send()
        .await
        .map(|response| response.into_inner())
}

#[tokio::test]
async fn a_body_cut_after_the_headers_is_retried_like_a_dropped_connection() {
    let (url, seen) = server(vec![
        cut("200 OK", PRODUCT),
        cut(
            "503 Service Unavailable",
            r#"{"title":"Unavailable","type":"x"}"#,
        ),
        json("200 OK", PRODUCT),
    ])
    .await;
    let client: Client = builder(&url).build().unwrap();
    let product = create(&client).await.unwrap();
    assert_eq!(product.logistics_sku, "S");
    let requests = &seen.lock().unwrap().requests;
    assert_eq!(requests.len(), 3);
    let keys: Vec<_> = requests.iter().map(|head| key_of(head)).collect();
    assert!(keys[0].is_some() && keys.iter().all(|key| *key == keys[0]));
}

#[tokio::test]
async fn every_error_after_sending_names_the_key_the_request_carried() {
    // Dropped after the headers every time: a transport error.
    let (url, _) = server(vec![cut("200 OK", PRODUCT)]).await;
    let client: Client = builder(&url).max_attempts(2).build().unwrap();
    let error = create(&client).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    let key = error.idempotency_key().expect("the key").to_owned();
    assert!(uuid_like(&key), "{key}");
    assert!(error.is_retryable() && error.may_have_acted());
    assert!(error.to_string().contains(&key), "{error}");

    // A server that echoes another key: the error names the one sent.
    let (url, seen) = server(vec![answer(
        "409 Conflict",
        &[
            ("content-type", "application/problem+json"),
            ("idempotency-key", "not-the-one-you-sent"),
            ("x-correlation-id", "c-1"),
        ],
        r#"{"type":"about:blank","title":"Conflict"}"#,
    )])
    .await;
    let client: Client = builder(&url).build().unwrap();
    let error = create(&client).await.unwrap_err();
    let sent = key_of(&seen.lock().unwrap().requests[0]).unwrap();
    assert_eq!(error.idempotency_key(), Some(sent.as_str()));
    assert_eq!(error.correlation_id(), Some("c-1"));
    assert!(!error.may_have_acted() && !error.is_retryable());

    // A 201 whose body does not match the document: the real status, the
    // correlation id and the key.
    let (url, seen) = server(vec![answer(
        "201 Created",
        &[
            ("content-type", "application/json"),
            ("x-correlation-id", "c-2"),
        ],
        r#"{"name": 3}"#,
    )])
    .await;
    let client: Client = builder(&url).build().unwrap();
    let error = create(&client).await.unwrap_err();
    let Error::InvalidResponse(invalid) = &error else {
        panic!("{error:?}")
    };
    let sent = key_of(&seen.lock().unwrap().requests[0]).unwrap();
    assert_eq!(
        (
            invalid.status.as_u16(),
            invalid.correlation_id.as_deref(),
            invalid.idempotency_key.as_deref()
        ),
        (201, Some("c-2"), Some(sent.as_str()))
    );
    assert!(error.may_have_acted());
}

fn uuid_like(key: &str) -> bool {
    key.len() == 36 && key.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn a_4xx_after_a_5xx_may_still_have_acted() {
    let (url, _) = server(vec![
        json("502 Bad Gateway", r#"{"title":"Bad Gateway","type":"x"}"#),
        answer(
            "429 Too Many Requests",
            &[("retry-after", "3600")],
            r#"{"title":"Slow down","type":"x"}"#,
        ),
    ])
    .await;
    let client: Client = builder(&url).build().unwrap();
    let error = create(&client).await.unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::TooManyRequests));
    assert!(
        error.may_have_acted(),
        "the 502 before may have come after a commit"
    );
    assert_eq!(
        error.api().unwrap().retry_after,
        Some(Duration::from_secs(3600))
    );
}

#[tokio::test]
async fn no_retry_after_value_panics_or_sleeps_past_max_delay() {
    for value in [
        "18446744073709551615",
        "31536000",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        let (url, seen) = server(vec![answer(
            "429 Too Many Requests",
            &[("retry-after", value)],
            "",
        )])
        .await;
        let client: Client = builder(&url).build().unwrap();
        let error = create(&client).await.unwrap_err();
        assert_eq!(error.kind(), Some(ErrorKind::TooManyRequests), "{value}");
        assert!(error.api().unwrap().retry_after.unwrap() > Duration::from_secs(5));
        assert_eq!(
            seen.lock().unwrap().requests.len(),
            1,
            "{value}: a wait longer than max_delay ends the call"
        );
    }

    // A date-form Retry-After within max_delay is waited, then retried.
    let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    let (url, seen) = server(vec![
        answer("503 Service Unavailable", &[("retry-after", &soon)], ""),
        json("200 OK", PRODUCT),
    ])
    .await;
    let client: Client = builder(&url).build().unwrap();
    let started = std::time::Instant::now();
    create(&client).await.unwrap();
    assert_eq!(seen.lock().unwrap().requests.len(), 2);
    assert!(started.elapsed() >= Duration::from_millis(900), "it waited");
}

#[tokio::test]
async fn an_endless_error_body_is_cut_at_64_kib_and_an_endless_success_at_the_limit() {
    let chunked = |status: &str, content_type: &str| {
        Act::Endless(
            format!(
                "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\n\
                 transfer-encoding: chunked\r\n\r\n"
            )
            .into_bytes(),
        )
    };
    let (url, seen) = server(vec![chunked("502 Bad Gateway", "text/html")]).await;
    let client: Client = builder(&url).max_attempts(1).build().unwrap();
    let error = create(&client).await.unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(
        (api.body.len(), api.body_truncated),
        (flexport_runtime::FAILURE_BODY_LIMIT, true)
    );
    assert_eq!(seen.lock().unwrap().requests.len(), 1);

    let (url, seen) = server(vec![chunked("200 OK", "application/json")]).await;
    let client: Client = builder(&url).max_body_bytes(100_000).build().unwrap();
    let error = create(&client).await.unwrap_err();
    let Error::InvalidResponse(invalid) = &error else {
        panic!("{error:?}")
    };
    assert!(invalid.reason.contains("100000"), "{error}");
    assert_eq!(invalid.body.len(), 100_000);
    assert_eq!(
        seen.lock().unwrap().requests.len(),
        1,
        "a body too long is not read again"
    );
}

#[tokio::test]
async fn a_key_that_cannot_be_sent_is_refused_before_anything_is_sent() {
    let (url, seen) = server(vec![json("200 OK", PRODUCT)]).await;
    let client: Client = builder(&url).build().unwrap();
    for key in ["commande-é-1", "two\nlines", ""] {
        let error = flexport::with_idempotency_key(key, create(&client))
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidRequest(_)),
            "{key:?}: {error:?}"
        );
        assert!(!error.may_have_acted());
    }
    assert!(seen.lock().unwrap().requests.is_empty());
}

#[tokio::test]
async fn one_scope_never_gives_its_key_to_a_second_different_request() {
    let (url, seen) = server(vec![json("200 OK", PRODUCT)]).await;
    let client: Client = builder(&url).build().unwrap();
    let other = types::CreateProductModel::builder()
        .name("Plate")
        .merchant_sku("P");
    let (first, resend, second) = flexport::with_idempotency_key("scope-key", async {
        let first = create(&client).await;
        let resend = create(&client).await;
        let second = client.create_product().body(other).send().await;
        (first, resend, second)
    })
    .await;
    assert!(first.is_ok() && resend.is_ok());
    let error = second.unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest(reason) if reason.contains("scope-key")),
        "{error:?}"
    );
    let keys: Vec<_> = seen
        .lock()
        .unwrap()
        .requests
        .iter()
        .map(|head| key_of(head))
        .collect();
    assert_eq!(keys, [Some("scope-key".into()), Some("scope-key".into())]);
}

#[tokio::test]
async fn neither_debug_nor_display_of_an_error_shows_a_body() {
    let secret = "at-9f8e7d6c5b4a";
    let token_body = format!(r#"{{"access_token":"{secret}","token_type":"bearer"}}"#);
    let (url, _) = server(vec![json("200 OK", &token_body)]).await;
    let client: Client = builder(&url).build().unwrap();
    let invalid = create(&client).await.unwrap_err();
    assert!(matches!(invalid, Error::InvalidResponse(_)));

    let (url, _) = server(vec![answer(
        "500 Internal Server Error",
        &[("content-type", "text/plain")],
        &format!("echo: Authorization: Bearer {TOKEN} {secret}"),
    )])
    .await;
    let client: Client = builder(&url).max_attempts(1).build().unwrap();
    let api = create(&client).await.unwrap_err();
    assert!(api.api().is_some());

    for error in [invalid, api] {
        for shown in [
            format!("{error:?}"),
            format!("{error:#?}"),
            error.to_string(),
        ] {
            assert!(!shown.contains(secret) && !shown.contains(TOKEN), "{shown}");
        }
    }
}

#[tokio::test]
async fn a_replayed_success_is_marked_and_keeps_its_key() {
    let (url, seen) = server(vec![answer(
        "200 OK",
        &[
            ("content-type", "application/json"),
            ("idempotent-replayed", "true"),
        ],
        PRODUCT,
    )])
    .await;
    let client: Client = builder(&url).build().unwrap();
    let response = client
        .create_product()
        .body(product_input())
        .send()
        .await
        .unwrap();
    assert!(response.idempotent_replayed());
    let sent = key_of(&seen.lock().unwrap().requests[0]);
    assert_eq!(
        response
            .headers()
            .get("idempotency-key")
            .map(|v| v.to_str().unwrap().to_owned()),
        sent
    );
}
