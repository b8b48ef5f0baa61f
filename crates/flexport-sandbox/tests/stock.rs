//! Stock arithmetic at its edges: order lines of one SKU are summed before
//! units are reserved, and quantities or durations that do not fit are
//! refused with a 400 (or a configuration error), never a panic.

use std::time::Duration;

use flexport_sandbox::testing::Api;
use flexport_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

fn inbound(sku: &str, quantity: i64) -> Value {
    json!({
        "from": {"address1": "1 A St", "city": "LA", "provinceCode": "CA", "zip": "90001", "countryCode": "US"},
        "prep": {"boxContentLabels": false},
        "items": [{"logisticsSku": sku, "quantity": quantity}],
    })
}

fn order_of(external_id: &str, lines: &[(&str, f64)]) -> Value {
    json!({
        "externalOrderId": external_id,
        "address": {"address1": "1 Main St", "city": "Reno", "countryCode": "US"},
        "lineItems": lines.iter().map(|(sku, quantity)| json!({"logisticsSku": sku, "quantity": quantity})).collect::<Vec<_>>(),
    })
}

/// Waits until `sku` has `on_hand` units.
async fn until_on_hand(api: &Api, sku: &str, on_hand: i64) -> Value {
    api.until(&format!("/products/{sku}/inventory"), |inventory| {
        inventory["onHand"] == on_hand
    })
    .await
}

fn fast() -> Config {
    Config {
        receive_after: Duration::from_millis(50),
        ship_after: Duration::from_secs(3600),
        ..Config::default()
    }
}

#[tokio::test]
async fn lines_of_one_sku_are_summed_before_units_are_reserved() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let sku = api.product("MUG-1").await;
    let (status, _) = api.post("/inbounds/shipments", inbound(&sku, 5)).await;
    assert_eq!(status, 200);
    until_on_hand(&api, &sku, 5).await;

    let (status, order) = api
        .post("/orders", order_of("TWICE-3", &[(&sku, 3.0), (&sku, 3.0)]))
        .await;
    assert_eq!(status, 200);
    assert_eq!(order["error"]["type"], "INVENTORY_ERR", "{order}");
    let inventory = api.ok(&format!("/products/{sku}/inventory")).await;
    assert_eq!(
        (&inventory["onHand"], &inventory["available"]),
        (&json!(5), &json!(5))
    );

    let (_, order) = api
        .post("/orders", order_of("2-AND-3", &[(&sku, 2.0), (&sku, 3.0)]))
        .await;
    assert!(order["error"].is_null(), "{order}");
    let inventory = api.ok(&format!("/products/{sku}/inventory")).await;
    assert_eq!(
        (&inventory["onHand"], &inventory["available"]),
        (&json!(5), &json!(0))
    );
}

#[tokio::test]
async fn units_past_i32_max_are_a_400_and_the_ticker_lives_on() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let sku = api.product("MUG-1").await;
    let max = i64::from(i32::MAX);

    let (status, _) = api.post("/inbounds/shipments", inbound(&sku, max)).await;
    assert_eq!(status, 200);
    // A second shipment would overflow, whether or not the first was received.
    let (status, problem) = api.post("/inbounds/shipments", inbound(&sku, max)).await;
    assert_eq!(status, 400, "{problem}");
    until_on_hand(&api, &sku, max).await;
    let (status, problem) = api.post("/inbounds/shipments", inbound(&sku, 1)).await;
    assert_eq!(status, 400, "{problem}");

    let other = api.product("MUG-2").await;
    let mut packed = inbound(&other, 2);
    packed["items"] = json!([]);
    packed["packages"] = json!([{
        "items": [{"logisticsSku": other, "quantity": 2}],
        "numberOfIdenticalPkgs": 1e18,
        "height": 1, "length": 1, "width": 1, "weight": 1,
        "dimensionUnit": "in", "weightUnit": "lb",
    }]);
    let (status, problem) = api.post("/inbounds/shipments", packed.clone()).await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("numberOfIdenticalPkgs"),
        "{problem}"
    );
    packed["packages"][0]["numberOfIdenticalPkgs"] = json!(2_000_000_000);
    let (status, problem) = api.post("/inbounds/shipments", packed).await;
    assert_eq!(status, 400, "{problem}");

    let (status, problem) = api
        .post("/orders", order_of("HUGE", &[(&other, 1e18)]))
        .await;
    assert_eq!(status, 400, "{problem}");

    // The ticker still works: a normal shipment is received.
    let (status, _) = api.post("/inbounds/shipments", inbound(&other, 7)).await;
    assert_eq!(status, 200);
    until_on_hand(&api, &other, 7).await;
}

#[tokio::test]
async fn a_duration_too_long_for_the_calendar_is_a_configuration_error() {
    let error = Sandbox::start(Config {
        ship_after: Duration::from_secs(10_000_000_000_000),
        ..Config::default()
    })
    .await
    .err()
    .unwrap();
    assert!(error.to_string().contains("ship_after"), "{error}");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_flexport-sandbox"))
        .args(["--port", "0", "--ship-after", "1e13"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--ship-after") && !stderr.contains("panicked"),
        "{stderr}"
    );
}
