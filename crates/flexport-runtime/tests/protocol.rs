//! The runtime's side of the protocol `flexport_runtime::protocol` writes
//! down, played through as the generated code plays it: `prepare`, then
//! `execute`, then the answer wrapped in progenitor's types
//! (`ResponseValue::stream` for an error body, `decode` for a typed one,
//! `CommunicationError` for a transport error) and converted with
//! `Error::from`. Each test fails when a mark the pipeline leaves is not
//! set, not removed when a server forges it, or not read back.

use std::time::Duration;

use flexport_runtime::{Error, Pipeline, RateLimit, RetryPolicy};
use progenitor_client::{ByteStream, ResponseValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with every request: answer with this head and
/// these body parts (written with a pause between them, so a body that
/// was not read before the pipeline handed it back is still arriving), or
/// hang up without answering.
#[derive(Clone)]
enum Answer {
    Parts(&'static str, &'static [&'static str]),
    HangUp,
}

/// Reads one request (head and `content-length` body) off the stream.
async fn read_request(stream: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        let Ok(n) = stream.read(&mut buffer).await else {
            return;
        };
        if n == 0 {
            return;
        }
        seen.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&seen).to_ascii_lowercase();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |value| value.trim().parse().unwrap());
            if seen.len() >= end + 4 + length {
                return;
            }
        }
    }
}

/// A server on 127.0.0.1 giving `answer` to every request, one request per
/// connection; its base URL.
async fn serve(answer: Answer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let answer = answer.clone();
            tokio::spawn(async move {
                read_request(&mut stream).await;
                let Answer::Parts(head, parts) = answer else {
                    return;
                };
                let length: usize = parts.iter().map(|part| part.len()).sum();
                let head =
                    format!("{head}\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n");
                let _ = stream.write_all(head.as_bytes()).await;
                for part in parts {
                    let _ = stream.write_all(part.as_bytes()).await;
                    let _ = stream.flush().await;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("http://{address}")
}

fn pipeline() -> Pipeline {
    Pipeline::builder()
        .bearer_token("protocol-token")
        .unwrap()
        .rate_limit(RateLimit::Off)
        .retry(RetryPolicy {
            max_attempts: 2,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            deadline: Some(Duration::from_secs(10)),
        })
        .build()
}

/// `prepare` and `execute` as the generated hooks call them, for a POST;
/// the outcome and the idempotency key `prepare` gave the request.
async fn send_post(base_url: &str) -> (reqwest::Result<reqwest::Response>, String) {
    let pipeline = pipeline();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut request = http
        .post(format!("{base_url}/logistics/api/2024-04/orders"))
        .header("content-type", "application/json")
        .body(r#"{"externalOrderId":"1"}"#)
        .build()
        .unwrap();
    pipeline.prepare(&mut request).unwrap();
    let key = request.headers()["idempotency-key"]
        .to_str()
        .unwrap()
        .to_owned();
    (pipeline.execute(&http, request, "create_order").await, key)
}

#[tokio::test]
async fn an_error_body_its_key_and_the_pipelines_marks_reach_the_error_and_forged_marks_do_not() {
    let base_url = serve(Answer::Parts(
        "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/problem+json\r\n\
         idempotency-key: not-the-key-sent\r\n\
         x-flexport-sdk-retries-withheld: outage\r\n\
         x-flexport-sdk-not-sent: rate-limit\r\n\
         x-flexport-sdk-body-truncated: 1",
        &[r#"{"type":"about:blank","#, r#""title":"the whole body"}"#],
    ))
    .await;
    let (outcome, key) = send_post(&base_url).await;
    let response = outcome.unwrap();
    // As the generated code hands a raw error body over.
    let error = Error::from(progenitor_client::Error::<ByteStream>::ErrorResponse(
        ResponseValue::stream(response),
    ));
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 500);
    // The body was buffered before it was handed back: the read-back
    // without waiting gets both parts.
    assert_eq!(
        &api.body[..],
        br#"{"type":"about:blank","title":"the whole body"}"#
    );
    assert_eq!(api.idempotency_key.as_deref(), Some(key.as_str()));
    // Two attempts, the first a 500: the mark the pipeline set.
    assert!(api.earlier_attempt_may_have_acted);
    // The marks the server forged were removed.
    assert!(!api.retries_withheld);
    assert!(!api.not_sent);
    assert!(!api.body_truncated);
}

#[tokio::test]
async fn a_transport_error_carries_its_key_in_a_fragment_that_the_error_reads_and_removes() {
    let base_url = serve(Answer::HangUp).await;
    let (outcome, key) = send_post(&base_url).await;
    let failure = outcome.unwrap_err();
    assert_eq!(
        flexport_runtime::idempotency_key_of(&failure).as_deref(),
        Some(key.as_str())
    );
    assert!(failure.url().unwrap().fragment().is_some());
    let error = Error::from(progenitor_client::Error::<()>::CommunicationError(failure));
    assert_eq!(error.idempotency_key(), Some(key.as_str()));
    assert!(error.may_have_acted(), "sent, and no answer: {error:?}");
    assert!(!error.retries_withheld());
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains('#'), "the fragment shows: {shown}");
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Order {
    id: u32,
}

#[tokio::test]
async fn a_body_that_does_not_decode_keeps_its_status_key_and_reason_and_a_forged_cut_mark_is_ignored()
 {
    let base_url = serve(Answer::Parts(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n\
         x-flexport-sdk-body-truncated: 1",
        &[r#"{"id":"#, r#""not a number"}"#],
    ))
    .await;
    let (outcome, key) = send_post(&base_url).await;
    let decoded = flexport_runtime::decode::<Order, ByteStream>(outcome.unwrap()).await;
    let error = Error::from(decoded.unwrap_err());
    let Error::InvalidResponse(invalid) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(invalid.status, 201);
    assert_eq!(invalid.idempotency_key.as_deref(), Some(key.as_str()));
    assert!(
        invalid.reason.contains("invalid type"),
        "{}",
        invalid.reason
    );
    assert_eq!(&invalid.body[..], br#"{"id":"not a number"}"#);
}
