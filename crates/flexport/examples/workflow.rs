//! The sample workflow: create a product with dimensions, send it to a
//! warehouse in an inbound shipment, wait until the shipment is received,
//! place an order, wait until it ships. Each step prints its ids and time.
//!
//! `cargo run -p flexport --example workflow` runs it against a sandbox it
//! starts on 127.0.0.1; with `FLEXPORT_API_TOKEN` set (and optionally
//! `FLEXPORT_BASE_URL`) it runs the same steps against that account instead.
//! Flexport's own sandbox takes up to an hour to receive and to ship.

use std::future::Future;
use std::time::{Duration, Instant};

use flexport::v2024_04::types::{self, InternalOrderStatus, LogisticsInboundShipmentStatus};
use flexport::v2024_04::{Client, prelude::*};
use flexport::{ClientBuilder, ResponseMetadata};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let (client, sandbox, poll) = match ClientBuilder::from_env() {
        Ok(builder) => {
            println!("running against {} (FLEXPORT_API_TOKEN is set)", base_url());
            (builder.build()?, None, Duration::from_secs(30))
        }
        Err(_) => {
            let config = flexport_sandbox::Config {
                receive_after: Duration::from_secs(1),
                ship_after: Duration::from_secs(1),
                ..Default::default()
            };
            let sandbox = flexport_sandbox::Sandbox::start(config).await?;
            println!(
                "started a sandbox at {} (set FLEXPORT_API_TOKEN to run against Flexport)",
                sandbox.base_url()
            );
            let client = ClientBuilder::new()
                .token(sandbox.token())
                .base_url(sandbox.base_url())
                .build()?;
            (client, Some(sandbox), Duration::from_millis(100))
        }
    };
    let order = run(&client, poll).await?;
    println!(
        "done in {:.2?}: order {} shipped",
        started.elapsed(),
        order.id
    );
    if let Some(sandbox) = sandbox {
        sandbox.stop().await;
    }
    Ok(())
}

fn base_url() -> String {
    std::env::var("FLEXPORT_BASE_URL").unwrap_or_else(|_| flexport::DEFAULT_BASE_URL.to_owned())
}

/// The workflow itself, against any client; returns the shipped order.
pub async fn run(client: &Client, poll: Duration) -> Result<types::OrderModel, flexport::Error> {
    let run_id = &uuid_suffix();
    let product = step("create a product", async {
        let response = client
            .create_product()
            .body(json_body::<types::CreateProductModel>(json!({
                "name": "Ceramic mug",
                "merchantSku": format!("MUG-{run_id}"),
                "dimensions": {"length": 4.5, "width": 3.5, "height": 4.0, "lengthUnit": "in",
                               "weight": 0.9, "weightUnit": "lb"},
            })))
            .send()
            .await?;
        let correlation = response.correlation_id().unwrap_or("-").to_owned();
        let product = response.into_inner();
        Ok((
            format!(
                "logisticsSku {} (correlation id {correlation})",
                product.logistics_sku
            ),
            product,
        ))
    })
    .await?;

    let inbound = step("create an inbound shipment of 24 units", async {
        let shipment = client
            .create_inbounding_shipment_v4()
            .body(json_body::<types::CreateInboundShipmentRequestV4>(json!({
                "from": {"name": "Mug Co.", "address1": "100 Harbor Blvd", "city": "Long Beach",
                         "provinceCode": "CA", "zip": "90802", "countryCode": "US"},
                "prep": {"boxContentLabels": false},
                "shippingPlanName": format!("Workflow {run_id}"),
                "items": [{"logisticsSku": product.logistics_sku, "quantity": 24}],
            })))
            .send()
            .await?
            .into_inner();
        Ok((
            format!("shipment {} ({})", shipment.id, shipment.status),
            shipment,
        ))
    })
    .await?;

    step("wait until the shipment is received", async {
        // The documents type the path's shipment id as a 32-bit integer.
        let shipment_number: i32 = inbound.id.parse().expect("shipment ids are numbers");
        let shipment = wait_for(poll, || async {
            let shipment = client
                .get_inbounding_shipment_v4()
                .shipment_id(shipment_number)
                .send()
                .await?
                .into_inner();
            Ok((shipment.status == LogisticsInboundShipmentStatus::Completed).then_some(shipment))
        })
        .await?;
        let inventory = client
            .get_inventory()
            .logistics_sku(&product.logistics_sku)
            .send()
            .await?
            .into_inner();
        Ok((
            format!(
                "shipment {} {}; {} units available",
                shipment.id, shipment.status, inventory.available
            ),
            (),
        ))
    })
    .await?;

    let order = step("place an order for 2 units", async {
        let order = client
            .create_order202307()
            .body(json_body::<types::CreateOrderInput202307>(json!({
                "externalOrderId": format!("WORKFLOW-{run_id}"),
                "address": {"name": "Ada Lovelace", "address1": "1 Main St", "city": "Reno",
                            "provinceCode": "NV", "zip": "89501", "countryCode": "US"},
                "lineItems": [{"logisticsSku": product.logistics_sku, "quantity": 2}],
            })))
            .send()
            .await?
            .into_inner();
        Ok((
            format!("order {} ({})", order.id, order.state.internal_status),
            order,
        ))
    })
    .await?;

    step("wait until the order ships", async {
        let order = wait_for(poll, || async {
            let order = client
                .get_order()
                .order_id(&order.id)
                .send()
                .await?
                .into_inner();
            Ok((order.state.internal_status == InternalOrderStatus::Shipped).then_some(order))
        })
        .await?;
        let shipment = order
            .shipments
            .first()
            .map_or("-", |shipment| shipment.id.as_str());
        Ok((
            format!("order {} shipped in shipment {shipment}", order.id),
            order,
        ))
    })
    .await
}

/// Runs one step, printing its name, what it reports and how long it took.
async fn step<T>(
    name: &str,
    work: impl Future<Output = Result<(String, T), flexport::Error>>,
) -> Result<T, flexport::Error> {
    let started = Instant::now();
    let (report, value) = work.await?;
    println!("{name:<40} {:>8.2?}  {report}", started.elapsed());
    Ok(value)
}

/// Polls `check` every `poll` until it yields a value.
async fn wait_for<T, F, Fut>(poll: Duration, mut check: F) -> Result<T, flexport::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, flexport::Error>>,
{
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        tokio::time::sleep(poll).await;
    }
}

/// A request body from JSON, checked against the generated type.
fn json_body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("the example's bodies match the 2024-04 types")
}

/// Eight characters that make this run's merchant SKU and order id unique.
fn uuid_suffix() -> String {
    format!("{:08x}", fastrand::u32(..))
}
