//! Inbound quotes, purchases, transfer documents and updates, warehouse
//! details, and the operations only `unstable` has (accounts, channels,
//! events, freight, uploads), driven over HTTP as a client would.

use std::time::Duration;

use flexport_sandbox::testing::Api;
use flexport_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

fn fast() -> Config {
    Config {
        receive_after: Duration::from_secs(600),
        ship_after: Duration::from_secs(600),
        quote_after: Duration::from_millis(100),
        freight_step_after: Duration::from_millis(100),
        ..Config::default()
    }
}

/// An inbound shipment of `quantity` units of `sku`, declared in one package.
async fn packaged_inbound(api: &Api, sku: &str, quantity: i64) -> String {
    api.inbound_of(json!({
        "from": {"address1": "1 Main St", "city": "Reno", "countryCode": "US",
                 "provinceCode": "NV", "zip": "89501"},
        "items": [{"logisticsSku": sku, "quantity": quantity}],
        "packages": [{"items": [{"logisticsSku": sku, "quantity": 1}],
                      "numberOfIdenticalPkgs": 1, "length": 10.0, "width": 10.0,
                      "height": 10.0, "weight": 2.0, "dimensionUnit": "in",
                      "weightUnit": "lb"}],
        "prep": {"boxContentLabels": false},
    }))
    .await
}

