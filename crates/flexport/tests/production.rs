//! What production clients meet, against servers on 127.0.0.1 (`support`):
//! the API gateway's own answers, a token swapped while the client runs, and
//! (with `unstable`) an events page whose payload ids are numbers.

#![cfg(feature = "v2024-04")]

mod support;

use std::sync::atomic::Ordering;

use flexport::v2024_04::prelude::*;
use flexport::{ErrorKind, TokenSource};
use support::{client, gateway_timeout};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn the_gateways_answers_show_their_message_and_say_the_gateway_answered() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/logistics/api/2024-04/products/TIMEOUT"))
        .respond_with(gateway_timeout())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/logistics/api/2024-04/products/MISSING"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("content-type", "application/json")
                .insert_header("x-amzn-errortype", "MissingAuthenticationTokenException")
                .set_body_string(r#"{"message":"Missing Authentication Token"}"#),
        )
        .mount(&server)
        .await;
    let hostile = format!(
        r#"{{"message": "\u001b[2J\u001b[31mPWNED\r\n{}"}}"#,
        "A".repeat(10_000)
    );
    Mock::given(method("GET"))
        .and(path("/logistics/api/2024-04/products/HOSTILE"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("content-type", "application/json")
                .insert_header("x-amz-apigw-id", "Zx1=")
                .set_body_string(hostile),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let error = |sku: &'static str| {
        let client = client.clone();
        async move {
            client
                .get_product()
                .logistics_sku(sku)
                .send()
                .await
                .unwrap_err()
        }
    };

    let timeout = error("TIMEOUT").await;
    assert!(timeout.is_gateway_timeout());
    assert_eq!(timeout.kind(), Some(ErrorKind::Server));
    let shown = timeout.to_string();
    assert!(shown.contains("API gateway"), "{shown}");
    assert!(shown.contains("\"Endpoint request timed out\""), "{shown}");
    assert!(!shown.contains("{\"message\""), "{shown}");

    let missing = error("MISSING").await;
    assert!(!missing.is_gateway_timeout());
    assert!(missing.api().unwrap().from_gateway);
    let shown = missing.to_string();
    assert!(
        shown.contains("\"Missing Authentication Token\""),
        "{shown}"
    );
    assert!(shown.contains("no such path"), "{shown}");

    let hostile = error("HOSTILE").await;
    let shown = hostile.to_string();
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\r'),
        "{shown:?}"
    );
    assert!(shown.contains("PWNED"), "{shown}");
    assert!(shown.len() < 1_000, "{} bytes", shown.len());
}

#[tokio::test]
async fn a_token_swapped_while_the_client_runs_is_sent_from_the_next_call_on_the_same_connection() {
    let server = support::token_server("tok-A").await;
    let tokens = TokenSource::bearer("tok-A").unwrap();
    let client: flexport::v2024_04::Client = flexport::ClientBuilder::new()
        .token_source(tokens.clone())
        .base_url(&server.url)
        .max_attempts(1)
        .build()
        .unwrap();
    let clone = client.clone();
    for sku in ["S1", "S2"] {
        let product = client
            .get_product()
            .logistics_sku(sku)
            .send()
            .await
            .unwrap();
        assert_eq!(product.logistics_sku, sku);
    }
    // The token is revoked: the server now takes only tok-B.
    *server.accepted.lock().unwrap() = "tok-B".to_owned();
    let refused: flexport::Error = client
        .get_product()
        .logistics_sku("S3")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), Some(ErrorKind::Unauthorized));
    let shown = refused.to_string();
    assert!(
        shown.contains("set_bearer"),
        "the remedy says what to do: {shown}"
    );
    assert!(refused.api().unwrap().remedy().contains("new one"));
    assert!(!shown.contains("tok-A") && !format!("{refused:?}").contains("tok-A"));

    tokens.set_bearer("tok-B").unwrap();
    for (client, sku) in [(&client, "S4"), (&clone, "S5")] {
        let product = client
            .get_product()
            .logistics_sku(sku)
            .send()
            .await
            .unwrap();
        assert_eq!(product.logistics_sku, sku);
    }
    assert_eq!(
        *server.seen.lock().unwrap(),
        ["tok-A", "tok-A", "tok-A", "tok-B", "tok-B"]
    );
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "one pooled connection throughout"
    );
    assert!(!format!("{tokens:?} {client:?}").contains("tok-B"));
}

#[cfg(feature = "unstable")]
#[tokio::test]
async fn an_events_page_with_numeric_payload_ids_decodes_and_keeps_their_text() {
    use flexport::unstable::prelude::*;
    let server = MockServer::start().await;
    let page = serde_json::json!([{
        "id": "evt-1", "type": "Shipment.Created", "time": "2025-03-01T00:00:00Z",
        "payload": {"orderId": 1001, "shipmentId": 90071992547409930_u64, "externalOrderId": "X-1", "split": true}
    }]);
    Mock::given(method("GET"))
        .and(path("/logistics/api/unstable/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .mount(&server)
        .await;
    let client: flexport::unstable::Client = flexport::ClientBuilder::new()
        .token("t")
        .base_url(server.uri())
        .build()
        .unwrap();
    let events = client
        .get_events()
        .type_("Shipment.Created")
        .send()
        .await
        .unwrap()
        .into_inner();
    let payload = events[0].payload.as_ref().unwrap();
    assert_eq!(payload["orderId"], "1001");
    assert_eq!(payload["shipmentId"], "90071992547409930");
    assert_eq!(payload["externalOrderId"], "X-1");
    assert_eq!(payload["split"], "true");
}
