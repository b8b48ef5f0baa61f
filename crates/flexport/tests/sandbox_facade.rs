//! The sandbox driven through the `flexport` facade, as a user would: the
//! workflow example, tokens, idempotent replays, errors with their codes,
//! rate limits, webhooks, paging, reports, bundles and a restart from the
//! state file.

#![cfg(feature = "v2024-04")]

use std::time::Duration;

use flexport::pagination::StreamAll;
use flexport::v2024_04::types::{self, InternalOrderStatus};
use flexport::v2024_04::{Client, ResponseValue, prelude::*, webhooks::Event};
use flexport::{ClientBuilder, Error, ErrorCode, ErrorKind, ResponseMetadata, RetryPolicy};
use flexport_sandbox::testing::Receiver;
use flexport_sandbox::{Config, Sandbox, VERSIONS};
use futures::TryStreamExt;
use serde_json::{Value, json};

#[allow(dead_code)]
#[path = "../../flexport/examples/workflow.rs"]
mod workflow;

mod support;
use support::v2024_04::received as receive;
use support::{api_error, body, sandbox_builder};

const POLL: Duration = Duration::from_millis(20);

fn fast() -> Config {
    Config {
        receive_after: Duration::from_millis(100),
        ship_after: Duration::from_millis(100),
        report_after: Duration::from_millis(100),
        ..Config::default()
    }
}

/// [`fast`], but orders never ship during a test.
fn without_shipping() -> Config {
    Config {
        ship_after: Duration::from_secs(60),
        ..fast()
    }
}

/// A client that tries each call once.
fn client(sandbox: &Sandbox) -> Client {
    sandbox_builder(sandbox, 1).build().unwrap()
}

async fn create_product(client: &Client, merchant_sku: &str) -> types::ApiProductResponse {
    client
        .create_product()
        .body(body::<types::CreateProductModel>(
            json!({"name": "Mug", "merchantSku": merchant_sku}),
        ))
        .send()
        .await
        .unwrap()
        .into_inner()
}

fn order_body(external_id: &str, sku: &str, quantity: f64) -> types::CreateOrderInput {
    body(json!({
        "externalOrderId": external_id,
        "address": {"address1": "1 Main St", "city": "Reno", "countryCode": "US"},
        "lineItems": [{"logisticsSku": sku, "quantity": quantity}],
    }))
}

async fn place_order(
    client: &Client,
    external_id: &str,
    sku: &str,
    quantity: f64,
) -> Result<ResponseValue<types::OrderModel>, Error> {
    client
        .create_order()
        .body(order_body(external_id, sku, quantity))
        .send()
        .await
}

async fn available(client: &Client, sku: &str) -> (u64, u64) {
    let inventory = client
        .get_inventory()
        .logistics_sku(sku)
        .send()
        .await
        .unwrap()
        .into_inner();
    (inventory.on_hand, inventory.available)
}

#[tokio::test]
async fn the_workflow_example_ships_an_order_and_inventory_follows() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let order = workflow::run(&client, POLL).await.unwrap();
    assert_eq!(order.state.internal_status, InternalOrderStatus::Shipped);
    assert_eq!(order.shipments.len(), 1);
    let sku = &order.line_items[0].logistics_sku;
    assert_eq!(
        available(&client, sku).await,
        (22, 22),
        "24 received, 2 shipped"
    );
}

