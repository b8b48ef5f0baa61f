//! Every webhook event the sandbox sends fits its event's schema in the
//! committed documents (`{type}Event`: `OrderEvent` for `Order`,
//! `ReturnShippedEvent` for `ReturnShipped`), ids the schema types as
//! numbers arriving as numbers, though the generated types the sandbox
//! builds events with hold them as text.

use std::collections::BTreeSet;

use flexport_sandbox::schema::{self, Checker};
use flexport_sandbox::testing::{Api, Receiver};
use flexport_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

/// Every event type the sandbox sends.
const TYPES: [&str; 10] = [
    "InboundReceived",
    "InboundShipmentStatusChange",
    "Order",
    "ParcelTrackingUpdated",
    "ReturnInspected",
    "ReturnReceived",
    "ReturnShipmentReceived",
    "ReturnShipped",
    "ReturnUpdated",
    "Shipment",
];

fn type_of(body: &Value) -> &str {
    body["logisticsEventType"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn every_webhook_event_fits_its_documented_schema() {
    let config = Config {
        manual_clock: true,
        ..Config::default()
    };
    let step = [
        config.receive_after,
        config.ship_after,
        config.parcel_step_after,
        config.return_step_after,
    ]
    .into_iter()
    .max()
    .unwrap()
    .as_secs_f64();
    let sandbox = Sandbox::start(config).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let receiver = Receiver::start().await;
    let (status, hook) = api
        .post(
            "/webhooks",
            json!({"type": "*", "url": receiver.url, "method": "POST"}),
        )
        .await;
    assert_eq!(status, 200, "{hook}");

    let sku = api.product("MUG-W").await;
    api.inbound(&sku, 10).await;
    api.advance(step).await;
    api.order("W-1", &sku, 1).await;
    let (status, parcel) = api
        .post(
            "/parcels",
            json!({
                "shipToAddress": {"name": "Ada", "street1": "1 Main St", "city": "Reno",
                                  "state": "NV", "zip": "89501", "country": "US"},
                "dimensions": {"length": 10, "width": 8, "height": 4, "lengthUnit": "in",
                               "weight": 2, "weightUnit": "lb"},
            }),
        )
        .await;
    assert_eq!(status, 200, "{parcel}");
    let (status, ret) = api
        .post(
            "/returns",
            json!({"rma": "RMA-W", "externalReturnId": "R-W", "returnItems": [
                {"identifier": sku, "type": "LOGISTICS_SKU", "quantity": 2}]}),
        )
        .await;
    assert_eq!(status, 200, "{ret}");

    let mut seen = BTreeSet::new();
    for _ in 0..600 {
        seen = receiver
            .json()
            .iter()
            .map(|b| type_of(b).to_owned())
            .collect();
        if seen.len() == TYPES.len() {
            break;
        }
        api.advance(step).await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(seen, BTreeSet::from(TYPES.map(str::to_owned)));

    for body in receiver.json() {
        let event = type_of(&body);
        let (document, schema) = schema::component(&format!("{event}Event"))
            .unwrap_or_else(|| panic!("no document declares {event}Event"));
        if let Err(invalid) = Checker::new(document).check(schema, &body) {
            panic!("{event}: {} {}: {body}", invalid.path, invalid.reason);
        }
    }
    // The checker passes a text where a schema allows one; these two ids
    // are numbers in their schemas and held as text by the generated types.
    let first = |event: &str| {
        receiver
            .json()
            .into_iter()
            .find(|body| type_of(body) == event)
            .unwrap()
    };
    assert!(first("InboundReceived")["shipmentItemId"].is_number());
    assert!(first("ReturnUpdated")["id"].is_number());
}
