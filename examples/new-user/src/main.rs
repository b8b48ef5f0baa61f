//! A merchant service's first hour with the Flexport SDK, written from the
//! README and `cargo doc` only: products with dimensions, the catalog page by
//! page, an inbound shipment waited for, orders (one Flexport cannot fill, one
//! with a SKU it does not know), returns page by page and a webhook, against
//! a sandbox in this process.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use flexport::pagination::*;
use flexport::v2024_04::webhooks::{Event, EventType};
use flexport::v2024_04::{Client, Outcome, prelude::*, types};
use flexport::waiters::Waiters;
use flexport::webhooks::WebhookAuth;
use flexport::{ExposeSecret, http::HeaderMap};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let sandbox = flexport_sandbox::Sandbox::start(flexport_sandbox::Config {
        receive_after: Duration::from_millis(200),
        ship_after: Duration::from_millis(200),
        ..Default::default()
    })
    .await?;
    let client: Client = flexport::ClientBuilder::new()
        .token(sandbox.token())
        .base_url(sandbox.base_url())
        .build()?;

    // A webhook endpoint for received inbounds, with a secret of its own.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let secret = flexport::webhooks::generate_secret();
    let subscription: types::WebhookCreateModel = types::WebhookCreateModel::builder()
        .type_(EventType::InboundReceived)
        .url(format!("http://{}/webhooks", listener.local_addr()?))
        .method(types::WebhookRequestMethod::Post)
        .auth_method(types::WebhookAuthType::Token)
        .token_header("x-webhook-token".to_owned())
        .token(secret.expose_secret().to_owned())
        .try_into()?;
    let auth = WebhookAuth::from_subscription(&subscription)?;
    client.create_webhook().body(subscription).send().await?;
    let (deliveries, mut delivered) = tokio::sync::mpsc::unbounded_channel();
    let endpoint = axum::routing::post(move |headers: HeaderMap, body: Bytes| {
        let (auth, deliveries) = (auth.clone(), deliveries.clone());
        async move {
            match flexport::webhooks::parse_verified::<Event>(&auth, &headers, &body) {
                Ok(delivery) => {
                    let _ = deliveries.send(delivery);
                    StatusCode::OK
                }
                Err(_) => StatusCode::UNAUTHORIZED,
            }
        }
    });
    let app = axum::Router::new().route("/webhooks", endpoint);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // Products with dimensions, then the catalog, a page at a time.
    for (merchant_sku, name) in [("MUG-1", "Ceramic mug"), ("CUP-1", "Paper cup")] {
        let dimensions = types::Dimension::builder()
            .length(4.5)
            .width(3.5)
            .height(4.0)
            .length_unit(types::LengthUnit::In)
            .weight(0.9)
            .weight_unit(types::WeightUnit::Lb);
        let product = client
            .create_product()
            .body_map(|product| {
                product
                    .name(name)
                    .merchant_sku(merchant_sku)
                    .dimensions(dimensions)
            })
            .send()
            .await?;
        println!(
            "created {} (correlation id {:?})",
            product.logistics_sku,
            product.correlation_id()
        );
    }
    let products: Vec<types::ApiProductResponse> =
        client.get_products().stream_all(1).try_collect().await?;
    let mug = products
        .iter()
        .find(|product| product.merchant_sku == "MUG-1")
        .ok_or("no mug")?;
    println!(
        "{} products; the mug is {}",
        products.len(),
        mug.logistics_sku
    );

    // An inbound shipment of 24 mugs, waited for until received.
    let from = types::InboundAddress::builder()
        .name(Some(types::InboundAddressName::try_from("Mug Co.")?))
        .address1("100 Harbor Blvd")
        .city("Long Beach")
        .province_code("CA")
        .zip("90802")
        .country_code(types::CountryCode::Us);
    let item = types::ItemData::builder()
        .logistics_sku(&mug.logistics_sku)
        .quantity(24);
    let shipment = client
        .create_inbounding_shipment()
        .body_map(|shipment| {
            shipment
                .from(from)
                .prep(types::PrepRequestData::builder().box_content_labels(false))
                .items(vec![item])
        })
        .send()
        .await?;
    let shipment = client
        .wait_until_inbound_received(&shipment.id)
        .deadline(Duration::from_secs(30))
        .await?;
    println!("shipment {} is {}", shipment.id, shipment.status);

    // Orders: 2 mugs (ships), 1,000 mugs (taken, not fillable), a SKU Flexport does not know (refused).
    let address = types::AddressInput::builder()
        .name(Some("Ada Lovelace".to_owned()))
        .address1("1 Main St")
        .city("Reno")
        .province_code(Some("NV".to_owned()))
        .zip(Some("89501".to_owned()))
        .country_code("US");
    for (external_order_id, sku, quantity) in [
        ("ORDER-1", mug.logistics_sku.as_str(), 2),
        ("ORDER-2", mug.logistics_sku.as_str(), 1000),
        ("ORDER-3", "NO-SUCH-SKU", 1),
    ] {
        let line = types::OrderLineItemInput::builder()
            .logistics_sku(sku)
            .quantity(quantity);
        let created = client
            .create_order()
            .body_map(|order| {
                order
                    .external_order_id(external_order_id)
                    .address(address.clone())
                    .line_items(vec![line])
            })
            .send()
            .await;
        let order = match created {
            Ok(order) => order.into_inner(),
            Err(error) => {
                println!(
                    "{external_order_id} refused: {error} (retryable: {})",
                    error.is_retryable()
                );
                continue;
            }
        };
        match order.outcome() {
            Outcome::Accepted => {
                let order = client
                    .wait_until_order_shipped(&order.id)
                    .deadline(Duration::from_secs(30))
                    .await?;
                println!(
                    "{external_order_id} is order {}, {}",
                    order.id, order.state.internal_status
                );
            }
            Outcome::Retriable(error) => println!(
                "{external_order_id} not filled yet ({}): {}",
                error.type_, error.message
            ),
            Outcome::Failed(error) => println!(
                "{external_order_id} cannot be filled ({}): {}",
                error.type_, error.message
            ),
        }
    }

    // A return of one mug, then every return, a page at a time.
    let returned = types::RequestedReturnItem::builder()
        .identifier(&mug.logistics_sku)
        .type_(types::ReturnItemType::LogisticsSku)
        .quantity(1);
    client
        .create_return()
        .body_map(|order| {
            order
                .rma("RMA-1")
                .external_return_id("RETURN-1")
                .return_items(vec![returned])
        })
        .send()
        .await?;
    let returns: Vec<types::ReturnsApiOrder> =
        client.get_returns().stream_all(10).try_collect().await?;
    println!("{} return(s)", returns.len());

    // The webhook Flexport sent when the mugs were received.
    let delivery = tokio::time::timeout(Duration::from_secs(10), delivered.recv())
        .await?
        .ok_or("no webhook")?;
    println!(
        "webhook: {} at {:?} (event {:?})",
        delivery.envelope.logistics_event_type,
        delivery.envelope.logistics_event_time,
        delivery.event_id
    );
    sandbox.stop().await;
    Ok(())
}
