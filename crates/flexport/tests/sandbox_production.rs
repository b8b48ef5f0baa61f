//! The sandbox as production's clients meet Flexport
//! (`flexport_runtime::production::DIFFERENCES`), through the facade: a
//! client that discovers shipped orders from `Shipment.Created` events and
//! reads their cost and labels, cursors that carry their walk's filters,
//! the events limit, and the opt-in page faults (API Gateway's 504 over a
//! page size, short pages, a cursor that fails for good).

#![cfg(feature = "unstable")]

use std::collections::BTreeSet;
use std::time::Duration;

use flexport::Error;
use flexport::pagination::StreamAll;
use flexport::unstable::types::{self, InternalOrderStatus};
use flexport::unstable::{Client, prelude::*};
use flexport_sandbox::{Config, PageFaults, Sandbox};
use futures::TryStreamExt;
use serde_json::{Value, json};

mod support;
use support::body;
use support::unstable::received;

const POLL: Duration = Duration::from_millis(20);

fn fast() -> Config {
    Config {
        receive_after: Duration::from_millis(50),
        ship_after: Duration::from_millis(50),
        ..Config::default()
    }
}

fn client(sandbox: &Sandbox, max_attempts: u32) -> Client {
    support::sandbox_builder(sandbox, max_attempts)
        .build()
        .unwrap()
}

async fn product(client: &Client, merchant_sku: &str) -> String {
    client
        .create_product()
        .body(body::<types::CreateProductModel>(json!({
            "name": "Mug", "merchantSku": merchant_sku,
            "dimensions": {"length": 6, "width": 4, "height": 5, "lengthUnit": "in",
                           "weight": 12, "weightUnit": "oz"},
        })))
        .send()
        .await
        .unwrap()
        .into_inner()
        .logistics_sku
}

async fn order(client: &Client, external_id: &str, sku: &str, quantity: f64) -> String {
    client
        .create_order()
        .body(body::<types::CreateOrderInput>(json!({
            "externalOrderId": external_id,
            "address": {"name": "Ada", "address1": "1 Main St", "city": "Reno", "provinceCode": "NV",
                        "zip": "89501", "countryCode": "US", "phone": "555-0100"},
            "lineItems": [{"logisticsSku": sku, "quantity": quantity}],
        })))
        .send()
        .await
        .unwrap()
        .into_inner()
        .id
}

/// A raw GET of `path_and_query` below the `unstable` API.
async fn raw(sandbox: &Sandbox, path_and_query: &str) -> reqwest::Response {
    let url = if path_and_query.starts_with("http") {
        path_and_query.to_owned()
    } else {
        format!(
            "{}/logistics/api/unstable{path_and_query}",
            sandbox.base_url()
        )
    };
    reqwest::Client::new()
        .get(url)
        .bearer_auth(sandbox.token())
        .send()
        .await
        .unwrap()
}

/// The target of a response's `Link: <…>; rel="next"`.
fn next_link(response: &reqwest::Response) -> Option<String> {
    let link = response.headers().get("link")?.to_str().unwrap();
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    Some(link[1..link.find('>').unwrap()].to_owned())
}

