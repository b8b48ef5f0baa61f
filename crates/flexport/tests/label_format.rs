//! `labelFormat` is "one of these known values, or any string" in the
//! documents (`anyOf: [ShippingLabelFormat, string]`). The `known-strings`
//! normalization pass makes it an open string enum: a known value travels as
//! its string, `UnknownValue(s)` as the plain string `s`, in requests too.

#![cfg(feature = "v2024-04")]

use flexport::v2024_04::types::{self, LengthUnit, ShippingLabelFormatParcel, WeightUnit};
use flexport::v2024_04::{Client, prelude::*};
use flexport::{ClientBuilder, Error, RetryPolicy};
use flexport_sandbox::{Config, Sandbox};
use serde_json::json;

#[test]
fn known_values_and_any_string_round_trip_as_plain_strings() {
    let cases = [
        (ShippingLabelFormatParcel::Zpl203, json!("ZPL203")),
        (ShippingLabelFormatParcel::Png, json!("PNG")),
        (
            ShippingLabelFormatParcel::UnknownValue("PDF_4X6_NEW".to_owned()),
            json!("PDF_4X6_NEW"),
        ),
        // A value from a newer API version that differs from a known one only in case.
        (
            ShippingLabelFormatParcel::UnknownValue("zpl203".to_owned()),
            json!("zpl203"),
        ),
    ];
    for (value, wire) in cases {
        assert_eq!(serde_json::to_value(&value).unwrap(), wire);
        assert_eq!(
            serde_json::from_value::<ShippingLabelFormatParcel>(wire.clone()).unwrap(),
            value
        );
        assert_eq!(value.to_string(), wire.as_str().unwrap());
    }
    // Not a string at all is still refused.
    assert!(serde_json::from_value::<ShippingLabelFormatParcel>(json!(5)).is_err());
    // In a request body the field is the plain string.
    let request = types::CreateParcelRequestUnstable::builder()
        .ship_to_address(address())
        .dimensions(dimensions())
        .label_format(Some(ShippingLabelFormatParcel::Zpl203));
    let request: types::CreateParcelRequestUnstable = request.try_into().unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap()["labelFormat"],
        "ZPL203"
    );
}

fn address() -> types::builder::DeliverrAddress {
    types::DeliverrAddress::builder()
        .name("Ada Buyer")
        .street1("1 Main St")
        .city("Reno")
        .state("NV")
        .zip("89501")
        .country("US")
}

fn dimensions() -> types::builder::ParcelDimensions {
    types::ParcelDimensions::builder()
        .length(10.0)
        .width(8.0)
        .height(4.0)
        .length_unit(LengthUnit::In)
        .weight(2.0)
        .weight_unit(WeightUnit::Lb)
}

fn client(sandbox: &Sandbox) -> Client {
    ClientBuilder::new()
        .token(sandbox.token())
        .base_url(sandbox.base_url())
        .retry_policy(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

async fn create(
    client: &Client,
    format: ShippingLabelFormatParcel,
) -> Result<types::Parcel, Error> {
    Ok(client
        .create_parcel()
        .body_map(|parcel| {
            parcel
                .ship_to_address(address())
                .dimensions(dimensions())
                .label_format(Some(format))
        })
        .send()
        .await?
        .into_inner())
}

#[tokio::test]
async fn a_label_format_set_through_the_typed_builder_reaches_the_sandbox() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = client(&sandbox);

    let zpl = create(&client, ShippingLabelFormatParcel::Zpl203)
        .await
        .unwrap();
    assert!(
        zpl.shipping_label_url.ends_with(".zpl"),
        "{}",
        zpl.shipping_label_url
    );
    let label = reqwest::get(&zpl.shipping_label_url).await.unwrap();
    assert!(label.status().is_success());
    assert!(label.text().await.unwrap().starts_with("^XA"));

    let png = create(&client, ShippingLabelFormatParcel::Png)
        .await
        .unwrap();
    assert!(
        png.shipping_label_url.ends_with(".png"),
        "{}",
        png.shipping_label_url
    );

    // Any string goes out as it is; the sandbox reads formats case-insensitively.
    let any = create(
        &client,
        ShippingLabelFormatParcel::UnknownValue("zpl203".into()),
    )
    .await
    .unwrap();
    assert!(any.shipping_label_url.ends_with(".zpl"));

    // A format the sandbox does not make is refused naming the field.
    match create(
        &client,
        ShippingLabelFormatParcel::UnknownValue("PDF_4X6_NEW".into()),
    )
    .await
    {
        Err(Error::Api(error)) => {
            assert_eq!(error.status.as_u16(), 400);
            let body = String::from_utf8_lossy(&error.body).into_owned();
            assert!(
                body.contains("labelFormat") && body.contains("PDF_4X6_NEW"),
                "{body}"
            );
        }
        other => panic!("expected a 400, got {other:?}"),
    }
}