fn problem_detail(body: &Value) -> &str {
    body["detail"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn inbound_quotes_complete_after_a_delay_and_only_existing_quotes_can_be_bought() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    // Every version has these operations.
    for version in ["2023-04", "2024-04", "unstable"] {
        let api = Api::new(&sandbox, version);
        let sku = api.product(&format!("MUG-{version}")).await;
        let id = packaged_inbound(&api, &sku, 10).await;
        let quotes = format!("/inbounds/shipments/{id}/quotes");

        assert_eq!(api.get(&quotes).await.0, 404, "no process yet");
        let (status, started) = api.post_empty(&quotes).await;
        assert_eq!(status, 200, "{started}");
        assert_eq!(started["quotes"], json!([]), "the process has just started");
        let done = api
            .until(&quotes, |body| {
                !body["quotes"].as_array().unwrap().is_empty()
            })
            .await;
        let all = done["quotes"].as_array().unwrap();
        assert_eq!(all.len(), 6, "one quote per shipping option: {done}");
        assert!(all.iter().all(|quote| quote["purchased"] == false));
        let ltl = api
            .ok(&format!("{quotes}?shippingOption=LTL_INTERNAL"))
            .await;
        assert_eq!(ltl["quotes"].as_array().unwrap().len(), 1);
        let quote_id = ltl["quotes"][0]["id"].as_f64().unwrap() as i64;
        assert_eq!(
            api.get(&format!("{quotes}?shippingOption=BY_DRONE"))
                .await
                .0,
            400
        );

        // An id that is not one of this shipment's quotes buys nothing, not
        // even the real one beside it.
        let buy = format!("{quotes}/buy");
        let (status, problem) = api
            .post(&buy, json!({"quoteIds": [quote_id, 999_999]}))
            .await;
        assert_eq!(status, 404, "{problem}");
        assert!(problem_detail(&problem).contains("999999"), "{problem}");
        assert_eq!(api.ok(&buy).await["quotes"], json!([]));

        let (status, bought) = api.post(&buy, json!({"quoteIds": [quote_id]})).await;
        assert_eq!(status, 200, "{bought}");
        // A number, as the document types it (the SDK holds it as text).
        assert_eq!(bought["transactions"][0]["quoteId"], json!(quote_id));
        assert_eq!(bought["transactions"][0]["shippingOption"], "LTL_DELIVERR");
        let (status, again) = api.post(&buy, json!({"quoteIds": [quote_id]})).await;
        assert_eq!(status, 409, "{again}");
        let purchased = api.ok(&buy).await;
        assert_eq!(purchased["quotes"].as_array().unwrap().len(), 1);
        assert_eq!(purchased["quotes"][0]["purchased"], true);
        // Quoting again would drop a bought quote.
        assert_eq!(api.post_empty(&quotes).await.0, 409);
    }
    let api = Api::new(&sandbox, "2024-04");
    assert_eq!(
        api.post_empty("/inbounds/shipments/424242/quotes").await.0,
        404
    );
    assert_eq!(
        api.post(
            "/inbounds/shipments/424242/quotes/buy",
            json!({"quoteIds": [1]})
        )
        .await
        .0,
        404
    );
}

#[tokio::test]
async fn a_received_shipment_can_be_neither_quoted_nor_updated() {
    let sandbox = Sandbox::start(Config {
        receive_after: Duration::from_millis(100),
        ..fast()
    })
    .await
    .unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let sku = api.product("MUG").await;
    let id = packaged_inbound(&api, &sku, 3).await;
    api.until(&format!("/inbounds/shipments/{id}"), |shipment| {
        shipment["status"] == "COMPLETED"
    })
    .await;
    let (status, problem) = api
        .post_empty(&format!("/inbounds/shipments/{id}/quotes"))
        .await;
    assert_eq!(status, 409, "{problem}");
    let before = api.ok(&format!("/inbounds/shipments/{id}")).await;
    let (status, problem) = api
        .patch(
            &format!("/inbounds/shipments/{id}/update"),
            json!({"prep": {"boxContentLabels": true}}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem_detail(&problem).contains("COMPLETED"), "{problem}");
    assert_eq!(api.ok(&format!("/inbounds/shipments/{id}")).await, before);
}

#[tokio::test]
async fn an_update_applies_all_of_its_fields_or_none() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let api = Api::new(&sandbox, "2024-04");
    let sku = api.product("MUG").await;
    let other = api.product("CUP").await;
    let id = packaged_inbound(&api, &sku, 10).await;
    let path = format!("/inbounds/shipments/{id}/update");
    let before = api.ok(&format!("/inbounds/shipments/{id}")).await;

    // A valid address beside a package of an unknown SKU: nothing changes.
    let new_from = json!({"address1": "9 Dock Rd", "city": "Oakland", "countryCode": "US",
                          "provinceCode": "CA", "zip": "94607"});
    let (status, problem) = api
        .patch(
            &path,
            json!({"from": new_from, "createPackages": [
                {"items": [{"logisticsSku": "NO-SUCH-SKU", "quantity": 1}], "numberOfIdenticalPkgs": 1}
            ]}),
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem_detail(&problem).contains("createPackages[0]"),
        "{problem}"
    );
    assert_eq!(api.ok(&format!("/inbounds/shipments/{id}")).await, before);
    // The same for a package id the shipment does not have.
    let (status, _) = api
        .patch(
            &path,
            json!({"from": new_from, "packages": [{"ids": ["nope"], "weight": 3.0}]}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(api.ok(&format!("/inbounds/shipments/{id}")).await, before);

    let package_id = before["packages"][0]["id"].as_str().unwrap();
    let (status, updated) = api
        .patch(
            &path,
            json!({
                "from": new_from,
                "prep": {"boxContentLabels": true},
                "shippingOption": "LTL_EXTERNAL",
                "packages": [{"ids": [package_id], "weight": 3.5}],
                "createPackages": [{"items": [{"logisticsSku": other, "quantity": 4}],
                                    "numberOfIdenticalPkgs": 2}],
                "freightDetails": {"pallets": [{"length": 40.0, "width": 48.0, "height": 50.0,
                    "dimensionUnit": "in", "weight": 300.0, "weightUnit": "lb",
                    "numberOfIdenticalPallets": 2}]},
            }),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["addresses"]["from"]["city"], "Oakland");
    assert_eq!(updated["prep"]["boxContentLabels"], true);
    assert_eq!(updated["packages"][0]["weight"], 3.5);
    assert_eq!(updated["packages"].as_array().unwrap().len(), 2);
    assert_eq!(updated["freight"]["pallets"].as_array().unwrap().len(), 2);
    let items = updated["items"].as_array().unwrap();
    let expected_other = items
        .iter()
        .find(|item| item["logisticsSku"] == other.as_str())
        .unwrap();
    assert_eq!(expected_other["counts"]["expected"], 8.0);
    // The update is what GET shows afterwards.
    let after = api.ok(&format!("/inbounds/shipments/{id}")).await;
    assert_eq!(after["addresses"]["from"]["city"], "Oakland");
    assert_eq!(after["items"], updated["items"]);

    assert_eq!(
        api.patch("/inbounds/shipments/424242/update", json!({}))
            .await
            .0,
        404
    );
    let (status, _) = api
        .patch(&path, json!({"shippingOption": "BY_DRONE"}))
        .await;
    assert_eq!(status, 400, "a request enum stays closed");
}

#[tokio::test]
async fn a_transfer_document_is_a_pdf_the_sandbox_serves() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let api = Api::new(&sandbox, "2023-07");
    let sku = api.product("MUG").await;
    let id = packaged_inbound(&api, &sku, 1).await;
    let document = api
        .ok(&format!(
            "/inbounds/shipments/{id}/document?documentOption=BOX_LABELS&documentFormat=LETTER"
        ))
        .await;
    assert_eq!(document["ready"], true);
    let url = document["url"].as_str().unwrap();
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4\n"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    // startxref names the byte offset of the xref table.
    let text = String::from_utf8_lossy(&pdf);
    let offset: usize = text
        .rsplit("startxref\n")
        .next()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(text[offset..].starts_with("xref\n"), "xref at {offset}");

    let (status, problem) = api
        .get(&format!(
            "/inbounds/shipments/{id}/document?documentFormat=LETTER"
        ))
        .await;
    assert_eq!(status, 400);
    assert!(problem_detail(&problem).contains("documentOption"));
    assert_eq!(
        api.get("/inbounds/shipments/424242/document?documentOption=A&documentFormat=B")
            .await
            .0,
        404
    );
    let missing = reqwest::get(format!("{}/sandbox/documents/inbound-424242.pdf", api.root))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn warehouse_details_name_every_unknown_sku() {
    let sandbox = Sandbox::start(Config {
        receive_after: Duration::from_millis(100),
        ..fast()
    })
    .await
    .unwrap();
    let api = Api::new(&sandbox, "2024-01");
    let sku = api.product("MUG").await;
    let id = packaged_inbound(&api, &sku, 7).await;
    api.until(&format!("/inbounds/shipments/{id}"), |shipment| {
        shipment["status"] == "COMPLETED"
    })
    .await;
    let (status, details) = api
        .post("/products/warehouse", json!({"logisticsSkus": [sku]}))
        .await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details[0]["logisticsSku"], sku.as_str());
    assert_eq!(details[0]["warehouseDetails"][0]["available"], 7 + 1);

    let (status, problem) = api
        .post(
            "/products/warehouse",
            json!({"logisticsSkus": [sku, "GHOST-1", "GHOST-2"]}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let detail = problem_detail(&problem);
    assert!(
        detail.contains("GHOST-1") && detail.contains("GHOST-2"),
        "{detail}"
    );
    assert!(!detail.contains(&format!("`{sku}`")), "{detail}");

    let (status, storage) = api
        .post(
            "/products/warehouse?poolName=STORAGE",
            json!({"logisticsSkus": [sku]}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(storage[0].get("warehouseDetails").is_none(), "{storage}");
    assert_eq!(
        api.get("/products/warehouse").await.0,
        404,
        "no product `warehouse`"
    );
    assert_eq!(
        api.post(
            "/products/warehouse?poolName=ATTIC",
            json!({"logisticsSkus": [sku]})
        )
        .await
        .0,
        400
    );
}

#[tokio::test]
async fn account_standing_follows_the_catalogue_and_the_first_inbound() {
    let sandbox = Sandbox::start(Config {
        receive_after: Duration::from_millis(100),
        ..fast()
    })
    .await
    .unwrap();
    let api = Api::new(&sandbox, "unstable");
    let status = api.ok("/accounts/status").await;
    assert_eq!(status["importedProductCatalog"], false);
    assert_eq!(status["completedFirstInboundShipment"], false);
    let sku = api.product("MUG").await;
    packaged_inbound(&api, &sku, 1).await;
    api.until("/accounts/status", |status| {
        status["importedProductCatalog"] == true && status["completedFirstInboundShipment"] == true
    })
    .await;
}

#[tokio::test]
async fn channels_sync_products_one_sync_at_a_time() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let api = Api::new(&sandbox, "unstable");
    // `channelType` is an open string: a type newer than the document is taken as it is.
    let mut input = json!({"channelType": "TIKTOK_SHOP_2027", "accessToken": "secret",
                           "storeName": "mugs", "locationId": "L1"});
    let (status, channel) = api.post("/channels", input.clone()).await;
    assert_eq!(status, 200, "{channel}");
    assert_eq!(channel["channelType"], "TIKTOK_SHOP_2027");
    assert!(
        !channel.to_string().contains("secret"),
        "the access token is not echoed"
    );
    input["locationId"] = "L2".into();
    let (status, updated) = api.post("/channels", input.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(
        updated["channelId"], channel["channelId"],
        "create or update"
    );
    input["accessToken"] = " ".into();
    assert_eq!(api.post("/channels", input).await.0, 400);

    let sync = "/channels/TIKTOK_SHOP_2027/shop/mugs/sync";
    assert_eq!(api.get(sync).await.0, 404, "never synced");
    let (status, body) = api.post_empty(sync).await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, problem) = api.post_empty(sync).await;
    assert_eq!(status, 409, "a sync is pending: {problem}");
    let done = api
        .until(sync, |status| status["productSyncStatus"] == "COMPLETE")
        .await;
    assert_eq!(done["channelId"], channel["channelId"]);
    assert_eq!(
        api.post_empty(sync).await.0,
        204,
        "a finished sync can be repeated"
    );
    assert_eq!(
        api.post_empty("/channels/SHOPIFY/shop/mugs/sync").await.0,
        404
    );
    assert_eq!(api.get("/channels/SHOPIFY/shop/mugs/sync").await.0, 404);
    // A type and store name that run together differently name another channel.
    let (status, _) = api
        .post(
            "/channels",
            json!({"channelType": "A\nB", "accessToken": "t", "storeName": "C", "locationId": "L"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(api.post_empty("/channels/A/shop/B%0AC/sync").await.0, 404);
    assert_eq!(api.post_empty("/channels/A%0AB/shop/C/sync").await.0, 204);
}

#[tokio::test]
async fn upload_targets_are_checked() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let api = Api::new(&sandbox, "unstable");
    let input = json!({"filename": "proof.jpg", "fileSize": 2048, "mimeType": "image/jpeg",
                       "resourceType": "CLAIM_PROOF"});
    let (status, target) = api.post("/uploads", input.clone()).await;
    assert_eq!(status, 200, "{target}");
    assert!(target["url"].as_str().unwrap().starts_with(&api.root));
    assert!(
        target["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|field| field["name"] == "key")
    );
    // The target takes the upload (and keeps nothing of it).
    let uploaded = reqwest::Client::new()
        .post(target["url"].as_str().unwrap())
        .body(vec![0u8; 2048])
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 204);
    let mut too_big = input.clone();
    too_big["fileSize"] = json!(1u64 << 40);
    assert_eq!(api.post("/uploads", too_big).await.0, 422);
    let mut newer = input;
    newer["resourceType"] = "INVOICE".into();
    assert_eq!(
        api.post("/uploads", newer).await.0,
        400,
        "a closed request enum"
    );
}

fn location(zip: &str) -> Value {
    json!({"zip": zip, "locationType": "COMMERCIAL", "liftGateRequired": false})
}

fn delivery() -> Value {
    json!({
        "address": {"street1": "1 Dock Rd", "city": "Reno", "zip": "89501", "state": "NV",
                    "country": "US"},
        "contact": {"firstName": "Ada", "lastName": "Lane", "phone": "555-0100",
                    "email": "ada@example.com"},
    })
}

fn pickup() -> Value {
    json!({
        "cargoReadyDate": "2026-12-01T08:00:00Z",
        "address": {"street1": "2 Mill St", "city": "Oakland", "zip": "94607", "state": "CA",
                    "country": "US"},
        "contact": {"firstName": "Bo", "lastName": "Kim", "phone": "555-0101",
                    "email": "bo@example.com"},
    })
}

fn pallet() -> Value {
    json!({"palletCount": 2, "length": 48, "width": 40, "height": 50, "weight": 400})
}

async fn quote(api: &Api, kind: &str, body: Value) -> Value {
    let (status, quote) = api.post(&format!("/freight/quotes/{kind}"), body).await;
    assert_eq!(status, 200, "{quote}");
    quote
}

fn pallets_quote() -> Value {
    json!({"palletCount": 2, "pickupDetails": location("94607"), "deliveryDetails": location("89501")})
}

#[tokio::test]
async fn a_freight_order_is_booked_from_its_quote_and_tracked_to_delivery() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let api = Api::new(&sandbox, "unstable");
    let ltl = quote(&api, "pallets", pallets_quote()).await;
    assert_eq!(ltl["type"], "LTL");
    assert_eq!(ltl["status"], "CREATED");
    let ftl = quote(&api, "trucks", pallets_quote()).await;
    assert_eq!(api.ok(&format!("/freight/quotes/{}", ltl["id"])).await, ltl);

    let order_body = |quote_id: &Value| {
        json!({"quoteId": quote_id, "deliveryDetails": delivery(), "pickupDetails": pickup(),
               "pallets": [pallet()]})
    };
    // A truck quote does not book pallets; an unknown quote books nothing.
    let (status, problem) = api
        .post("/freight/orders/pallets", order_body(&ftl["id"]))
        .await;
    assert_eq!(status, 422, "{problem}");
    let (status, _) = api
        .post("/freight/orders/pallets", order_body(&json!(999_999)))
        .await;
    assert_eq!(status, 422);
    assert_eq!(api.ok("/freight/orders").await["orders"], json!([]));

    let (status, order) = api
        .post("/freight/orders/pallets", order_body(&ltl["id"]))
        .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["status"], "BOOKED");
    assert_eq!(
        order["ltlOrderItem"]["cost"],
        ltl["ltlQuoteItem"]["totalCost"]
    );
    let (status, problem) = api
        .post("/freight/orders/pallets", order_body(&ltl["id"]))
        .await;
    assert_eq!(status, 409, "a booked quote books once: {problem}");
    assert_eq!(
        api.ok(&format!("/freight/quotes/{}", ltl["id"])).await["status"],
        "BOOKED"
    );

    let documents = api
        .ok(&format!("/freight/orders/{}/documents", order["id"]))
        .await;
    let url = documents["documents"][0]["url"].as_str().unwrap();
    let pdf = reqwest::get(url).await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");

    let bol = order["ltlOrderItem"]["customerBolId"].as_str().unwrap();
    let tracking = api
        .until(&format!("/freight/tracking_events/{bol}"), |tracking| {
            tracking["bolStatus"] == "DELIVERED"
        })
        .await;
    let events: Vec<&str> = tracking["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["CREATED", "TENDERED", "PICKED_UP", "DELIVERED"]);
    assert_eq!(
        api.ok(&format!("/freight/orders/{}", order["id"])).await["status"],
        "COMPLETED"
    );
    // Delivered: too late to cancel.
    let (status, problem) = api
        .post(
            &format!("/freight/orders/{}/cancel", order["id"]),
            json!({}),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(api.get("/freight/tracking_events/NO-SUCH-BOL").await.0, 404);
    assert_eq!(api.get("/freight/orders/424242").await.0, 404);
    assert_eq!(api.get("/freight/orders/containers").await.0, 404);
    assert_eq!(api.get("/freight/quotes/424242").await.0, 404);
}

#[tokio::test]
async fn a_cancelled_freight_order_stops_moving() {
    let sandbox = Sandbox::start(Config {
        freight_step_after: Duration::from_millis(300),
        ..fast()
    })
    .await
    .unwrap();
    let api = Api::new(&sandbox, "unstable");
    let ftl = quote(&api, "trucks", pallets_quote()).await;
    let (status, order) = api
        .post(
            "/freight/orders/trucks",
            json!({"quoteId": ftl["id"], "totalWeight": 800, "palletCount": 2,
                   "deliveryDetails": delivery(), "pickupDetails": pickup()}),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    let cancel = format!("/freight/orders/{}/cancel", order["id"]);
    let (status, body) = api
        .post(&cancel, json!({"cancellationReason": "changed plans"}))
        .await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(api.post(&cancel, json!({})).await.0, 409, "cancelled once");
    assert_eq!(
        api.post("/freight/orders/424242/cancel", json!({})).await.0,
        404
    );
    // Several steps' time later it is still cancelled.
    let bol = order["ftlOrderItem"]["customerBolId"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let tracking = api.ok(&format!("/freight/tracking_events/{bol}")).await;
    assert_eq!(tracking["bolStatus"], "CANCELLED");
    let events = tracking["events"].as_array().unwrap();
    assert_eq!(events.last().unwrap()["eventType"], "CANCELLED");
    assert_eq!(
        api.ok(&format!("/freight/orders/{}", order["id"])).await["status"],
        "CANCELLED"
    );
}

#[tokio::test]
async fn containers_are_quoted_and_booked_from_a_known_port() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let api = Api::new(&sandbox, "unstable");
    let ports = api.ok("/freight/ports").await;
    let port_id = ports["ports"][0]["id"].as_str().unwrap().to_owned();
    let drayage = quote(
        &api,
        "containers",
        json!({"pickupDetails": location("90731"), "deliveryDetails": location("89501"),
               "packageType": "CARTONS", "packageCount": 300}),
    )
    .await;
    assert_eq!(drayage["type"], "DRAYAGE");
    let body = |port: &str| {
        json!({"quoteId": drayage["id"], "containerId": "MSCU1234567", "masterBolId": "MBOL1",
               "deliveryOrderDocumentKey": "do.pdf", "packingListDocumentKey": "pl.pdf",
               "portId": port, "deliveryDetails": delivery()})
    };
    let (status, problem) = api.post("/freight/orders/containers", body("XXNOPE")).await;
    assert_eq!(status, 422, "{problem}");
    let (status, order) = api.post("/freight/orders/containers", body(&port_id)).await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["drayageOrderItem"]["containerId"], "MSCU1234567");
    assert_eq!(order["portId"], port_id.as_str());
}

#[tokio::test]
async fn freight_lists_page_by_cursor_both_ways() {
    let sandbox = Sandbox::start(fast()).await.unwrap();
    let api = Api::new(&sandbox, "unstable");
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            quote(&api, "pallets", pallets_quote()).await["id"]
                .as_u64()
                .unwrap(),
        );
    }
    let page = |body: Value| -> Vec<u64> {
        body["quotes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["id"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(page(api.ok("/freight/quotes?limit=2").await), ids[..2]);
    assert_eq!(
        page(
            api.ok(&format!("/freight/quotes?limit=2&cursor={}", ids[1]))
                .await
        ),
        ids[2..4]
    );
    assert_eq!(
        page(
            api.ok(&format!(
                "/freight/quotes?limit=10&cursor={}&direction=backward",
                ids[3]
            ))
            .await
        ),
        [ids[2], ids[1], ids[0]]
    );
    assert_eq!(api.get("/freight/quotes?direction=sideways").await.0, 400);
}

/// Every event page by `Link` header, as a client following them would.
async fn all_events(api: &Api, first: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut next = Some(first.to_owned());
    while let Some(path) = next.take() {
        assert!(events.len() <= 10_000, "the pages never end");
        let answer = api.call(reqwest::Method::GET, &path, None).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        events.extend(answer.body.as_array().unwrap().iter().cloned());
        next = answer.headers.get("link").map(|link| {
            let link = link.to_str().unwrap();
            assert!(link.ends_with("; rel=\"next\""), "{link}");
            link[1..link.find('>').unwrap()].to_owned()
        });
    }
    events
}

#[tokio::test]
async fn every_emitted_event_is_listed_once_across_pages_and_survives_a_restart() {
    let directory = tempfile::tempdir().unwrap();
    let state_file = directory.path().join("state.jsonl");
    let config = Config {
        receive_after: Duration::from_millis(100),
        state_file: Some(state_file.clone()),
        ..fast()
    };
    let sandbox = Sandbox::start(config.clone()).await.unwrap();
    let api = Api::new(&sandbox, "unstable");
    let sku = api.product("MUG").await;
    let mut shipments = Vec::new();
    for _ in 0..3 {
        shipments.push(packaged_inbound(&api, &sku, 2).await);
    }
    for id in &shipments {
        api.until(&format!("/inbounds/shipments/{id}"), |shipment| {
            shipment["status"] == "COMPLETED"
        })
        .await;
    }
    // One InboundReceived per item (SKU) and one status change per shipment.
    let everything = all_events(&api, "/events").await;
    assert_eq!(everything.len(), 6, "{everything:#?}");
    let paged = all_events(&api, "/events?limit=1").await;
    assert_eq!(
        paged, everything,
        "pages of one give the same events, each once"
    );
    for event in &everything {
        // Strings, and numbers where production sends them.
        assert!(
            event["payload"]
                .as_object()
                .unwrap()
                .values()
                .all(|value| value.is_string() || value.is_number()),
            "{event}"
        );
    }
    let changes = all_events(&api, "/events?type=Inbound.StatusChanged&limit=2").await;
    assert_eq!(changes.len(), 3);
    let one = all_events(&api, &format!("/events?shipmentId={}", shipments[1])).await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["type"], "Inbound.StatusChanged");
    let by_id = all_events(
        &api,
        &format!("/events?ids={}", everything[0]["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(by_id, everything[..1]);
    assert_eq!(api.get("/events?page_info=not-a-cursor").await.0, 400);
    assert_eq!(api.get("/events?after=yesterday").await.0, 400);
    assert_eq!(api.get("/events?limit=0").await.0, 400);

    sandbox.stop().await;
    let restarted = Sandbox::start(config).await.unwrap();
    let api = Api::new(&restarted, "unstable");
    assert_eq!(all_events(&api, "/events").await, everything);
}