#[tokio::test]
async fn a_client_discovers_shipped_orders_from_shipment_created_events_with_cost_and_labels() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox, 3);
    let sku = product(&client, "MUG-1").await;
    received(&client, &sku, 20).await;
    let mut placed = BTreeSet::new();
    for (i, units) in [1.0, 2.0, 3.0, 4.0, 5.0].into_iter().enumerate() {
        placed.insert(order(&client, &format!("X-{i}"), &sku, units).await);
    }
    // The crawl of production's clients: `Shipment.Created` events, a small
    // page at a time, until one per order has come.
    let mut created = Vec::new();
    for _ in 0..500 {
        created = client
            .get_events()
            .type_("Shipment.Created")
            .stream_all(2)
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
        if created.len() >= placed.len() {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    assert_eq!(created.len(), placed.len(), "one event per shipment");
    let mut found = BTreeSet::new();
    for event in &created {
        assert_eq!(event.type_, "Shipment.Created");
        let payload = event.payload.as_ref().unwrap();
        let order_id = &payload["orderId"];
        let order = client
            .get_order()
            .order_id(order_id)
            .send()
            .await
            .unwrap()
            .into_inner();
        assert_eq!(order.state.internal_status, InternalOrderStatus::Shipped);
        let units: f64 = order
            .line_items
            .iter()
            .map(|item| item.quantity as f64)
            .sum();
        let package = &order.shipments[0].packages[0];
        let label = package
            .label
            .as_ref()
            .expect("a shipped package has a label");
        let cost = order.cost.expect("a shipped order has a cost");
        println!(
            "order {order_id} ({units} units): cost {cost}, carrier {}, {}, tracking {}, {}x{}x{} {} {} {}",
            label.carrier,
            label.shipping_method.as_deref().unwrap_or("-"),
            label.tracking_code,
            label.package_dimensions.length,
            label.package_dimensions.width,
            label.package_dimensions.height,
            label.package_dimensions.length_unit,
            label.package_dimensions.weight,
            label.package_dimensions.weight_unit,
        );
        assert!(cost > 0.0);
        assert_eq!(label.carrier, "SANDBOX_POST");
        assert_eq!(label.shipping_method.as_deref(), Some("STANDARD"));
        // 12 oz a unit, 5 in high a unit.
        assert_eq!(label.package_dimensions.weight, 0.75 * units);
        assert_eq!(label.package_dimensions.height, 5.0 * units);
        // The label is a parcel the sandbox tracks, as any parcel.
        let tracking = client
            .get_parcel_tracking_by_tracking_code()
            .tracking_code(&label.tracking_code)
            .send()
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            tracking.tracking_code.as_deref(),
            Some(&*label.tracking_code)
        );
        found.insert(order.id);
    }
    assert_eq!(found, placed, "every shipped order, once");
    println!("found {} of {} shipped orders", found.len(), placed.len());

    // Production sends the order id as a JSON number.
    let page: Value = raw(&sandbox, "/events?type=Shipment.Created&limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert!(page[0]["payload"]["orderId"].is_u64(), "{page}");
    // Shipped orders are also announced by name.
    let shipped = client
        .get_events()
        .type_("Order.Shipped")
        .stream_all(50)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(shipped.len(), placed.len());
}

#[tokio::test]
async fn a_cursor_carries_the_filters_of_the_walk_and_limits_follow_production() {
    let sandbox = Sandbox::start(Config {
        ship_after: Duration::from_secs(600),
        ..fast()
    })
    .await
    .unwrap();
    let client = client(&sandbox, 1);
    let sku = product(&client, "MUG-1").await;
    received(&client, &sku, 10).await;
    for i in 0..5 {
        order(&client, &format!("X-{i}"), &sku, 1.0).await;
        if i == 1 {
            // Events of another type after the first page.
            received(&client, &sku, 1).await;
        }
    }
    // Five `Order.Created` among the inbounds' events; later pages send
    // only `limit` and `page_info`, as production's clients do.
    let mut next = Some("/events?type=Order.Created&limit=2".to_owned());
    let mut types = Vec::new();
    while let Some(url) = next.take() {
        assert!(types.len() <= 10, "the pages never end");
        let response = raw(&sandbox, &url).await;
        assert_eq!(response.status(), 200);
        next = next_link(&response);
        if let Some(link) = &next {
            let query = url::Url::parse(link).unwrap();
            let names: Vec<String> = query.query_pairs().map(|(name, _)| name.into()).collect();
            assert_eq!(names, ["limit", "page_info"], "{link}");
        }
        let page: Vec<Value> = response.json().await.unwrap();
        types.extend(page.into_iter().map(|event| event["type"].clone()));
    }
    assert_eq!(types, vec![json!("Order.Created"); 5]);

    assert_eq!(raw(&sandbox, "/events?limit=249").await.status(), 200);
    assert_eq!(raw(&sandbox, "/events?limit=250").await.status(), 400);
    assert_eq!(
        raw(&sandbox, "/events?page_info=not-a-cursor")
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn pages_over_the_gateway_limit_time_out_and_streams_halve_their_page_to_pass() {
    let sandbox = Sandbox::start(Config {
        page_faults: PageFaults {
            gateway_timeout_above: Some(30),
            ..PageFaults::default()
        },
        ..fast()
    })
    .await
    .unwrap();
    let client = client(&sandbox, 2);
    for i in 0..70 {
        product(&client, &format!("M-{i}")).await;
    }
    let timeout = raw(&sandbox, "/products?limit=31").await;
    assert_eq!(timeout.status(), 504);
    assert_eq!(timeout.headers()["x-amzn-errortype"], "IntegrationTimeout");
    assert!(timeout.headers().contains_key("x-amz-apigw-id"));
    let message: Value = timeout.json().await.unwrap();
    assert_eq!(message, json!({"message": "Endpoint request timed out"}));
    assert_eq!(raw(&sandbox, "/products?limit=30").await.status(), 200);

    // Every time at that size, whatever the retries.
    let error = client.get_products().limit(100).send().await.unwrap_err();
    assert!(error.is_gateway_timeout(), "{error}");
    assert!(
        error.to_string().contains("Endpoint request timed out"),
        "{error}"
    );
    // The stream halves its page (100, 50, 25) and gets every product once.
    let products = client
        .get_products()
        .stream_all(100)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let skus: BTreeSet<String> = products.into_iter().map(|p| p.logistics_sku).collect();
    assert_eq!(skus.len(), 70);
}

#[tokio::test]
async fn capped_pages_are_short_and_streams_still_read_every_item_once() {
    let sandbox = Sandbox::start(Config {
        page_faults: PageFaults {
            page_cap: Some(7),
            ..PageFaults::default()
        },
        ..fast()
    })
    .await
    .unwrap();
    let client = client(&sandbox, 1);
    for i in 0..30 {
        product(&client, &format!("M-{i}")).await;
    }
    let page: Vec<Value> = raw(&sandbox, "/products?limit=20")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.len(), 7, "a short page, before the end");
    let products = client
        .get_products()
        .stream_all(20)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let skus: BTreeSet<String> = products.iter().map(|p| p.logistics_sku.clone()).collect();
    assert_eq!((products.len(), skus.len()), (30, 30));
}

#[tokio::test]
async fn a_failing_cursor_fails_for_good_and_a_walk_started_again_gets_everything() {
    let sandbox = Sandbox::start(Config {
        ship_after: Duration::from_secs(600),
        page_faults: PageFaults {
            failing_cursor: Some(2),
            ..PageFaults::default()
        },
        ..fast()
    })
    .await
    .unwrap();
    let client = client(&sandbox, 3);
    let sku = product(&client, "MUG-1").await;
    received(&client, &sku, 10).await;
    for i in 0..5 {
        order(&client, &format!("X-{i}"), &sku, 1.0).await;
    }
    // Two inbound events and five `Order.Created`, two a page: the second
    // cursor handed out fails.
    let mut stream = std::pin::pin!(client.get_events().stream_all(2));
    let mut before = 0;
    let failed = loop {
        match stream.try_next().await {
            Ok(Some(_)) => before += 1,
            Ok(None) => panic!("the walk ended without meeting the failing cursor"),
            Err(error) => break error,
        }
    };
    assert_eq!(before, 4, "two pages before the failing cursor");
    assert_eq!(
        failed.error.status().map(|status| status.as_u16()),
        Some(500),
        "{failed}"
    );
    let cursor = failed.position.clone().expect("the failing page's cursor");
    // For good: resuming at that cursor fails again.
    let again = client
        .get_events()
        .stream_from(Some(cursor), 2)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(again.error, Error::Api(_)), "{again}");
    // A walk started again gets new cursors, which work.
    let all = client
        .get_events()
        .stream_all(2)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
}