#[tokio::test]
async fn a_missing_or_unknown_token_gets_401_problem_json_with_a_correlation_id() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let wrong = ClientBuilder::new()
        .token("not-the-token")
        .base_url(sandbox.base_url())
        .build::<Client>()
        .unwrap();
    let error = api_error(wrong.get_products().send().await);
    assert_eq!(error.kind, ErrorKind::Unauthorized);
    assert!(error.correlation_id.is_some());
    assert_eq!(
        error.problem.unwrap().detail.as_deref(),
        Some("unknown bearer token")
    );

    let response = reqwest::get(format!(
        "{}/logistics/api/2024-04/products",
        sandbox.base_url()
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn a_repeated_idempotency_key_replays_the_first_answer_and_creates_nothing() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = &client(&sandbox);
    let create = |merchant_sku: &'static str| {
        flexport::with_idempotency_key("product-key-1", async move {
            client
                .create_product()
                .body(body::<types::CreateProductModel>(
                    json!({"name": "Mug", "merchantSku": merchant_sku}),
                ))
                .send()
                .await
        })
    };
    let first = create("MUG-1").await.unwrap();
    let second = create("MUG-1").await.unwrap();
    assert!(!first.idempotent_replayed());
    assert!(second.idempotent_replayed());
    assert_ne!(first.correlation_id(), second.correlation_id());
    assert_eq!(
        first.into_inner().logistics_sku,
        second.into_inner().logistics_sku
    );

    let error = api_error(create("MUG-2").await);
    assert_eq!(
        error.kind,
        ErrorKind::UnprocessableEntity,
        "same key, other body"
    );
    let products = client.get_products().send().await.unwrap().into_inner();
    assert_eq!(products.len(), 1);
}

#[tokio::test]
async fn concurrent_retries_with_one_key_make_one_order_each() {
    let sandbox = Sandbox::start(without_shipping()).await.unwrap();
    let client = client(&sandbox);
    let sku = create_product(&client, "MUG-1").await.logistics_sku;
    receive(&client, &sku, 1_000).await;
    let calls = (0..100).flat_map(|n| {
        let client = &client;
        let sku = &sku;
        (0..3).map(move |_| {
            flexport::with_idempotency_key(format!("order-{n}"), async move {
                place_order(client, &format!("E-{n}"), sku, 1.0)
                    .await
                    .map(|order| (order.idempotent_replayed(), order.into_inner().id))
            })
        })
    });
    let results: Vec<(bool, String)> = futures::future::try_join_all(calls).await.unwrap();
    let mut ids: Vec<&String> = results.iter().map(|(_, id)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 100, "one order per key");
    assert_eq!(
        results.iter().filter(|(replayed, _)| *replayed).count(),
        200
    );
    assert_eq!(available(&client, &sku).await, (1_000, 900));
}

#[tokio::test]
async fn errors_name_the_field_the_status_and_the_six_digit_code() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let sku = create_product(&client, "MUG-1").await.logistics_sku;

    // A count is a `u64` in the SDK, so 1.5 items cannot be sent through
    // it; sent raw, the sandbox refuses them, naming the field.
    let raw = reqwest::Client::new()
        .post(format!(
            "{}/logistics/api/2024-04/orders",
            sandbox.base_url()
        ))
        .bearer_auth(sandbox.token())
        .json(&json!({
            "externalOrderId": "E-1",
            "address": {"address1": "1 Main St", "city": "Reno", "countryCode": "US"},
            "lineItems": [{"logisticsSku": sku, "quantity": 1.5}],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let problem: Value = raw.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("lineItems[0].quantity")),
        "{problem}"
    );

    let error = api_error(client.get_order().order_id("424242").send().await);
    assert_eq!(error.kind, ErrorKind::NotFound);

    let order = place_order(&client, "E-1", &sku, 1.0)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        order.state.internal_status,
        InternalOrderStatus::Error,
        "no inventory yet"
    );
    let error = api_error(place_order(&client, "E-1", &sku, 1.0).await);
    assert_eq!(
        error.kind,
        ErrorKind::Conflict,
        "duplicate external order id"
    );

    receive(&client, &sku, 5).await;
    let retried = client
        .retry_order()
        .order_id(&order.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried.state.internal_status, InternalOrderStatus::Created);
    let error = api_error(client.retry_order().order_id(&order.id).send().await);
    assert_eq!(error.code, Some(ErrorCode::InvalidOrderStatus), "{error:?}");
    assert_eq!(error.kind, ErrorKind::UnprocessableEntity);
}

