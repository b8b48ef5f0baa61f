//! Numbers that fit what they count or name (the `counts-and-ids` pass and
//! the `integral-numbers` step), as a user of the 2024-04 crate meets them:
//! a count is a `u64` (`quantity(0.5)` and `quantity(-1)` do not compile), a
//! server's `2.0` still decodes, `0.5` is refused, and an id in a response is
//! the string its path parameter takes, exact beyond what an `f64` holds.

use flexport::v2024_04::types;
use serde_json::{Value, json};

fn return_item(quantity: Value) -> Result<types::ReturnItem, serde_json::Error> {
    serde_json::from_value(json!({
        "expectedQuantity": quantity,
        "identifier": "SKU1",
        "inspectedItems": [],
    }))
}

#[test]
fn an_integral_float_decodes_into_a_count_and_a_fraction_or_negative_does_not() {
    let item = return_item(json!(2.0)).unwrap();
    let quantity: u64 = item.expected_quantity;
    assert_eq!(quantity, 2);
    assert_eq!(return_item(json!(3)).unwrap().expected_quantity, 3);
    for refused in [json!(0.5), json!(-1), json!(2.5), json!("2"), json!(1e30)] {
        let error = return_item(refused.clone()).unwrap_err().to_string();
        assert!(
            error.contains("non-negative whole number"),
            "{refused}: {error}"
        );
    }
}

#[test]
fn a_count_is_built_and_sent_as_an_integer() {
    let line = types::OrderLineItemInput::try_from(
        types::OrderLineItemInput::builder()
            .logistics_sku("A")
            .quantity(2_u64),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&line).unwrap()["quantity"],
        json!(2),
        "sent as 2, not 2.0"
    );
    // One integer type for quantities across resources: orders, returns,
    // bundles and inbound items all take the same `u64`.
    let quantity: u64 = 7;
    let _ = types::RequestedReturnItem::builder().quantity(quantity);
    let _ = types::BundleContent::builder().quantity(quantity);
    let _ = types::ItemData::builder().quantity(quantity);
}

#[test]
fn a_response_id_is_the_string_its_path_parameter_takes_and_a_huge_one_stays_exact() {
    // 2^53 + 1 and u64::MAX: an `f64` would round both.
    for (sent, text) in [
        (json!(9_007_199_254_740_993_u64), "9007199254740993"),
        (json!(u64::MAX), "18446744073709551615"),
        (json!("ret_7"), "ret_7"),
    ] {
        let webhook: types::WebhookModel = serde_json::from_value(json!({
            "id": sent,
            "method": "POST",
            "type": "OrderShipped",
            "url": "https://example.test/hook",
        }))
        .unwrap();
        let id: &str = &webhook.id;
        assert_eq!(id, text);
    }
}

#[test]
fn an_order_error_code_is_an_integer() {
    let error: types::OrderError = serde_json::from_value(json!({
        "code": 407001.0,
        "message": "not enough stock",
        "retriable": true,
        "type": "INVENTORY_ERR",
    }))
    .unwrap();
    let code: u64 = error.code;
    assert_eq!(code, 407_001);
}

/// Fails when a response id sent as a number, as an integral float or as
/// text does not decode to one and the same id (`lenient::string` keeping
/// `7.0` as "7.0" would).
#[test]
fn an_id_sent_as_a_number_or_as_text_is_the_same_id() {
    let decoded: Vec<String> = [json!(7), json!(7.0), json!("7")]
        .into_iter()
        .map(|id| {
            let order: types::ReturnsApiOrder = serde_json::from_value(json!({
                "id": id,
                "status": "CREATED",
                "rma": "RMA-7",
                "externalReturnId": "RET-7",
                "returnItems": [],
                "shippingLabel": {"carrier": "UPS", "trackingCode": "1Z7", "trackingStatus": "CREATED"},
            }))
            .unwrap();
            order.id
        })
        .collect();
    assert_eq!(decoded, ["7", "7", "7"]);
}

/// A count beyond `i64`'s range (and an `f64`'s precision) is kept exact,
/// both ways: decoded from the wire and sent back as the same digits.
#[test]
fn a_count_beyond_i64_is_decoded_and_sent_exactly() {
    let beyond = i64::MAX as u64 + 2;
    let item = return_item(json!(beyond)).unwrap();
    assert_eq!(item.expected_quantity, beyond);
    let line = types::OrderLineItemInput::try_from(
        types::OrderLineItemInput::builder()
            .logistics_sku("A")
            .quantity(u64::MAX),
    )
    .unwrap();
    let text = serde_json::to_string(&line).unwrap();
    assert!(
        text.contains(r#""quantity":18446744073709551615"#),
        "{text}"
    );
}

/// Through the client, as a server's answer: `2.0` decodes, and `2.5` or
/// `-1` fail the call with an error that names the field it was in.
#[tokio::test]
async fn a_count_the_client_cannot_hold_fails_the_call_naming_the_field() {
    use flexport::v2024_04::prelude::*;
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    for (id, quantity) in [("1", json!(2.0)), ("2", json!(2.5)), ("3", json!(-1))] {
        Mock::given(method("GET"))
            .and(path_regex(format!("/returns/{id}$")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "id": id.parse::<u64>().unwrap(),
                "status": "CREATED",
                "rma": "RMA",
                "externalReturnId": "RET",
                "returnItems": [{"expectedQuantity": quantity, "identifier": "SKU1", "inspectedItems": []}],
                "shippingLabel": {"carrier": "UPS", "trackingCode": "1Z", "trackingStatus": "CREATED"},
            })))
            .mount(&server)
            .await;
    }
    let client: flexport::v2024_04::Client = flexport::ClientBuilder::new()
        .token("t")
        .base_url(server.uri())
        .build()
        .unwrap();
    let fine = client.get_return().return_id("1").send().await.unwrap();
    assert_eq!(fine.id, "1");
    assert_eq!(fine.return_items[0].expected_quantity, 2);
    for id in ["2", "3"] {
        let error = client.get_return().return_id(id).send().await.unwrap_err();
        let shown = error.to_string();
        assert!(
            shown.contains("returnItems[0].expectedQuantity")
                && shown.contains("non-negative whole number"),
            "{id}: {shown}"
        );
    }
}
