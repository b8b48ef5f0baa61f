//! The generated type builders of the 2024-04 crate, as a user meets them:
//! nested objects and lists take values or builders, and a conversion names
//! every missing field at once, by its path.

#![cfg(feature = "v2024-04")]

use flexport::v2024_04::prelude::*;
use flexport::v2024_04::{Client, types};

fn address() -> types::builder::InboundAddress {
    types::InboundAddress::builder()
        .address1("100 Harbor Blvd")
        .city("Long Beach")
        .province_code("CA")
        .zip("90802")
        .country_code(types::CountryCode::Us)
}

fn item(sku: &str, quantity: i32) -> types::builder::ItemData {
    types::ItemData::builder()
        .logistics_sku(sku)
        .quantity(quantity)
}

#[test]
fn a_nested_create_takes_builders_and_serializes_as_the_document_says() {
    let item_value: types::ItemData = item("B", 3).try_into().unwrap();
    let shipment: types::CreateInboundShipmentRequest =
        types::CreateInboundShipmentRequest::builder()
            .from(address())
            .prep(types::PrepRequestData::builder().box_content_labels(false))
            .items(vec![item("A", 24)])
            .try_into()
            .unwrap();
    assert_eq!(
        serde_json::to_value(&shipment).unwrap(),
        serde_json::json!({
            "from": {
                "address1": "100 Harbor Blvd",
                "city": "Long Beach",
                "countryCode": "US",
                "provinceCode": "CA",
                "zip": "90802"
            },
            "items": [{"logisticsSku": "A", "quantity": 24}],
            "prep": {"boxContentLabels": false}
        })
    );
    // A list of values, an array of builders, a slice of values: the same list.
    let of_values = types::CreateInboundShipmentRequest::builder()
        .from(address())
        .prep(types::PrepRequestData::builder().box_content_labels(false))
        .items(vec![item_value.clone()]);
    let of_builders = of_values.clone().items([item("B", 3)]);
    let of_slice = of_values.clone().items(std::slice::from_ref(&item_value));
    for builder in [of_values, of_builders, of_slice] {
        let built = types::CreateInboundShipmentRequest::try_from(builder).unwrap();
        assert_eq!(
            serde_json::to_value(&built.items).unwrap(),
            serde_json::json!([{"logisticsSku": "B", "quantity": 3}])
        );
    }
}

#[test]
fn an_optional_object_takes_its_builder_or_value_without_some() {
    let dimensions = types::Dimension::builder()
        .length(4.5)
        .width(3.5)
        .height(4)
        .length_unit(types::LengthUnit::In)
        .weight(0.9)
        .weight_unit(types::WeightUnit::Lb);
    let expected = serde_json::json!({
        "height": 4.0, "length": 4.5, "lengthUnit": "in",
        "weight": 0.9, "weightUnit": "lb", "width": 3.5
    });
    let product = || {
        types::CreateProductModel::builder()
            .name("Mug")
            .merchant_sku("MUG-1")
    };
    let from_builder: types::CreateProductModel =
        product().dimensions(dimensions.clone()).try_into().unwrap();
    let value: types::Dimension = dimensions.try_into().unwrap();
    let from_value: types::CreateProductModel =
        product().dimensions(value.clone()).try_into().unwrap();
    let from_some: types::CreateProductModel =
        product().dimensions(Some(value)).try_into().unwrap();
    for product in [from_builder, from_value, from_some] {
        assert_eq!(
            serde_json::to_value(&product).unwrap()["dimensions"],
            expected
        );
    }
}

#[test]
fn a_missing_nested_field_is_named_by_its_path() {
    let error = types::CreateInboundShipmentRequest::try_from(
        types::CreateInboundShipmentRequest::builder()
            .from(address())
            .prep(types::PrepRequestData::builder().box_content_labels(true))
            .items(vec![
                item("A", 1),
                types::ItemData::builder().quantity(2),
                types::ItemData::builder(),
            ]),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "items[1].logistics_sku: no value supplied; \
         items[2].logistics_sku: no value supplied; \
         items[2].quantity: no value supplied"
    );
    let paths: Vec<&str> = error.problems().iter().map(|p| p.path()).collect();
    assert_eq!(
        paths,
        [
            "items[1].logistics_sku",
            "items[2].logistics_sku",
            "items[2].quantity"
        ]
    );
    // An object field's builder keeps its own paths under the field.
    let incomplete = types::InboundAddress::builder().city("Reno").zip("89501");
    let error = types::CreateInboundShipmentRequest::try_from(
        types::CreateInboundShipmentRequest::builder().from(incomplete),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "from.address1: no value supplied; \
         from.country_code: no value supplied; \
         from.province_code: no value supplied; \
         prep: no value supplied"
    );
}

#[test]
fn a_builder_names_every_missing_required_field_at_once() {
    let error = types::OrderLineItemInput::try_from(types::OrderLineItemInput::builder())
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "logistics_sku: no value supplied; quantity: no value supplied"
    );
    // A field that was set is not named; one still missing is.
    let error = types::OrderLineItemInput::try_from(
        types::OrderLineItemInput::builder().logistics_sku("A"),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(error, "quantity: no value supplied");
    let complete = types::OrderLineItemInput::builder()
        .logistics_sku("A")
        .quantity(2);
    assert!(types::OrderLineItemInput::try_from(complete).is_ok());
}

/// `?` turns a builder's error into `flexport::Error::InvalidRequest`, and a
/// body that does not build fails `send()` the same way, before anything is
/// sent (the client points at a port nothing listens on).
#[tokio::test]
async fn a_build_error_is_an_invalid_request_that_was_never_sent() {
    fn built() -> Result<types::ItemData, flexport::Error> {
        Ok(types::ItemData::builder().quantity(1).try_into()?)
    }
    let error = built().unwrap_err();
    assert!(
        matches!(error, flexport::Error::InvalidRequest(_)),
        "{error:?}"
    );
    assert!(!error.may_have_acted());
    assert!(!error.is_retryable());
    assert!(
        error
            .to_string()
            .contains("logistics_sku: no value supplied")
    );

    let client: Client = flexport::ClientBuilder::new()
        .token("test-token")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let error = client
        .create_inbounding_shipment()
        .body_map(|shipment| {
            shipment
                .from(address())
                .prep(types::PrepRequestData::builder().box_content_labels(false))
                .items([item("A", 1), types::ItemData::builder()])
        })
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, flexport::Error::InvalidRequest(_)),
        "{error:?}"
    );
    assert!(!error.may_have_acted());
    let message = error.to_string();
    assert!(
        message.contains("items[1].logistics_sku: no value supplied")
            && message.contains("items[1].quantity: no value supplied"),
        "{message}"
    );
}