#[tokio::test]
async fn a_failed_order_ships_after_inventory_arrives_and_it_is_retried() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let sku = create_product(&client, "MUG-1").await.logistics_sku;
    let order = place_order(&client, "E-1", &sku, 3.0)
        .await
        .unwrap()
        .into_inner();
    let error = order.error.expect("a failed order says why");
    assert_eq!(error.type_, types::OrderErrorType::InventoryErr);
    assert!(error.retriable);
    assert_eq!(error.line_item_errors[0].logistics_sku, sku);

    receive(&client, &sku, 3).await;
    client
        .retry_order()
        .order_id(&order.id)
        .send()
        .await
        .unwrap();
    let shipped = loop {
        let current = client
            .get_order_by_external_id()
            .external_order_id("E-1")
            .send()
            .await
            .unwrap()
            .into_inner();
        if current.state.internal_status == InternalOrderStatus::Shipped {
            break current;
        }
        tokio::time::sleep(POLL).await;
    };
    assert!(shipped.shipped_at.is_some());
    assert_eq!(available(&client, &sku).await, (0, 0));

    let error = api_error(client.cancel_order().order_id(&order.id).send().await);
    assert_eq!(
        error.kind,
        ErrorKind::Conflict,
        "a shipped order cannot be cancelled"
    );
}

#[tokio::test]
async fn cancelling_an_order_releases_its_units() {
    let sandbox = Sandbox::start(without_shipping()).await.unwrap();
    let client = client(&sandbox);
    let sku = create_product(&client, "MUG-1").await.logistics_sku;
    receive(&client, &sku, 4).await;
    let order = place_order(&client, "E-1", &sku, 3.0)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(available(&client, &sku).await, (4, 1));
    let cancelled = client
        .cancel_order()
        .order_id(&order.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        cancelled.state.internal_status,
        InternalOrderStatus::Cancelled
    );
    assert_eq!(available(&client, &sku).await, (4, 4));
}

#[tokio::test]
async fn above_the_rate_limit_429_carries_retry_after_and_the_facade_waits_it_out() {
    let sandbox = Sandbox::start(Config {
        rate_limit: Some(5),
        ..fast()
    })
    .await
    .unwrap();
    // Without the client's own limiter, so that the sandbox's is what is seen.
    let impatient: Client = sandbox_builder(&sandbox, 1)
        .no_rate_limit()
        .build()
        .unwrap();
    let mut limited = Vec::new();
    for _ in 0..8 {
        let outcome = impatient.get_products().send().await;
        if outcome.is_err() {
            limited.push(api_error(outcome));
        }
    }
    // The bucket holds 5 and refills at 5 per second: 3 of 8 are refused,
    // fewer only if the calls take more than 200 ms in all.
    assert!(
        (1..=3).contains(&limited.len()),
        "{} refused",
        limited.len()
    );
    assert!(
        limited
            .iter()
            .all(|error| error.kind == ErrorKind::TooManyRequests
                && error.retry_after == Some(Duration::from_secs(1)))
    );

    let patient = sandbox_builder(&sandbox, 1)
        .retry_policy(RetryPolicy {
            max_attempts: 5,
            ..RetryPolicy::default()
        })
        .build::<Client>()
        .unwrap();
    for _ in 0..8 {
        patient.get_products().send().await.unwrap();
    }
}

