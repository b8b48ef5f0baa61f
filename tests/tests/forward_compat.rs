//! A client pinned to an older API version reads what a newer Flexport sends:
//! enum values its document does not declare (`TIKTOK` as an order source,
//! `DAMAGED` for received units, made-up statuses) and fields it does not
//! know. Through the facade against a wiremock server on 127.0.0.1, and
//! through `flexport::webhooks::parse`.

use flexport::v2023_10::types::{
    ExternalOrderStatus, InternalOrderStatus, LogisticsInboundShipmentStatus, SourceId,
};
use flexport::v2023_10::{Client, prelude::*, types, webhooks::Event};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn client_answering(route: &str, body: Value) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let client = flexport::ClientBuilder::new()
        .token("test-token")
        .base_url(server.uri())
        .build()
        .unwrap();
    (server, client)
}

fn address() -> Value {
    json!({"address1": "1 Main St", "city": "Reno", "countryCode": "US", "phone": "555",
           "provinceCode": "NV", "zip": "89501"})
}

/// An order as a newer API version could send it: every enum with a value
/// 2023-10 does not declare, and fields it does not know at every level.
fn newer_order() -> Value {
    json!({
        "id": "ord_1",
        "address": address(),
        "lineItems": [{"logisticsSku": "SKU1", "quantity": 2, "giftWrap": true}],
        "shipments": [],
        "source": "TIKTOK",
        "state": {
            "fulfillmentDelayed": false,
            "fulfillmentInProgress": true,
            "fulfillmentStatus": "HANDED_TO_DRONE",
            "internalStatus": "TELEPORTED",
            "introducedIn": "2031-01",
        },
        "carbonOffsetGrams": 12,
    })
}

#[tokio::test]
async fn an_older_client_decodes_values_and_fields_of_a_newer_version() {
    let (_server, client) =
        client_answering("/logistics/api/2023-10/orders/ord_1", newer_order()).await;
    let order = client
        .get_order()
        .order_id("ord_1")
        .send()
        .await
        .expect("a newer order decodes")
        .into_inner();

    assert_eq!(
        order.source,
        Some(SourceId::UnknownValue("TIKTOK".to_owned()))
    );
    assert_eq!(
        order.state.internal_status,
        InternalOrderStatus::UnknownValue("TELEPORTED".to_owned())
    );
    assert_eq!(
        order.state.fulfillment_status,
        ExternalOrderStatus::UnknownValue("HANDED_TO_DRONE".to_owned())
    );
    // The exact strings are kept: printed and serialized back unchanged.
    assert_eq!(order.state.internal_status.to_string(), "TELEPORTED");
    let echoed = serde_json::to_value(&order).unwrap();
    assert_eq!(echoed["source"], "TIKTOK");
    assert_eq!(echoed["state"]["fulfillmentStatus"], "HANDED_TO_DRONE");
    // Declared values still decode into their own variants.
    let declared: InternalOrderStatus = serde_json::from_value(json!("CANCELLED")).unwrap();
    assert_eq!(declared, InternalOrderStatus::Cancelled);
}

#[tokio::test]
async fn an_unknown_inbound_status_decodes_and_the_id_goes_back_as_given() {
    let shipment = json!({
        "id": "4711", "receivingId": "r1", "shippingPlanId": "p1",
        "status": "DAMAGED_IN_TRANSIT",
        "prep": {"boxContentLabels": false},
        "addresses": {"from": address(), "to": address()},
    });
    let (_server, client) =
        client_answering("/logistics/api/2023-10/inbounds/shipments/4711", shipment).await;
    let shipment = client
        .get_inbounding_shipment()
        .shipment_id("4711")
        .send()
        .await
        .expect("an unknown status decodes")
        .into_inner();
    assert_eq!(
        shipment.status,
        LogisticsInboundShipmentStatus::UnknownValue("DAMAGED_IN_TRANSIT".to_owned())
    );
    // The id a response gives is what the path parameter takes.
    let again = client
        .get_inbounding_shipment()
        .shipment_id(&shipment.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.id, "4711");
}

#[test]
fn a_webhook_with_a_newer_value_parses() {
    // 2023-10 declares `type` of an InboundReceived event as `SELLABLE` only;
    // `DAMAGED` arrived in 2024-01.
    let body = json!({
        "logisticsAccountId": "a1", "logisticsEventId": "e1",
        "logisticsEventType": "InboundReceived", "logisticsEventTime": "2024-02-01T00:00:00Z",
        "type": "DAMAGED", "amount": 3, "shipmentItemId": 9, "binLocation": "B-12",
    });
    let event: Event = flexport::webhooks::parse(body.to_string().as_bytes()).unwrap();
    let Event::InboundReceived(received) = event else {
        panic!("not an InboundReceived event: {event:?}");
    };
    assert_eq!(
        received.type_,
        Some(types::InboundReceivedEventType::UnknownValue(
            "DAMAGED".to_owned()
        ))
    );
    assert_eq!(serde_json::to_value(&received).unwrap()["type"], "DAMAGED");
}

#[test]
fn values_a_user_parses_stay_closed() {
    // Only decoding a response yields the catch-all: parsing a string, as
    // code building a request does, accepts declared values only.
    assert!("TIKTOK".parse::<SourceId>().is_err());
    assert!(SourceId::try_from("TIKTOK").is_err());
    assert_eq!("AMAZON".parse::<SourceId>().unwrap(), SourceId::Amazon);
}
