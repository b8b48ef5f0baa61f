//! A webhook endpoint on axum that checks the subscription's credentials,
//! drops redelivered events and parses the rest into the 2024-04 `Event` enum.
//!
//! `cargo run -p flexport --example webhook_receiver` starts the endpoint and
//! a sandbox on 127.0.0.1, subscribes the endpoint with a `TOKEN`
//! credential, then posts to it what Flexport would: an event, the same event
//! again, a request with a wrong token, and an event type 2024-04 does not
//! know. It prints how each was answered.

use std::num::NonZeroUsize;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use flexport::ExposeSecret;
use flexport::http::HeaderMap;
use flexport::v2024_04::prelude::*;
use flexport::v2024_04::types::{self, WebhookAuthType, WebhookRequestMethod};
use flexport::v2024_04::webhooks::Event;
use flexport::webhooks::{Deduplicator, WebhookAuth, WebhookError};

/// The header Flexport is told to put the token in (`tokenHeader`).
const TOKEN_HEADER: &str = "x-flexport-webhook-token";

struct Receiver {
    auth: WebhookAuth,
    /// The last 10,000 event ids this process accepted.
    seen: Deduplicator,
}

/// `POST /flexport/webhooks`.
async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let delivery =
        match flexport::webhooks::parse_verified::<Event>(&receiver.auth, &headers, &body) {
            Ok(delivery) => {
                let envelope = &delivery.envelope;
                println!(
                    "  {} at {:?}",
                    envelope.logistics_event_type, envelope.logistics_event_time
                );
                delivery
            }
            Err(WebhookError::Unauthorized(reason)) => {
                eprintln!("  refused: {reason}");
                return (StatusCode::UNAUTHORIZED, "unauthorized");
            }
            Err(error) => {
                eprintln!("  unreadable: {error}");
                return (StatusCode::BAD_REQUEST, "not an event");
            }
        };
    if let Some(id) = &delivery.event_id
        && !receiver.seen.first_delivery(id)
    {
        return (StatusCode::OK, "duplicate, ignored");
    }
    if let Err(error) = handle(&delivery.event) {
        eprintln!("  failed: {error}");
        // Let Flexport's redelivery be handled.
        if let Some(id) = &delivery.event_id {
            receiver.seen.forget(id);
        }
        return (StatusCode::INTERNAL_SERVER_ERROR, "failed");
    }
    (StatusCode::OK, "handled")
}

/// What the application does with an event.
fn handle(event: &Event) -> Result<(), String> {
    match event {
        Event::InboundReceived(received) => println!(
            "  {} units of shipment item {} received",
            received.amount, received.shipment_item_id
        ),
        Event::Unknown { event_type, .. } => {
            println!("  an event type this version does not know: {event_type}")
        }
        other => println!("  {} event", other.event_type()),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/flexport/webhooks", listener.local_addr()?);

    // The subscription, on a local sandbox; the endpoint checks the
    // credentials of the very body it was created with.
    let sandbox = flexport_sandbox::Sandbox::start(flexport_sandbox::Config::default()).await?;
    let client: flexport::v2024_04::Client = flexport::ClientBuilder::new()
        .token(sandbox.token())
        .base_url(sandbox.base_url())
        .build()?;
    let secret = flexport::webhooks::generate_secret()
        .expose_secret()
        .to_owned();
    let subscription: types::WebhookCreateModel = types::WebhookCreateModel::builder()
        .type_("*".to_owned())
        .url(url.clone())
        .method(WebhookRequestMethod::Post)
        .auth_method(WebhookAuthType::Token)
        .token_header(TOKEN_HEADER.to_owned())
        .token(secret.clone())
        .try_into()?;
    let receiver = Arc::new(Receiver {
        auth: WebhookAuth::from_subscription(&subscription)?,
        seen: Deduplicator::new(NonZeroUsize::new(10_000).expect("not zero")),
    });
    let webhook = client.create_webhook().body(subscription).send().await?;
    println!("webhook {} delivers to {url}", webhook.id);

    // The endpoint.
    let app = axum::Router::new()
        .route("/flexport/webhooks", axum::routing::post(receive))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // What Flexport sends.
    let event = types::InboundReceivedEvent::builder()
        .logistics_account_id(serde_json::Value::from("acct-1"))
        .logistics_event_id(serde_json::Value::from("evt-1"))
        .logistics_event_type(serde_json::Value::from("InboundReceived"))
        .logistics_event_time(serde_json::Value::from("2024-04-01T00:00:00Z"))
        .amount(12)
        .shipment_item_id("7")
        .type_(None);
    let event = serde_json::to_vec(&types::InboundReceivedEvent::try_from(event)?)?;
    let unknown = br#"{"logisticsEventType": "PalletWeighed", "logisticsEventId": "evt-2",
                     "logisticsEventTime": "2024-04-01T00:05:00Z"}"#;
    let http = reqwest::Client::new();
    for (what, token, body) in [
        ("an event", secret.as_str(), event.as_slice()),
        ("the same event again", secret.as_str(), event.as_slice()),
        ("a wrong token", "guess", event.as_slice()),
        ("an unknown event type", secret.as_str(), unknown.as_slice()),
    ] {
        println!("{what}:");
        let response = http
            .post(&url)
            .header(TOKEN_HEADER, token)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await?;
        println!("  -> {} {}", response.status(), response.text().await?);
    }
    sandbox.stop().await;
    Ok(())
}