#[tokio::test]
async fn webhooks_are_managed_and_their_events_parse_into_the_typed_enum() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let receiver = Receiver::start().await;
    let url = receiver.url.clone();
    let webhook = client
        .create_webhook()
        .body(body::<types::WebhookCreateModel>(
            json!({"type": "*", "url": url, "method": "POST"}),
        ))
        .send()
        .await
        .unwrap()
        .into_inner();
    let listed = client.get_webhooks().send().await.unwrap().into_inner();
    assert_eq!(listed.len(), 1);
    let id = webhook.id;
    assert_eq!(
        client
            .get_webhook()
            .webhook_id(id.to_string())
            .send()
            .await
            .unwrap()
            .into_inner()
            .url,
        url
    );

    let sku = create_product(&client, "MUG-1").await.logistics_sku;
    let shipment = receive(&client, &sku, 6).await;
    place_order(&client, "E-1", &sku, 2.0).await.unwrap();
    let events: Vec<Event> = loop {
        let bodies = receiver.bodies();
        let events: Vec<Event> = bodies
            .iter()
            .map(|body| flexport::webhooks::parse(body).unwrap())
            .collect();
        if events
            .iter()
            .any(|event| matches!(event, Event::Shipment(_)))
        {
            break events;
        }
        tokio::time::sleep(POLL).await;
    };
    assert!(
        events
            .iter()
            .any(|event| matches!(event, Event::InboundReceived(received) if received.amount == 6))
    );
    assert!(events.iter().any(|event| matches!(event,
        Event::InboundShipmentStatusChange(change) if change.shipment_id == shipment.id && change.status == "COMPLETED")));
    assert!(
        events
            .iter()
            .any(|event| matches!(event, Event::Order(order) if order.external_order_id == "E-1"))
    );

    client
        .delete_webhook()
        .webhook_id(id.to_string())
        .send()
        .await
        .unwrap();
    let error = api_error(client.get_webhook().webhook_id(id.to_string()).send().await);
    assert_eq!(error.kind, ErrorKind::NotFound);
}

/// Fails when the sandbox answers an id as the text the SDK holds it in
/// where the served document (and production) gives a number, or when
/// such an answer no longer fits the document.
#[tokio::test]
async fn ids_the_sdk_holds_as_text_are_answered_as_the_documents_numbers() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let webhook = client
        .create_webhook()
        .body(body::<types::WebhookCreateModel>(
            json!({"type": "*", "url": "https://example.test/hook", "method": "POST"}),
        ))
        .send()
        .await
        .unwrap()
        .into_inner();
    let id: &str = &webhook.id;
    let document = &flexport_sandbox::schema::documents()["2024-04"];
    let checker = flexport_sandbox::schema::Checker::new(document);
    for (path, template) in [
        (format!("/webhooks/{id}"), "/webhooks/{webhookId}"),
        ("/webhooks".to_owned(), "/webhooks"),
    ] {
        let answer: Value = reqwest::Client::new()
            .get(format!(
                "{}/logistics/api/2024-04{path}",
                sandbox.base_url()
            ))
            .bearer_auth(sandbox.token())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let one = if answer.is_array() {
            &answer[0]
        } else {
            &answer
        };
        assert_eq!(
            one["id"],
            json!(id.parse::<u64>().unwrap()),
            "{path}: {answer}"
        );
        let schema = &document["paths"][format!("/logistics/api/2024-04{template}")]["get"]["responses"]
            ["200"]["content"]["application/json"]["schema"];
        assert_eq!(checker.check(schema, &answer), Ok(()), "{path}: {answer}");
    }
}

#[tokio::test]
async fn products_and_inventory_page_by_offset_and_limit() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    for n in 0..7 {
        create_product(&client, &format!("MUG-{n}")).await;
    }
    let merchant_skus: Vec<String> = client
        .get_products()
        .stream_all(3)
        .map_ok(|product| product.merchant_sku)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        merchant_skus,
        (0..7).map(|n| format!("MUG-{n}")).collect::<Vec<_>>()
    );
    let inventory: Vec<types::ApiInventoryResponse> = client
        .get_all_inventory()
        .stream_all(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(inventory.len(), 7);
}

