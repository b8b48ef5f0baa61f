//! The manual clock (`Config::manual_clock`): nothing time-driven happens
//! until the test moves time, and then everything due has happened (its
//! webhooks delivered) when the advance returns, for each time-driven
//! resource: inbound receipts, orders shipping, parcel tracking and bulk
//! jobs, returns, reports, inbound quotes, product syncs, freight tracking,
//! OAuth code and token expiry, and idempotency key expiry. No test sleeps
//! or polls: each asserts states right after an advance.

use std::time::Duration;

use flexport_sandbox::auth::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SANDBOX_CALLBACK};
use flexport_sandbox::testing::{Api, Receiver};
use flexport_sandbox::{AdvanceError, Config, PartnerApp, Sandbox};
use serde_json::{Value, json};

fn manual() -> Config {
    Config {
        manual_clock: true,
        ..Config::default()
    }
}

const SECOND: Duration = Duration::from_secs(1);

#[tokio::test]
async fn receiving_and_shipping_wait_for_the_clock_and_their_webhooks_are_delivered_when_it_returns()
 {
    let sandbox = Sandbox::start(manual()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let receiver = Receiver::start().await;
    let (status, _) = api
        .post(
            "/webhooks",
            json!({"type": "*", "url": receiver.url, "method": "POST"}),
        )
        .await;
    assert_eq!(status, 200);
    let config = manual();
    let started = sandbox.now();

    let sku = api.product("MUG-1").await;
    let shipment = api.inbound(&sku, 10).await;
    let inbound = format!("/inbounds/shipments/{shipment}");
    // One second short of `receive_after`: not received.
    sandbox
        .advance(config.receive_after - SECOND)
        .await
        .unwrap();
    assert_eq!(api.ok(&inbound).await["status"], "READY_TO_SHIP");
    let before = sandbox.now();
    sandbox.advance(SECOND).await.unwrap();
    assert_eq!(api.ok(&inbound).await["status"], "COMPLETED");
    assert_eq!(
        api.ok(&format!("/products/{sku}/inventory")).await["available"],
        10
    );
    assert_delivered(&sandbox, &receiver, before).await;

    let order = api.order("ORDER-1", &sku, 2).await;
    let order = format!("/orders/{}", order["id"].as_str().unwrap());
    sandbox.advance(config.ship_after - SECOND).await.unwrap();
    assert_eq!(api.ok(&order).await["state"]["internalStatus"], "CREATED");
    let before = sandbox.now();
    sandbox.advance(SECOND).await.unwrap();
    assert_eq!(api.ok(&order).await["state"]["internalStatus"], "SHIPPED");
    assert_delivered(&sandbox, &receiver, before).await;

    // The clock moved by exactly what was asked, and stands still between.
    assert_eq!(
        (sandbox.now() - started).to_std().unwrap(),
        config.receive_after + config.ship_after
    );
    let (status, clock) = api
        .control(reqwest::Method::GET, "/sandbox/clock", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(clock["manual"], true);
    assert_eq!(clock["now"], sandbox.now().to_rfc3339());
}

/// Every webhook event that `GetEvents` lists with a time after `after` (so
/// made by the advance that followed) has been delivered to `receiver`: a
/// listed event names the webhook it reports by its payload's
/// `logisticsEventId` (`Order.Shipped` reports none).
async fn assert_delivered(
    sandbox: &Sandbox,
    receiver: &Receiver,
    after: chrono::DateTime<chrono::Utc>,
) {
    let events = Api::new(sandbox, "unstable").ok("/events?limit=200").await;
    let delivered = receiver.event_ids();
    let mut made = 0;
    for event in events.as_array().unwrap() {
        let time = chrono::DateTime::parse_from_rfc3339(event["time"].as_str().unwrap()).unwrap();
        if let Some(id) = event["payload"]["logisticsEventId"].as_str()
            && time > after
        {
            made += 1;
            assert!(
                delivered.iter().any(|known| known == id),
                "{event} not delivered yet"
            );
        }
    }
    assert!(made > 0, "the advance made no event: {events}");
}

#[tokio::test]
async fn parcels_step_through_tracking_and_bulk_jobs_finish_with_the_clock() {
    let sandbox = Sandbox::start(manual()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let step = manual().parcel_step_after;
    let parcel_body = json!({
        "shipToAddress": {"name": "Ada", "street1": "1 Main St", "city": "Reno",
                          "state": "NV", "zip": "89501", "country": "US"},
        "dimensions": {"length": 10, "width": 8, "height": 4, "lengthUnit": "in",
                       "weight": 2, "weightUnit": "lb"},
    });
    let (status, parcel) = api.post("/parcels", parcel_body.clone()).await;
    assert_eq!(status, 200, "{parcel}");
    let tracking = format!("/parcels/{}/tracking", parcel["parcelId"].as_str().unwrap());
    let mut seen = vec![api.ok(&tracking).await["status"].clone()];
    for _ in 0..3 {
        sandbox.advance(step).await.unwrap();
        seen.push(api.ok(&tracking).await["status"].clone());
    }
    assert_eq!(
        seen,
        [
            "LABEL_CREATED",
            "IN_TRANSIT",
            "OUT_FOR_DELIVERY",
            "DELIVERED"
        ],
        "one stage per step"
    );

    // One long advance moves a new parcel through every stage.
    let (_, parcel) = api.post("/parcels", parcel_body.clone()).await;
    sandbox.advance(step * 3).await.unwrap();
    let tracking = format!("/parcels/{}/tracking", parcel["parcelId"].as_str().unwrap());
    assert_eq!(api.ok(&tracking).await["status"], "DELIVERED");

    let mut bulk = parcel_body;
    bulk["customerParcelId"] = json!("B-1");
    bulk["serviceLevel"] = json!("STANDARD");
    let (status, job) = api
        .post(
            "/parcels/jobs",
            json!({"packslipRequired": false, "parcels": [bulk]}),
        )
        .await;
    assert_eq!(status, 200, "{job}");
    let job = format!("/parcels/jobs/{}", job["jobId"]);
    assert_ne!(api.ok(&job).await["status"], "COMPLETED");
    sandbox.advance(manual().parcel_job_after).await.unwrap();
    let done = api.ok(&job).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(done["parcels"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn returns_are_processed_and_restocked_three_steps_later() {
    let sandbox = Sandbox::start(manual()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let sku = api.product("MUG-R").await;
    let (status, created) = api
        .post(
            "/returns",
            json!({"rma": "RMA-1", "externalReturnId": "R-1",
                   "returnItems": [{"identifier": sku, "type": "LOGISTICS_SKU", "quantity": 3}]}),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let path = format!("/returns/{}", created["id"]);
    let step = manual().return_step_after;
    sandbox.advance(step * 3 - SECOND).await.unwrap();
    assert_ne!(api.ok(&path).await["status"], "PROCESSED");
    assert_eq!(
        api.ok(&format!("/products/{sku}/inventory")).await["onHand"],
        0
    );
    sandbox.advance(SECOND).await.unwrap();
    assert_eq!(api.ok(&path).await["status"], "PROCESSED");
    assert_eq!(
        api.ok(&format!("/products/{sku}/inventory")).await["onHand"],
        3
    );
}

#[tokio::test]
async fn reports_and_inbound_quotes_are_ready_when_the_clock_says() {
    let sandbox = Sandbox::start(manual()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let (status, generated) = api
        .post("/reports", json!({"reportType": "Inventory-Levels_Today"}))
        .await;
    assert_eq!(status, 200, "{generated}");
    let report = format!(
        "/reports/{}",
        generated["reportReference"].as_str().unwrap()
    );
    assert_eq!(api.ok(&report).await["status"], "PENDING");

    let sku = api.product("MUG-Q").await;
    let shipment = api.inbound(&sku, 4).await;
    let quotes = format!("/inbounds/shipments/{shipment}/quotes");
    let (status, _) = api.post_empty(&quotes).await;
    assert_eq!(status, 200);
    assert_eq!(api.ok(&quotes).await["quotes"], json!([]));

    let config = manual();
    sandbox
        .advance(config.report_after.max(config.quote_after))
        .await
        .unwrap();
    assert_eq!(api.ok(&report).await["status"], "SUCCESS");
    assert!(
        !api.ok(&quotes).await["quotes"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn product_syncs_and_freight_tracking_move_with_the_clock() {
    let sandbox = Sandbox::start(manual()).await.unwrap();
    let api = Api::new(&sandbox, "unstable");
    let (status, _) = api
        .post(
            "/channels",
            json!({"channelType": "SHOPIFY", "accessToken": "secret", "storeName": "mugs",
                   "locationId": "L1"}),
        )
        .await;
    assert_eq!(status, 200);
    let sync = "/channels/SHOPIFY/shop/mugs/sync";
    assert_eq!(api.post_empty(sync).await.0, 204);
    assert_ne!(api.ok(sync).await["productSyncStatus"], "COMPLETE");
    sandbox.advance(manual().quote_after).await.unwrap();
    assert_eq!(api.ok(sync).await["productSyncStatus"], "COMPLETE");

    let location =
        |zip: &str| json!({"zip": zip, "locationType": "COMMERCIAL", "liftGateRequired": false});
    let (status, quote) = api
        .post(
            "/freight/quotes/pallets",
            json!({"palletCount": 2, "pickupDetails": location("94607"),
                   "deliveryDetails": location("89501")}),
        )
        .await;
    assert_eq!(status, 200, "{quote}");
    let contact = json!({"firstName": "Ada", "lastName": "Lane", "phone": "555-0100",
                         "email": "ada@example.com"});
    let (status, order) = api
        .post(
            "/freight/orders/pallets",
            json!({
                "quoteId": quote["id"],
                "deliveryDetails": {"address": {"street1": "1 Dock Rd", "city": "Reno", "zip": "89501",
                                                "state": "NV", "country": "US"},
                                    "contact": contact},
                "pickupDetails": {"cargoReadyDate": sandbox.now().to_rfc3339(),
                                  "address": {"street1": "2 Mill St", "city": "Oakland",
                                              "zip": "94607", "state": "CA", "country": "US"},
                                  "contact": contact},
                "pallets": [{"palletCount": 2, "length": 48, "width": 40, "height": 50, "weight": 400}],
            }),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    let bol = order["ltlOrderItem"]["customerBolId"].as_str().unwrap();
    let tracking = format!("/freight/tracking_events/{bol}");
    assert_eq!(api.ok(&tracking).await["bolStatus"], "CREATED");
    sandbox
        .advance(manual().freight_step_after * 3)
        .await
        .unwrap();
    assert_eq!(api.ok(&tracking).await["bolStatus"], "DELIVERED");
}

/// The OAuth flow's code, through `/oauth/authorize` (which answers a redirect).
async fn code(api: &Api) -> String {
    let scope = PartnerApp::default().scopes[0].clone();
    let mut url = url::Url::parse(&format!("{}/oauth/authorize", api.base)).unwrap();
    url.query_pairs_mut().extend_pairs([
        ("response_type", "code"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("scope", scope.as_str()),
    ]);
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_redirects.get(url).send().await.unwrap();
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    location
        .query_pairs()
        .find(|(name, _)| name == "code")
        .map(|(_, code)| code.into_owned())
        .unwrap_or_else(|| panic!("no code in {location}"))
}

async fn exchange(api: &Api, code: &str) -> (u16, Value) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &format!("{}{SANDBOX_CALLBACK}", api.root))
        .finish();
    let response = api
        .http
        .post(format!("{}/oauth/token", api.base))
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn oauth_codes_and_tokens_expire_by_the_clock() {
    let sandbox = Sandbox::start(Config {
        oauth_token_ttl: Some(Duration::from_secs(3600)),
        ..manual()
    })
    .await
    .unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let ttl = manual().oauth_code_ttl;

    let kept = code(&api).await;
    let lost = code(&api).await;
    sandbox.advance(ttl).await.unwrap();
    // At its expiry time a code still works; a second later it does not.
    let (status, token) = exchange(&api, &kept).await;
    assert_eq!(status, 200, "{token}");
    sandbox.advance(SECOND).await.unwrap();
    let (status, problem) = exchange(&api, &lost).await;
    assert_eq!(
        (status, &problem["code"]),
        (400, &json!(405005)),
        "{problem}"
    );

    let token = token["access_token"].as_str().unwrap().to_owned();
    let as_partner = |token: &str| {
        api.http
            .get(format!("{}/webhooks", api.base))
            .bearer_auth(token)
            .send()
    };
    // Any answer but 401 shows the token is known (its scope may not cover webhooks).
    assert_ne!(as_partner(&token).await.unwrap().status(), 401);
    // Issued before the last second's advance: one second short of its ttl.
    sandbox
        .advance(Duration::from_secs(3600) - SECOND * 2)
        .await
        .unwrap();
    assert_ne!(as_partner(&token).await.unwrap().status(), 401);
    sandbox.advance(SECOND).await.unwrap();
    assert_eq!(as_partner(&token).await.unwrap().status(), 401);
}

#[tokio::test]
async fn an_idempotency_key_is_replayed_until_its_ttl_passes_on_the_clock() {
    let ttl = Duration::from_secs(24 * 60 * 60);
    let sandbox = Sandbox::start(Config {
        idempotency_ttl: ttl,
        ..manual()
    })
    .await
    .unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let sku = api.product("MUG-K").await;
    let create = || {
        api.send(
            api.http
                .post(format!("{}/orders", api.base))
                .header("idempotency-key", "key-1")
                .json(&json!({
                    "externalOrderId": "ORDER-K",
                    "address": {"address1": "1 Main St", "city": "Reno", "countryCode": "US"},
                    "lineItems": [{"logisticsSku": sku, "quantity": 1}],
                })),
        )
    };
    let (status, first) = create().await;
    assert_eq!(status, 200, "{first}");
    sandbox.advance(ttl - SECOND).await.unwrap();
    assert_eq!(
        create().await,
        (200, first.clone()),
        "replayed within the ttl"
    );
    sandbox.advance(SECOND * 2).await.unwrap();
    let (status, second) = create().await;
    assert_eq!(
        status, 409,
        "acted again, on an external order id now taken: {second}"
    );
}

#[tokio::test]
async fn the_wall_clock_cannot_be_advanced() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    assert!(matches!(
        sandbox.advance(SECOND).await,
        Err(AdvanceError::NotManual)
    ));
    let api = Api::new(&sandbox, "2024-04");
    let (status, problem) = api.advance(1.0).await;
    assert_eq!(status, 409, "{problem}");
    let (status, problem) = Api::new(&Sandbox::start(manual()).await.unwrap(), "2024-04")
        .advance(-1.0)
        .await;
    assert_eq!(status, 400, "{problem}");
}