#[tokio::test]
async fn reports_finish_and_download_and_bundles_count_whole_sets() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let client = client(&sandbox);
    let sku = create_product(&client, "MUG-1").await.logistics_sku;
    receive(&client, &sku, 7).await;

    let bundle = client
        .create_bundle()
        .body(body::<types::ApiBundle>(json!({
            "externalBundleId": "PAIR", "title": "Two mugs", "sku": "MUG-PAIR",
            "bundleContents": [{"productId": sku, "quantity": 2}],
        })))
        .send()
        .await
        .unwrap()
        .into_inner();
    let inventory = client
        .get_bundle_inventory()
        .bundle_id(&bundle.bundle_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(inventory.available_units, 3, "7 mugs make 3 pairs");

    let reference = client
        .generate_report()
        .body(body::<types::ReportGenerationRequest>(
            json!({"reportType": "Inventory-Levels_Today"}),
        ))
        .send()
        .await
        .unwrap()
        .into_inner()
        .report_reference;
    let url = loop {
        let report = client
            .get_report_status()
            .report_reference(&reference)
            .send()
            .await
            .unwrap()
            .into_inner();
        if let Some(url) = report.url {
            assert_eq!(report.status, types::ReportStatus::Success);
            break url;
        }
        assert_eq!(report.status, types::ReportStatus::Pending);
        tokio::time::sleep(POLL).await;
    };
    let csv = reqwest::get(url).await.unwrap().text().await.unwrap();
    assert_eq!(csv, format!("logisticsSku,onHand,available\n{sku},7,7\n"));
}

#[tokio::test]
async fn every_version_is_served_and_an_unknown_path_is_a_404_problem() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let http = reqwest::Client::new();
    for version in VERSIONS.into_iter().chain(["2099-01"]) {
        let response = http
            .get(format!(
                "{}/logistics/api/{version}/webhooks",
                sandbox.base_url()
            ))
            .bearer_auth(sandbox.token())
            .send()
            .await
            .unwrap();
        let expected = if version == "2099-01" { 404 } else { 200 };
        assert_eq!(response.status(), expected, "{version}");
        assert!(response.headers().contains_key("x-correlation-id"));
    }
}

/// A version's paths serve only what that version's document has, even
/// where a newer version has more: 2023-04 cannot list products (405: the
/// path has only POST there) nor read a bulk parcel job (404).
#[tokio::test]
async fn an_operation_a_version_does_not_have_is_not_served_on_its_paths() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, version: &str, path: &str| {
        http.request(
            method,
            format!("{}/logistics/api/{version}{path}", sandbox.base_url()),
        )
        .bearer_auth(sandbox.token())
        .json(&serde_json::json!({"parcelIds": ["1"]}))
        .send()
    };
    let listed = call(reqwest::Method::GET, "2023-07", "/products")
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let not_allowed = call(reqwest::Method::GET, "2023-04", "/products")
        .await
        .unwrap();
    assert_eq!(not_allowed.status(), 405);
    assert_eq!(
        not_allowed.headers()["content-type"],
        "application/problem+json"
    );
    let missing = call(reqwest::Method::GET, "2023-04", "/parcels/jobs/1")
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let detail = missing.text().await.unwrap();
    assert!(detail.contains("2023-04 has no operation"), "{detail}");
}

#[tokio::test]
async fn the_state_file_keeps_products_orders_and_idempotency_keys_across_a_restart() {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("sandbox.jsonl");
    let config = Config {
        state_file: Some(state_file.clone()),
        ship_after: Duration::from_secs(60),
        ..fast()
    };
    let create_order = |client: Client, sku: String| async move {
        flexport::with_idempotency_key("order-key", async {
            place_order(&client, "E-1", &sku, 2.0).await
        })
        .await
        .unwrap()
    };

    let sandbox = Sandbox::start(config.clone()).await.unwrap();
    let client = client(&sandbox);
    let sku = create_product(&client, "MUG-1").await.logistics_sku;
    receive(&client, &sku, 5).await;
    let order = create_order(client.clone(), sku.clone()).await.into_inner();
    sandbox.stop().await;
    // A crash in the middle of a write leaves a torn last line.
    let mut journal = std::fs::read(&state_file).unwrap();
    journal.extend_from_slice(br#"[{"kind":"product","value":{"na"#);
    std::fs::write(&state_file, journal).unwrap();

    let sandbox = Sandbox::start(config).await.unwrap();
    let client: Client = sandbox_builder(&sandbox, 1).build().unwrap();
    let kept = client
        .get_order()
        .order_id(&order.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(kept.external_order_id.as_deref(), Some("E-1"));
    assert_eq!(available(&client, &sku).await, (5, 3));
    let replay = create_order(client.clone(), sku.clone()).await;
    assert!(replay.idempotent_replayed());
    assert_eq!(replay.into_inner().id, order.id);
    let second = create_product(&client, "MUG-2").await;
    assert_ne!(second.logistics_sku, sku, "ids continue after the restart");
}

/// One engine, each version's own document: a field 2023-04 does not have
/// (`shippingPlanName`) is never in its answers, while 2024-04 answers it;
/// a request value only a newer version has (`source: TIKTOK`, added in
/// 2024-04's enum) is a 400 naming the field on 2023-04 and accepted on
/// 2024-04.
#[tokio::test]
async fn each_version_answers_its_own_shapes_and_checks_its_own_request_schema() {
    let sandbox = Sandbox::start(without_shipping()).await.unwrap();
    let client = client(&sandbox);
    let http = reqwest::Client::new();
    let url =
        |version: &str, path: &str| format!("{}/logistics/api/{version}{path}", sandbox.base_url());
    let sku = create_product(&client, "MUG-V").await.logistics_sku;
    let shipment: Value = http
        .post(url("2024-04", "/inbounds/shipments"))
        .bearer_auth(sandbox.token())
        .json(&json!({
            "from": {"address1": "1 A St", "city": "LA", "provinceCode": "CA", "zip": "90001", "countryCode": "US"},
            "prep": {"boxContentLabels": false},
            "items": [{"logisticsSku": sku, "quantity": 3}],
            "shippingPlanName": "Spring restock",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shipment["shippingPlanName"], "Spring restock");
    let id = shipment["id"].as_str().unwrap();
    for (version, has_it) in [("2023-04", false), ("2023-07", false), ("2024-04", true)] {
        let shipment: Value = http
            .get(url(version, &format!("/inbounds/shipments/{id}")))
            .bearer_auth(sandbox.token())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(shipment["id"], id, "{version}");
        assert_eq!(
            shipment.get("shippingPlanName").is_some(),
            has_it,
            "{version}: {shipment}"
        );
        let listed: Value = http
            .get(url(
                version,
                &format!("/inbounds/shipments?shipmentIds={id}"),
            ))
            .bearer_auth(sandbox.token())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let listed = listed
            .as_array()
            .unwrap_or_else(|| panic!("{version}: {listed}"));
        assert!(
            listed
                .iter()
                .all(|shipment| shipment.get("shippingPlanName").is_some() == has_it),
            "{version}: {listed:?}"
        );
    }

    let mut order = serde_json::to_value(order_body("E-TIKTOK", &sku, 1.0)).unwrap();
    order["source"] = json!("TIKTOK");
    let old = http
        .post(url("2023-04", "/orders"))
        .bearer_auth(sandbox.token())
        .json(&order)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 400);
    let problem: Value = old.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().starts_with("`source`"),
        "{problem}"
    );
    // A `Content-Type` other than JSON does not let the body past the check.
    let disguised = http
        .post(url("2023-04", "/orders"))
        .bearer_auth(sandbox.token())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(order.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(disguised.status(), 400);
    let new = http
        .post(url("2024-04", "/orders"))
        .bearer_auth(sandbox.token())
        .json(&order)
        .send()
        .await
        .unwrap();
    assert_ne!(new.status(), 400, "{}", new.text().await.unwrap());
}
